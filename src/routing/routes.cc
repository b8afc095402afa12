// HTTP handlers of the routing module: read and check input, call the
// service, shape the answer. No SQL and no business rules here.

#include "routing/routes.h"

#include "channels/kind.h"
#include "channels/number_lookup.h"
#include "core/ids.h"
#include "http/envelope.h"
#include "http/input.h"
#include "http/pagination.h"
#include "http/route_docs.h"
#include "http/schema.h"
#include "http/views_support.h"

namespace ujumbe::routing {

namespace {

using http::Fields;
using http::Method;
using http::Need;
using http::Request;
using http::RequestContext;
using http::Response;
using json = nlohmann::json;

json gateway_json(const GatewayRecord& g) {
    return {{"id", g.id},
            {"name", g.name},
            {"kind", g.kind},
            {"settings", channels::redacted_settings(g.settings, g.secrets)},
            {"is_active", g.is_active},
            {"receipt_timeout_s", http::int_or_null(g.receipt_timeout_s)},
            {"created_at", format_iso8601(g.created_at)},
            {"updated_at", format_iso8601(g.updated_at)}};
}

json route_json(const RouteRule& r) {
    json gateways = json::array();
    for (const auto& t : r.gateways)
        gateways.push_back({{"gateway_id", t.gateway_id}, {"weight", t.weight}});
    return {{"id", r.id},
            {"name", r.name},
            {"priority", r.priority},
            {"channel", r.channel},
            {"prefix", r.prefix},
            {"country", r.country},
            {"account_id", http::text_or_null(r.account_id)},
            {"sender", http::text_or_null(r.sender)},
            {"operator", http::text_or_null(r.operator_name)},
            {"gateways", std::move(gateways)},
            {"failover", r.failover},
            {"is_active", r.is_active},
            {"created_at", format_iso8601(r.created_at)},
            {"updated_at", format_iso8601(r.updated_at)}};
}

json gateway_schema() {
    using namespace http::schema;
    return object({{"id", text()},
                   {"name", text()},
                   {"kind", text()},
                   {"settings",
                    {{"type", "object"},
                     {"description",
                      "The kind's settings; each secret held shows as <name>_set: true, never "
                      "itself."}}},
                   {"is_active", boolean()},
                   {"receipt_timeout_s", nullable(integer())},
                   {"created_at", time()},
                   {"updated_at", time()}});
}

json route_schema() {
    using namespace http::schema;
    return object({{"id", text()},
                   {"name", text()},
                   {"priority", integer()},
                   {"channel", one_of({"sms", "whatsapp", "email"})},
                   {"prefix", text()},
                   {"country", text()},
                   {"account_id", nullable(text())},
                   {"sender", nullable(text())},
                   {"operator", nullable(text())},
                   {"gateways", array_of(object({{"gateway_id", text()}, {"weight", integer()}}))},
                   {"failover", array_of(text())},
                   {"is_active", boolean()},
                   {"created_at", time()},
                   {"updated_at", time()}});
}

// What test_gateway reports: the kind's probe ({ok, detail} and what the
// kind adds) with the kind and the time it took.
json gateway_test_schema() {
    using namespace http::schema;
    return object({{"ok", boolean()},
                   {"detail", text()},
                   {"kind", text()},
                   {"elapsed_ms", integer()},
                   {"http_status", integer()},
                   {"bind_mode", text()},
                   {"smtp_code", integer()},
                   {"code", integer()},
                   {"quality_rating", text()}},
                  {"http_status", "bind_mode", "smtp_code", "code", "quality_rating"});
}

// A live gateway's figures differ by kind; one that is not running says why.
json gateway_status_schema() {
    using namespace http::schema;
    return object(
        {{"kind", text()},
         {"running", boolean()},
         {"bound", boolean()},
         {"available", boolean()},
         {"detail", text()},
         {"bound_sessions", integer()},
         {"sessions", array_of(object({{"state", text()}, {"window_in_use", integer()}}))},
         {"window_in_use", integer()},
         {"window_size", integer()},
         {"current_tps", nullable(integer())},
         {"parts_submitted", integer()},
         {"parts_failed", integer()},
         {"receipts_received", integer()},
         {"inbound_received", integer()},
         {"callback_reports", integer()},
         {"tps", number()},
         {"concurrency", integer()},
         {"requests", integer()},
         {"accepted", integer()},
         {"refused", integer()},
         {"unanswered", integer()},
         {"last_error", nullable(text())},
         {"host", text()},
         {"system", boolean()},
         {"resting", boolean()},
         {"phone_number_id", text()}},
        {"bound",
         "available",
         "detail",
         "bound_sessions",
         "sessions",
         "window_in_use",
         "window_size",
         "current_tps",
         "parts_submitted",
         "parts_failed",
         "receipts_received",
         "inbound_received",
         "callback_reports",
         "tps",
         "concurrency",
         "requests",
         "accepted",
         "refused",
         "unanswered",
         "last_error",
         "host",
         "system",
         "resting",
         "phone_number_id"});
}

Result<GatewayInput> read_gateway(const RoutingService& s, const Request& req, Need need) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    GatewayInput in;
    in.name = f.text("name", need, 1, 100);
    in.kind = f.choice("kind", need, s.kinds());
    in.settings = f.object("settings", Need::kOptional);
    in.is_active = f.boolean("is_active", Need::kOptional);
    if (f.has("receipt_timeout_s")) {
        if (f.is_null("receipt_timeout_s"))
            in.receipt_timeout_s.emplace();
        else if (auto t = f.integer("receipt_timeout_s", Need::kRequired, 60, 30 * 86400))
            in.receipt_timeout_s = std::optional<std::int64_t>(*t);
    }
    UJ_TRY(f.check());
    return in;
}

// An optional text field that may be null (cleared).
std::optional<std::optional<std::string>> nullable_text(Fields& f, const std::string& name,
                                                        std::size_t max) {
    if (!f.has(name)) return std::nullopt;
    if (f.is_null(name)) return std::optional<std::string>{};
    auto v = f.text(name, Need::kRequired, 1, max);
    if (!v) return std::nullopt;
    return std::optional<std::string>(*v);
}

Result<RouteInput> read_route(const Request& req, Need need) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    RouteInput in;
    in.name = f.text("name", need, 1, 100);
    if (auto p = f.integer("priority", Need::kOptional, -1'000'000, 1'000'000))
        in.priority = static_cast<int>(*p);
    in.channel = f.choice("channel", Need::kOptional, {"sms", "whatsapp", "email"});
    in.prefix = f.text("prefix", Need::kOptional, 0, 16);
    in.country = f.text("country", Need::kOptional, 0, 2);
    if (in.country && !in.country->empty()) {
        std::string& c = *in.country;
        if (c.size() != 2 || !std::isalpha(static_cast<unsigned char>(c[0])) ||
            !std::isalpha(static_cast<unsigned char>(c[1])))
            f.fail("country", "Must be an ISO 3166-1 alpha-2 code.");
        for (auto& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    if (auto account = nullable_text(f, "account_id", 36)) {
        if (*account && !is_uuid(**account)) f.fail("account_id", "Not an account id.");
        in.account_id = *account ? std::optional<AccountId>(AccountId{**account}) : std::nullopt;
    }
    in.sender = nullable_text(f, "sender", 15);
    in.operator_name = nullable_text(f, "operator", 50);
    if (in.operator_name && *in.operator_name && !valid_rule_operator(**in.operator_name))
        f.fail("operator", "An operator's name, or its MCC-MNC (639-02).");
    if (f.has("gateways")) {
        const json& g = body["gateways"];
        if (!g.is_array() || g.size() > 20) {
            f.fail("gateways", "Must be a list of up to 20 {gateway_id, weight}.");
        } else {
            std::vector<RouteTarget> targets;
            for (const auto& t : g) {
                if (t.is_string() && is_uuid(t.get<std::string>())) {
                    targets.push_back({GatewayId{t.get<std::string>()}, 1});
                    continue;
                }
                if (!t.is_object() || !t.contains("gateway_id") || !t["gateway_id"].is_string() ||
                    !is_uuid(t["gateway_id"].get<std::string>())) {
                    f.fail("gateways", "Each entry needs a gateway_id.");
                    break;
                }
                int weight = 1;
                if (t.contains("weight")) {
                    if (!t["weight"].is_number_integer() || t["weight"].get<int>() < 0 ||
                        t["weight"].get<int>() > 1000) {
                        f.fail("gateways", "A weight is an integer from 0 to 1000.");
                        break;
                    }
                    weight = t["weight"].get<int>();
                }
                targets.push_back({GatewayId{t["gateway_id"].get<std::string>()}, weight});
            }
            in.gateways = std::move(targets);
        }
    }
    if (auto failover = f.string_list("failover", Need::kOptional, 20)) {
        for (const auto& id : *failover)
            if (!is_uuid(id)) f.fail("failover", "Each entry is a gateway id.");
        in.failover.emplace();
        for (const auto& id : *failover) in.failover->push_back(GatewayId{id});
    }
    in.is_active = f.boolean("is_active", Need::kOptional);
    UJ_TRY(f.check());
    return in;
}

Result<Response> list_gateways(RoutingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto page, http::page_window(req));
    UJ_ASSIGN(auto listing, s.list_gateways(ctx.who(), page));
    json results = json::array();
    for (const auto& g : listing.items) results.push_back(gateway_json(g));
    return http::page_response(req, std::move(results), listing.count);
}

Result<Response> create_gateway(RoutingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_gateway(s, req, Need::kRequired));
    UJ_ASSIGN(auto g, s.create_gateway(ctx.who(), in));
    return http::created(gateway_json(g));
}

