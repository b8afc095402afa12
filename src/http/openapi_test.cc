// The OpenAPI document of a router: every route is in it and nothing else,
// with its path and query parameters, security and key scope, body types, success
// statuses (a page, a file, JSON or a file), the errors its kind may answer,
// and schemas that every reference finds.

#include "http/openapi.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "http/schema.h"

namespace ujumbe::http {
namespace {

using nlohmann::json;

Result<Response> nothing(RequestContext&, const Request&) {
    return Response{};
}

Router sample_router() {
    Router r;
    r.add(Method::kGet, "/healthz", nothing,
          {.authenticated = false, .rate_class = RateClass::kNone});
    r.add(Method::kPost, "/api/v1/auth/login", nothing, {.authenticated = false});
    r.add(Method::kGet, "/api/v1/things", nothing,
          documented({.scope = "things:read"},
                     {.response = "Thing",
                      .list = true,
                      .query = {{"status", {"new", "old"}}, {"days", {}, "integer"}}}));
    r.add(Method::kGet, "/api/v1/kinds", nothing,
          documented({}, {.response = "Thing", .list = true, .whole = true}));
    r.add(Method::kPost, "/api/v1/things", nothing,
          documented({.scope = "things:write"}, {.response = "Thing", .request = "NewThing"}));
    r.add(Method::kGet, "/api/v1/things/{id}/parts/{part_id}", nothing,
          documented({}, {.errors = {{409, "PART_MISSING"}, {402, "UNPAID"}}}));
    r.add(Method::kPost, "/api/v1/things/import", nothing,
          documented({.body_types = {"text/csv"}}, {.success = {202}}));
    r.add(Method::kGet, "/api/v1/things/export", nothing,
          documented({}, {.files = {"text/csv", "application/pdf"}, .json_too = true}));
    r.add(Method::kPost, "/api/v1/things/{id}/approve", nothing,
          documented({}, {.response = "Thing", .no_body = true}));
    r.add(Method::kGet, "/api/v1/page", nothing,
          documented({.authenticated = false}, {.files = {"text/html"}}));
    using namespace schema;
    r.define_schema("Thing", object({{"id", text()}, {"note", nullable(text())}}));
    r.define_schema("NewThing", object({{"name", text()}}));
    return r;
}

json document() {
    return openapi_document(sample_router(), {.version = "1.2.3"});
}

// Every "$ref" in `j`.
void refs_in(const json& j, std::set<std::string>& out) {
    if (j.is_object()) {
        for (const auto& [k, v] : j.items()) {
            if (k == "$ref") out.insert(v.get<std::string>());
            refs_in(v, out);
        }
    } else if (j.is_array()) {
        for (const auto& v : j) refs_in(v, out);
    }
}

TEST(OpenApi, EveryRouteIsThereAndNothingElse) {
    const auto router = sample_router();
    const auto doc = document();
    EXPECT_EQ(doc["openapi"], "3.1.0");
    EXPECT_EQ(doc["info"]["version"], "1.2.3");
    std::set<std::string> documented, routes;
    for (const auto& [path, ops] : doc["paths"].items())
        for (const auto& [method, op] : ops.items()) documented.insert(method + " " + path);
    for (const auto& r : router.routes()) {
        std::string m(method_name(r.method));
        for (auto& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        routes.insert(m + " " + r.pattern);
    }
    EXPECT_EQ(documented, routes);
}

TEST(OpenApi, EveryReferenceFindsItsComponent) {
    const auto doc = document();
    std::set<std::string> refs;
    refs_in(doc, refs);
    EXPECT_TRUE(refs.contains("#/components/schemas/Thing"));
    for (const auto& ref : refs) {
        ASSERT_TRUE(ref.starts_with("#/")) << ref;
        EXPECT_TRUE(doc.contains(json::json_pointer(ref.substr(1)))) << ref;
    }
}

TEST(OpenApi, SecurityScopesAndPathParameters) {
    const auto doc = document();
    const auto& list = doc["paths"]["/api/v1/things"]["get"];
    EXPECT_EQ(list["x-scope"], "things:read");
    EXPECT_EQ(list["security"].size(), 2u);
    EXPECT_TRUE(doc["paths"]["/api/v1/auth/login"]["post"]["security"].empty());
    const auto& part = doc["paths"]["/api/v1/things/{id}/parts/{part_id}"]["get"];
    ASSERT_EQ(part["parameters"].size(), 2u);
    EXPECT_EQ(part["parameters"][1]["name"], "part_id");
    EXPECT_EQ(part["parameters"][1]["in"], "path");
    EXPECT_TRUE(part["parameters"][1]["required"].get<bool>());
    EXPECT_TRUE(doc["components"]["securitySchemes"].contains("bearerAuth"));
    EXPECT_TRUE(doc["components"]["securitySchemes"].contains("apiKey"));
}

TEST(OpenApi, SuccessesPagesFilesAndBodies) {
    const auto doc = document();
    const auto& list = doc["paths"]["/api/v1/things"]["get"];
    const auto data = list["responses"]["200"]["content"]["application/json"]["schema"]["allOf"][1]
                          ["properties"]["data"];
    EXPECT_EQ(data["allOf"][0]["$ref"], "#/components/schemas/Page");
    EXPECT_EQ(data["allOf"][1]["properties"]["results"]["items"]["$ref"],
              "#/components/schemas/Thing");
    ASSERT_EQ(list["parameters"].size(), 4u);  // page, page_size, status, days
    EXPECT_EQ(list["parameters"][0]["$ref"], "#/components/parameters/page");
    EXPECT_EQ(list["parameters"][2],
              json({{"name", "status"},
                    {"in", "query"},
                    {"schema", {{"type", "string"}, {"enum", {"new", "old"}}}}}));
    EXPECT_EQ(list["parameters"][3]["schema"], json({{"type", "integer"}}));
    // a list answered whole takes no paging
    const auto& kinds = doc["paths"]["/api/v1/kinds"]["get"];
    EXPECT_FALSE(kinds.contains("parameters"));
    EXPECT_TRUE(kinds["responses"]["200"]["content"]["application/json"]["schema"]["allOf"][1]
                     ["properties"]["data"]
                         .contains("allOf"));

    const auto& create = doc["paths"]["/api/v1/things"]["post"];
    EXPECT_TRUE(create["responses"].contains("200"));
    EXPECT_TRUE(create["responses"].contains("201"));
    EXPECT_EQ(create["requestBody"]["content"]["application/json"]["schema"]["$ref"],
              "#/components/schemas/NewThing");
    EXPECT_TRUE(create["responses"].contains("402"));
    // an action that reads no body documents none
    EXPECT_FALSE(doc["paths"]["/api/v1/things/{id}/approve"]["post"].contains("requestBody"));

    const auto& import = doc["paths"]["/api/v1/things/import"]["post"];
    EXPECT_TRUE(import["responses"].contains("202"));
    EXPECT_FALSE(import["responses"].contains("201"));
    EXPECT_EQ(import["requestBody"]["content"]["text/csv"]["schema"]["format"], "binary");

    const auto content =
        doc["paths"]["/api/v1/things/export"]["get"]["responses"]["200"]["content"];
    EXPECT_TRUE(content.contains("text/csv") && content.contains("application/pdf") &&
                content.contains("application/json"));
    const auto page = doc["paths"]["/api/v1/page"]["get"]["responses"];
    EXPECT_FALSE(page["200"]["content"].contains("application/json"));
    EXPECT_TRUE(page["400"]["content"].contains("text/html"));
    EXPECT_TRUE(page["400"]["content"].contains("application/json"));
}

TEST(OpenApi, ErrorsFollowTheRouteKind) {
    const auto doc = document();
    const auto& health = doc["paths"]["/healthz"]["get"]["responses"];
    EXPECT_FALSE(health.contains("429"));  // never rate-limited
    EXPECT_FALSE(health.contains("413"));
    EXPECT_FALSE(health.contains("402"));
    EXPECT_TRUE(health.contains("507"));  // readiness reports a full disk
    EXPECT_FALSE(doc["paths"]["/api/v1/things"]["get"]["responses"].contains("507"));
    const auto& create = doc["paths"]["/api/v1/things"]["post"]["responses"];
    for (const char* status :
         {"400", "401", "403", "404", "409", "413", "415", "422", "429", "500", "503", "507"})
        EXPECT_TRUE(create.contains(status)) << status;
    EXPECT_EQ(create["400"]["content"]["application/json"]["schema"]["$ref"],
              "#/components/schemas/Error");
    const auto codes = create["400"]["x-error-codes"];
    EXPECT_NE(std::find(codes.begin(), codes.end(), "MALFORMED_JSON"), codes.end());
}

TEST(OpenApi, ARoutesOwnErrorCodesAreUnderTheirStatusOnly) {
    const auto doc = document();
    const auto& parts = doc["paths"]["/api/v1/things/{id}/parts/{part_id}"]["get"]["responses"];
    EXPECT_EQ(parts["409"]["x-error-codes"], json::array({"PART_MISSING"}));
    // a status the route's kind does not answer, added for the code
    ASSERT_TRUE(parts.contains("402"));
    EXPECT_EQ(parts["402"]["x-error-codes"], json::array({"UNPAID"}));
    EXPECT_EQ(parts["404"]["x-error-codes"], json::array({"NOT_FOUND"}));
    // other routes do not have them
    const auto& list = doc["paths"]["/api/v1/things"]["get"]["responses"];
    EXPECT_FALSE(list["409"].contains("x-error-codes"));
    EXPECT_FALSE(list.contains("402"));
}

}  // namespace
}  // namespace ujumbe::http
