#include "http/openapi.h"

#include <algorithm>
#include <set>

namespace ujumbe::http {

namespace {

using nlohmann::json;

json ref(const std::string& kind, const std::string& name) {
    return {{"$ref", "#/components/" + kind + "/" + name}};
}

// The components every document has: the envelopes, pages and errors.
json base_schemas() {
    json schemas = json::object();
    schemas["Envelope"] = {{"type", "object"},
                           {"required", {"success", "data"}},
                           {"properties",
                            {{"success", {{"const", true}}},
                             {"data", json::object()},
                             {"message", {{"type", "string"}}}}}};
    schemas["Error"] = {
        {"type", "object"},
        {"required", {"success", "message", "error_code"}},
        {"properties",
         {{"success", {{"const", false}}},
          {"message", {{"type", "string"}}},
          {"error_code", {{"type", "string"}, {"pattern", "^[A-Z][A-Z0-9_]*$"}}},
          {"errors",
           {{"type", "object"},
            {"description", "Problems by field name, each a list of sentences."},
            {"additionalProperties", {{"type", "array"}, {"items", {{"type", "string"}}}}}}},
          {"details", {{"type", "object"}}}}},
        {"examples",
         {{{"success", false},
           {"message", "Invalid input."},
           {"error_code", "VALIDATION_ERROR"},
           {"errors", {{"to", {"Must be a phone number in E.164 form (+255712345678)."}}}},
           {"details", json::object()}}}}};
    schemas["Page"] = {{"type", "object"},
                       {"required", {"results", "count"}},
                       {"properties",
                        {{"results", {{"type", "array"}}},
                         {"count", {{"type", "integer"}, {"minimum", 0}}},
                         {"count_is_estimate", {{"type", "boolean"}}},
                         {"next", {{"type", {"string", "null"}}}},
                         {"previous", {{"type", {"string", "null"}}}},
                         {"next_cursor", {{"type", {"string", "null"}}}},
                         {"previous_cursor", {{"type", {"string", "null"}}}}}}};
    // What a DELETE answers: the id of what it removed.
    schemas["Deleted"] = {
        {"type", "object"},
        {"required", {"deleted"}},
        {"properties", {{"id", {{"type", "string"}}}, {"deleted", {{"const", true}}}}}};
    return schemas;
}

struct ErrorStatus {
    int status;
    const char* description;
    std::vector<std::string> codes;
};

// The error answer of a status, with the codes known to come with it (a
// list, not a closed set: the schema is the envelope's).
json error_response(const ErrorStatus& e, const RouteDoc& doc) {
    std::vector<std::string> codes = e.codes;
    for (const auto& c : doc.errors)
        if (c.status == e.status && std::find(codes.begin(), codes.end(), c.code) == codes.end())
            codes.push_back(c.code);
    const bool html = !doc.json_too &&
                      std::find(doc.files.begin(), doc.files.end(), "text/html") != doc.files.end();
    // A page's errors are pages too, but for those the server answers
    // before the route's handler runs (a body too large, of a wrong type).
    json content = {{"application/json", {{"schema", ref("schemas", "Error")}}}};
    if (html) content["text/html"] = {{"schema", {{"type", "string"}}}};
    json out = {{"description", e.description}, {"content", std::move(content)}};
    if (!codes.empty()) out["x-error-codes"] = std::move(codes);
    return out;
}

// The error statuses a route may answer, with the codes known to come with
// them. Every route may meet a bad parameter, a missing object, a rule or
// a conflict; only bodies are too large or of the wrong type, and only
// writes are refused for money.
std::vector<ErrorStatus> errors_of(const Route& r) {
    const bool writes = r.method == Method::kPost || r.method == Method::kPut ||
                        r.method == Method::kPatch || r.method == Method::kDelete;
    const bool body =
        r.method == Method::kPost || r.method == Method::kPut || r.method == Method::kPatch;
    // Any request may carry a body that is not JSON, even a GET.
    std::vector<ErrorStatus> out;
    out.push_back({400,
                   "The input is refused; `errors` names each field.",
                   {"VALIDATION_ERROR", "MALFORMED_JSON"}});
    // What the credential check answers (http/dispatcher.cc, identity).
    std::vector<std::string> unauthenticated = {"UNAUTHENTICATED"};
    if (r.options.authenticated)
        unauthenticated.insert(
            unauthenticated.end(),
            {"INVALID_TOKEN", "TOKEN_EXPIRED", "TOKEN_REVOKED", "INVALID_API_KEY",
             "API_KEY_EXPIRED", "ACCOUNT_SUSPENDED", "USER_INACTIVE"});
    out.push_back({401, "No valid credential (or, to sign in, wrong ones).", unauthenticated});
    if (writes) out.push_back({402, "A wallet cannot pay for it.", {"INSUFFICIENT_BALANCE"}});
    out.push_back({403,
                   "The caller may not do this (role, key scope, account or signature).",
                   {"FORBIDDEN", "INSUFFICIENT_SCOPE", "TWO_FACTOR_SETUP_REQUIRED"}});
    out.push_back(
        {404, "Not found (another account's objects are not found either).", {"NOT_FOUND"}});
    // A POST with an Idempotency-Key (http/idempotency.cc).
    const bool idempotent = r.method == Method::kPost;
    std::vector<std::string> conflicts;
    if (idempotent) conflicts = {"IDEMPOTENCY_IN_PROGRESS", "IDEMPOTENCY_KEY_UNREADABLE"};
    out.push_back({409, "A conflict with what is stored (a state, a duplicate).", conflicts});
    if (body) {
        out.push_back({413, "The body is too large.", {"PAYLOAD_TOO_LARGE"}});
        out.push_back(
            {415, "The body's content type is not accepted.", {"UNSUPPORTED_MEDIA_TYPE"}});
    }
    std::vector<std::string> rules;
    if (idempotent) rules = {"IDEMPOTENCY_KEY_REUSED"};
    out.push_back({422, "A business rule refuses it.", rules});
    if (r.options.rate_class != RateClass::kNone)
        out.push_back(
            {429, "Too many requests; Retry-After says when to try again.", {"RATE_LIMITED"}});
    out.push_back({500, "A fault of the server (no internals are shown).", {"INTERNAL_ERROR"}});
    out.push_back(
        {503, "The database is unreachable or the server is stopping.", {"DATABASE_UNAVAILABLE"}});
    // A write meets a full disk; /readyz reports one.
    if (writes || !r.options.authenticated)
        out.push_back({507, "The database's disk is full.", {"INSUFFICIENT_STORAGE"}});
    return out;
}

std::string tag_of(const std::string& pattern) {
    const std::string api = "/api/v1/";
    if (!pattern.starts_with(api)) return "operations";
    const auto rest = pattern.substr(api.size());
    return rest.substr(0, rest.find('/'));
}

// "get /api/v1/messages/{id}/receipts" -> "get_messages_id_receipts".
std::string operation_id(Method m, const std::string& pattern) {
    std::string id(method_name(m));
    std::transform(id.begin(), id.end(), id.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    std::string path = pattern.starts_with("/api/v1/") ? pattern.substr(8) : pattern.substr(1);
    std::string word;
    for (char c : path) {
        if (c == '{' || c == '}') continue;
        word += (c == '/' || c == '-' || c == '.') ? '_' : c;
    }
    return id + "_" + word;
}

json success_content(const RouteDoc& doc, const std::set<std::string>& defined) {
    json content = json::object();
    for (const auto& type : doc.files)
        content[type] = {{"schema", {{"type", "string"}, {"format", "binary"}}}};
    if (!doc.files.empty() && !doc.json_too) return content;
    json item = doc.response.empty() || !defined.contains(doc.response)
                    ? json{{"type", "object"}}
                    : ref("schemas", doc.response);
    json data = item;
    if (doc.list)
        data = {{"allOf",
                 {ref("schemas", "Page"),
                  {{"properties", {{"results", {{"type", "array"}, {"items", item}}}}}}}}};
    content["application/json"] = {
        {"schema", {{"allOf", {ref("schemas", "Envelope"), {{"properties", {{"data", data}}}}}}}}};
    return content;
}

json query_parameter(const QueryDoc& q) {
    json schema = {{"type", q.type}};
    if (!q.values.empty()) schema["enum"] = q.values;
    return {{"name", q.name}, {"in", "query"}, {"schema", std::move(schema)}};
}

std::vector<int> success_statuses(const Route& r) {
    if (!r.options.doc.success.empty()) return r.options.doc.success;
    if (r.method == Method::kPost) return {200, 201};
    return {200};
}

json operation(const Route& r, const std::set<std::string>& defined) {
    const RouteDoc& doc = r.options.doc;
    json op = {
        {"operationId", operation_id(r.method, r.pattern)},
        {"tags", {tag_of(r.pattern)}},
        {"summary",
         doc.summary.empty() ? std::string(method_name(r.method)) + " " + r.pattern : doc.summary}};
    json parameters = json::array();
    for (const auto& segment : r.segments)
        if (segment.size() > 2 && segment.front() == '{')
            parameters.push_back({{"name", segment.substr(1, segment.size() - 2)},
                                  {"in", "path"},
                                  {"required", true},
                                  {"schema", {{"type", "string"}}}});
    if (doc.list && !doc.whole)
        for (const char* p : {"page", "page_size"}) parameters.push_back(ref("parameters", p));
    for (const auto& q : doc.query) parameters.push_back(query_parameter(q));
    if (!parameters.empty()) op["parameters"] = std::move(parameters);
    if (r.options.authenticated) {
        op["security"] =
            json::array({{{"bearerAuth", json::array()}}, {{"apiKey", json::array()}}});
        if (!r.options.scope.empty()) {
            op["x-scope"] = r.options.scope;
            op["description"] = "API keys need the scope `" + r.options.scope + "`.";
        }
    } else {
        op["security"] = json::array();
    }
    const bool body =
        r.method == Method::kPost || r.method == Method::kPut || r.method == Method::kPatch;
    if (body && !doc.no_body) {
        json content = json::object();
        for (const auto& type : r.options.body_types) {
            if (type == "application/json")
                content[type] = {{"schema", doc.request.empty() || !defined.contains(doc.request)
                                                ? json{{"type", "object"}}
                                                : ref("schemas", doc.request)}};
            else
                content[type] = {{"schema", {{"type", "string"}, {"format", "binary"}}}};
        }
        op["requestBody"] = {{"content", std::move(content)}};
    }
    json responses = json::object();
    for (int status : success_statuses(r))
        responses[std::to_string(status)] =
            status == 101
                ? json{{"description", "Switching protocols: a WebSocket."}}
                : json{{"description", "Success."}, {"content", success_content(doc, defined)}};
    auto errors = errors_of(r);
    // A status only this route answers (a GET refused for money, say).
    for (const auto& c : doc.errors)
        if (std::none_of(errors.begin(), errors.end(),
                         [&](const ErrorStatus& e) { return e.status == c.status; }))
            errors.push_back({c.status, "An error this route answers.", {}});
    for (const auto& e : errors) responses[std::to_string(e.status)] = error_response(e, doc);
    op["responses"] = std::move(responses);
    return op;
}

// OpenAPI's name of a method, lower case.
std::string method_key(Method m) {
    std::string key(method_name(m));
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    return key;
}

}  // namespace

json openapi_document(const Router& router, const ApiInfo& info) {
    json schemas = base_schemas();
    std::set<std::string> defined = {"Deleted"};
    for (const auto& [name, schema] : router.schemas()) {
        schemas[name] = schema;
        defined.insert(name);
    }
    json paths = json::object();
    std::set<std::string> tags;
    for (const auto& r : router.routes()) {
        paths[r.pattern][method_key(r.method)] = operation(r, defined);
        tags.insert(tag_of(r.pattern));
    }
    json tag_list = json::array();
    for (const auto& t : tags) tag_list.push_back({{"name", t}});
    return {{"openapi", "3.1.0"},
            {"info",
             {{"title", info.title}, {"version", info.version}, {"description", info.description}}},
            {"servers", json::array({{{"url", "/"}}})},
            {"tags", std::move(tag_list)},
            {"paths", std::move(paths)},
            {"components",
             {{"schemas", std::move(schemas)},
              {"securitySchemes",
               {{"bearerAuth",
                 {{"type", "http"},
                  {"scheme", "bearer"},
                  {"bearerFormat", "JWT"},
                  {"description", "An access token from POST /api/v1/auth/login."}}},
                {"apiKey",
                 {{"type", "apiKey"},
                  {"in", "header"},
                  {"name", "Authorization"},
                  {"description", "An API key as `Authorization: ApiKey <key>`."}}}}},
              {"parameters",
               {{"page",
                 {{"name", "page"},
                  {"in", "query"},
                  {"schema", {{"type", "integer"}, {"minimum", 1}}}}},
                {"page_size",
                 {{"name", "page_size"},
                  {"in", "query"},
                  {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}}}}}}}}}};
}

}  // namespace ujumbe::http