Result<Response> get_gateway(RoutingService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto g, s.get_gateway(ctx.who(), GatewayId{ctx.param("id")}));
    return http::ok(gateway_json(g));
}

Result<Response> put_gateway(RoutingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_gateway(s, req, Need::kOptional));
    UJ_ASSIGN(auto g, s.update_gateway(ctx.who(), GatewayId{ctx.param("id")}, in));
    return http::ok(gateway_json(g));
}

Result<Response> delete_gateway(RoutingService& s, RequestContext& ctx, const Request&) {
    UJ_TRY(s.delete_gateway(ctx.who(), GatewayId{ctx.param("id")}));
    return http::ok({{"id", ctx.param("id")}, {"deleted", true}}, 200, "Gateway deleted");
}

Result<Response> test_gateway(RoutingService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto report, s.test_gateway(ctx.who(), GatewayId{ctx.param("id")}));
    return http::ok(std::move(report));
}

Result<Response> gateway_status(RoutingService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto status, s.gateway_status(ctx.who(), GatewayId{ctx.param("id")}));
    return http::ok(std::move(status));
}

Result<Response> list_routes(RoutingService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto rules, s.list_routes(ctx.who()));
    json results = json::array();
    for (const auto& r : rules) results.push_back(route_json(r));
    return http::whole_list(std::move(results));
}

Result<Response> create_route(RoutingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_route(req, Need::kRequired));
    UJ_ASSIGN(auto r, s.create_route(ctx.who(), in));
    return http::created(route_json(r));
}

Result<Response> get_route(RoutingService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto r, s.get_route(ctx.who(), RouteId{ctx.param("id")}));
    return http::ok(route_json(r));
}

Result<Response> put_route(RoutingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_route(req, Need::kOptional));
    UJ_ASSIGN(auto r, s.update_route(ctx.who(), RouteId{ctx.param("id")}, in));
    return http::ok(route_json(r));
}

Result<Response> delete_route(RoutingService& s, RequestContext& ctx, const Request&) {
    UJ_TRY(s.delete_route(ctx.who(), RouteId{ctx.param("id")}));
    return http::ok({{"id", ctx.param("id")}, {"deleted", true}}, 200, "Route deleted");
}

Result<Response> simulate(RoutingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    SimulateInput in;
    auto to = f.text("to", Need::kRequired, 1, 40);
    in.channel = f.choice("channel", Need::kOptional, {"sms", "whatsapp", "email"}).value_or("sms");
    if (auto account = f.text("account_id", Need::kOptional, 36, 36))
        in.account_id = AccountId{*account};
    in.sender = f.text("sender", Need::kOptional, 1, 15);
    UJ_TRY(f.check());
    in.to = *to;
    UJ_ASSIGN(auto sim, s.simulate(ctx.who(), in));
    json gateways = json::array();
    for (const auto& g : sim.gateways)
        gateways.push_back({{"id", g.id}, {"name", g.name}, {"kind", g.kind}});
    json route = nullptr;
    if (sim.choice) route = {{"id", sim.choice->rule_id}, {"name", sim.choice->rule_name}};
    json op = nullptr;
    if (!sim.operator_info.name.empty() || !sim.operator_info.mcc.empty()) {
        op = {{"name", sim.operator_info.name},
              {"mcc", sim.operator_info.mcc},
              {"mnc", sim.operator_info.mnc},
              {"source", sim.operator_info.source}};
    }
    json lookup_note =
        sim.operator_info.detail.empty() ? json(nullptr) : json(sim.operator_info.detail);
    return http::ok({{"to", sim.to},
                     {"country", sim.country},
                     {"operator", std::move(op)},
                     {"operator_detail", std::move(lookup_note)},
                     {"routable", sim.choice.has_value()},
                     {"route", std::move(route)},
                     {"gateway", gateways.empty() ? json(nullptr) : gateways.front()},
                     {"gateways", std::move(gateways)},
                     // Prices come from rate cards (billing); none are set here yet.
                     {"cost", nullptr}});
}

json simulation_schema() {
    using namespace http::schema;
    const json gateway = object({{"id", text()}, {"name", text()}, {"kind", text()}});
    return object(
        {{"to", text()},
         {"country", text()},
         {"operator",
          nullable(
              object({{"name", text()}, {"mcc", text()}, {"mnc", text()}, {"source", text()}}))},
         {"operator_detail", nullable(text())},
         {"routable", boolean()},
         {"route", nullable(object({{"id", text()}, {"name", text()}}))},
         {"gateway", nullable(gateway)},
         {"gateways", array_of(gateway)},
         {"cost",
          {{"type", "null"}, {"description", "Prices come from rate cards; none are set here."}}}});
}

json operator_json(const OperatorPrefix& p) {
    return {{"prefix", p.prefix},
            {"operator", p.name},
            {"mcc", p.mcc},
            {"mnc", p.mnc},
            {"country", p.country}};
}

json operator_schema() {
    using namespace http::schema;
    return object({{"prefix", text()},
                   {"operator", text()},
                   {"mcc", text()},
                   {"mnc", text()},
                   {"country", text()}});
}

Result<Response> list_operators(RoutingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto page, http::page_window(req));
    std::string country = req.query_param("country").value_or("");
    for (auto& ch : country) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (country.size() > 2) return Error::invalid("country", "An ISO 3166-1 alpha-2 code.");
    UJ_ASSIGN(auto listing, s.list_operators(ctx.who(), country, page));
    json results = json::array();
    for (const auto& p : listing.items) results.push_back(operator_json(p));
    return http::page_response(req, std::move(results), listing.count);
}

Result<Response> import_operators(RoutingService& s, RequestContext& ctx, const Request& req) {
    const auto replace = req.query_param("replace");
    if (replace && *replace != "true" && *replace != "false")
        return Error::invalid("replace", "true or false.");
    UJ_ASSIGN(auto result, s.import_operators(ctx.who(), req.body, replace == "true"));
    return http::ok({{"imported", result.imported}, {"replaced", result.replaced}});
}

Result<Response> delete_operator(RoutingService& s, RequestContext& ctx, const Request&) {
    UJ_TRY(s.delete_operator(ctx.who(), ctx.param("prefix")));
    return http::ok({{"prefix", ctx.param("prefix")}, {"deleted", true}}, 200,
                    "Operator prefix deleted");
}

Result<Response> get_number_lookup(RoutingService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto out, s.number_lookup(ctx.who()));
    return http::ok(std::move(out));
}

Result<Response> put_number_lookup(RoutingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    NumberLookupInput in;
    in.kind = f.choice("kind", Need::kOptional, channels::number_lookup_kinds()).value_or("http");
    in.settings = f.object("settings", Need::kRequired).value_or(json::object());
    in.is_active = f.boolean("is_active", Need::kOptional).value_or(true);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto out, s.put_number_lookup(ctx.who(), in));
    return http::ok(std::move(out));
}

Result<Response> delete_number_lookup(RoutingService& s, RequestContext& ctx, const Request&) {
    UJ_TRY(s.delete_number_lookup(ctx.who()));
    return http::ok({{"deleted", true}}, 200, "Number lookup removed");
}

// POST /hooks/gateways/{id}/dlr and /mo: a provider reporting. No caller
// is signed in; the gateway checks its own secret or signature.
Result<Response> provider_callback(RoutingService& s, RequestContext& ctx, const Request& req,
                                   channels::ProviderCallback::Kind kind) {
    channels::ProviderCallback cb;
    cb.kind = kind;
    for (const auto& [name, value] : req.query) cb.query.emplace(name, value);
    for (const auto& [name, value] : req.headers) cb.headers.emplace(name, value);
    cb.content_type = std::string(req.header("content-type").value_or(""));
    cb.body = req.body;
    UJ_ASSIGN(auto reports, s.callback(GatewayId{ctx.param("id")}, cb));
    return http::ok({{"received", reports}});
}

Result<Response> dlr_callback(RoutingService& s, RequestContext& ctx, const Request& req) {
    return provider_callback(s, ctx, req, channels::ProviderCallback::Kind::kDlr);
}

Result<Response> mo_callback(RoutingService& s, RequestContext& ctx, const Request& req) {
    return provider_callback(s, ctx, req, channels::ProviderCallback::Kind::kMo);
}

// The schemas of the module's answers and bodies (the OpenAPI document).
void define_schemas(http::Router& router) {
    using namespace http::schema;
    router.define_schema("Gateway", gateway_schema());
    router.define_schema("GatewayTest", gateway_test_schema());
    router.define_schema("GatewayStatus", gateway_status_schema());
    router.define_schema("RouteRule", route_schema());
    router.define_schema("RouteSimulation", simulation_schema());
    router.define_schema("OperatorPrefix", operator_schema());
    router.define_schema("OperatorImport",
                         object({{"imported", integer()}, {"replaced", boolean()}}));
    // The service's lookup_json().
    router.define_schema(
        "NumberLookup",
        object({{"kind", one_of(channels::number_lookup_kinds())},
                {"settings",
                 {{"type", "object"},
                  {"description", "Each secret held shows as <name>_set: true, never itself."}}},
                {"is_active", boolean()},
                {"updated_at", time()}}));
    router.define_schema("GatewayCallbackReceived", object({{"received", integer()}}));

    json gateway_body = object({{"name", text()},
                                {"kind", text()},
                                {"settings", {{"type", "object"}}},
                                {"is_active", boolean()},
                                {"receipt_timeout_s", nullable(integer())}},
                               {"settings", "is_active", "receipt_timeout_s"});
    router.define_schema("GatewayCreateRequest", gateway_body);
    gateway_body["required"] = json::array();  // an edit changes what it is given
    router.define_schema("GatewayUpdateRequest", std::move(gateway_body));
    // A target is a gateway id, or {gateway_id, weight}.
    const json target = {
        {"anyOf", json::array({text(), object({{"gateway_id", text()}, {"weight", integer()}},
                                              {"weight"})})}};
    const std::vector<std::string> route_optional = {
        "priority", "channel",  "prefix",   "country",  "account_id",
        "sender",   "operator", "gateways", "failover", "is_active"};
    json route_body = object({{"name", text()},
                              {"priority", integer()},
                              {"channel", one_of({"sms", "whatsapp", "email"})},
                              {"prefix", text()},
                              {"country", text()},
                              {"account_id", nullable(text())},
                              {"sender", nullable(text())},
                              {"operator", nullable(text())},
                              {"gateways", array_of(target)},
                              {"failover", array_of(text())},
                              {"is_active", boolean()}},
                             route_optional);
    router.define_schema("RouteRuleCreateRequest", route_body);
    route_body["required"] = json::array();  // an edit changes what it is given
    router.define_schema("RouteRuleUpdateRequest", std::move(route_body));
    router.define_schema("RouteSimulationRequest",
                         object({{"to", text()},
                                 {"channel", one_of({"sms", "whatsapp", "email"})},
                                 {"account_id", text()},
                                 {"sender", text()}},
                                {"channel", "account_id", "sender"}));
    router.define_schema("NumberLookupRequest",
                         object({{"kind", one_of(channels::number_lookup_kinds())},
                                 {"settings", {{"type", "object"}}},
                                 {"is_active", boolean()}},
                                {"kind", "is_active"}));
}

}  // namespace

void add_routes(http::Router& router, RoutingService& s) {
    const auto bind = [&s](auto fn) {
        return [&s, fn](RequestContext& ctx, const Request& req) { return fn(s, ctx, req); };
    };
    const std::string b = "/api/v1";
    const http::RouteOptions read{.scope = "routing:read"};
    const http::RouteOptions write{.scope = "routing:write"};
    define_schemas(router);
    router.add(Method::kGet, b + "/gateways", bind(list_gateways),
               http::documented(
                   read, {.summary = "List the gateways", .response = "Gateway", .list = true}));
    router.add(Method::kPost, b + "/gateways", bind(create_gateway),
               http::answering(write, "Add a gateway", "Gateway", {201}, "GatewayCreateRequest"));
    router.add(Method::kGet, b + "/gateways/{id}", bind(get_gateway),
               http::answering(read, "Show a gateway", "Gateway"));
    router.add(Method::kPut, b + "/gateways/{id}", bind(put_gateway),
               http::answering(write, "Change a gateway (what is given)", "Gateway", {},
                               "GatewayUpdateRequest"));
    router.add(Method::kDelete, b + "/gateways/{id}", bind(delete_gateway),
               http::answering(write, "Delete a gateway no route sends through", "Deleted"));
    router.add(Method::kPost, b + "/gateways/{id}/test", bind(test_gateway),
               http::documented(write, {.summary = "Test a gateway's settings (nothing is sent)",
                                        .response = "GatewayTest",
                                        .success = {200},
                                        .no_body = true}));
    router.add(Method::kGet, b + "/gateways/{id}/status", bind(gateway_status),
               http::answering(read, "Show a gateway's live figures", "GatewayStatus"));
    router.add(Method::kPost, b + "/routes/simulate", bind(simulate),
               http::answering(read, "Show which route and gateways a message would take",
                               "RouteSimulation", {200}, "RouteSimulationRequest"));
    // Every rule at once, in a page's shape.
    router.add(Method::kGet, b + "/routes", bind(list_routes),
               http::documented(read, {.summary = "List the routing rules",
                                       .response = "RouteRule",
                                       .list = true,
                                       .whole = true}));
    router.add(
        Method::kPost, b + "/routes", bind(create_route),
        http::answering(write, "Add a routing rule", "RouteRule", {201}, "RouteRuleCreateRequest"));
    router.add(Method::kGet, b + "/routes/{id}", bind(get_route),
               http::answering(read, "Show a routing rule", "RouteRule"));
    router.add(Method::kPut, b + "/routes/{id}", bind(put_route),
               http::answering(write, "Change a routing rule (what is given)", "RouteRule", {},
                               "RouteRuleUpdateRequest"));
    router.add(Method::kDelete, b + "/routes/{id}", bind(delete_route),
               http::answering(write, "Delete a routing rule", "Deleted"));
    router.add(Method::kGet, b + "/operators", bind(list_operators),
               http::listing(read, "List the operators' number prefixes", "OperatorPrefix",
                             {{"country"}}));
    http::RouteOptions csv = write;
    csv.body_types = {"text/csv", "application/csv", "text/plain"};
    csv.max_body_bytes = 8 * 1024 * 1024;
    router.add(
        Method::kPost, b + "/operators/import", bind(import_operators),
        http::documented(csv, {.summary = "Import operators' prefixes from CSV (replace=true "
                                          "empties first)",
                               .response = "OperatorImport",
                               .success = {200},
                               .query = {{"replace", {}, "boolean"}}}));
    router.add(Method::kDelete, b + "/operators/{prefix}", bind(delete_operator),
               http::answering(write, "Delete an operator's prefix", "Deleted"));
    router.add(Method::kGet, b + "/number-lookup", bind(get_number_lookup),
               http::answering(read, "Show the number lookup service", "NumberLookup"));
    router.add(Method::kPut, b + "/number-lookup", bind(put_number_lookup),
               http::answering(write, "Set the number lookup service", "NumberLookup", {},
                               "NumberLookupRequest"));
    router.add(Method::kDelete, b + "/number-lookup", bind(delete_number_lookup),
               http::answering(write, "Remove the number lookup service", "Deleted"));
    const http::RouteOptions hook{
        .authenticated = false,
        .on_db_thread = false,  // no database: the report goes to the pipeline's queue
        .body_types = {"application/x-www-form-urlencoded", "application/json", "text/plain"},
        .max_body_bytes = 256 * 1024};
    // The provider's own body (its kind reads it): no schema of ours. The
    // callback URL a gateway gives its provider carries `secret` unless the
    // kind signs its calls (hook_auth).
    const auto callback = [&](const char* summary) {
        return http::documented(hook, {.summary = summary,
                                       .response = "GatewayCallbackReceived",
                                       .success = {200},
                                       .query = {{"secret"}}});
    };
    router.add(Method::kPost, b + "/hooks/gateways/{id}/dlr", bind(dlr_callback),
               callback("A provider's delivery reports to a gateway"));
    router.add(Method::kPost, b + "/hooks/gateways/{id}/mo", bind(mo_callback),
               callback("A provider's inbound messages to a gateway"));
}

}  // namespace ujumbe::routing
