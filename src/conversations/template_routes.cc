// HTTP handlers of WhatsApp message templates: read and check input, call
// the service, shape the answer.

#include "conversations/template_routes.h"

#include "core/dates.h"
#include "core/validate.h"
#include "http/envelope.h"
#include "http/input.h"
#include "http/pagination.h"
#include "http/schema.h"
#include "http/views_support.h"

namespace ujumbe::conversations {

namespace {

using http::Fields;
using http::Method;
using http::Need;
using http::Request;
using http::RequestContext;
using http::Response;
using json = nlohmann::json;

json template_json(const WhatsAppTemplate& t) {
    json components = json::parse(t.components, nullptr, false);  // written by the service
    return {{"id", t.id.value},
            {"name", t.name},
            {"language", t.language},
            {"category", t.category},
            {"components", components.is_discarded() ? json::array() : components},
            {"status", t.status},
            {"reason", http::text_or_null(t.reason)},
            {"meta_template_id", http::text_or_null(t.meta_id)},
            {"parameters", {{"header", t.header_parameters}, {"body", t.body_parameters}}},
            {"created_by", t.created_by ? json(t.created_by->value) : json(nullptr)},
            {"created_at", format_iso8601(t.created_at)},
            {"updated_at", format_iso8601(t.updated_at)}};
}

json template_schema() {
    using namespace http::schema;
    return object({{"id", text()},
                   {"name", text()},
                   {"language", text()},
                   {"category", one_of({"MARKETING", "UTILITY", "AUTHENTICATION"})},
                   {"components", array_of({{"type", "object"}})},
                   // Meta's: PENDING, APPROVED, REJECTED, PAUSED, ...
                   {"status", text()},
                   {"reason", nullable(text())},
                   {"meta_template_id", nullable(text())},
                   {"parameters", object({{"header", integer()}, {"body", integer()}})},
                   {"created_by", nullable(text())},
                   {"created_at", time()},
                   {"updated_at", time()}});
}

// `create`: every field; otherwise the components (and category) to review again.
Result<TemplateInput> read_input(const Request& req, bool create) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    TemplateInput in;
    const Need need = create ? Need::kRequired : Need::kOptional;
    in.name = f.text("name", need, 1, 512).value_or("");
    in.language = f.text("language", need, 2, 15).value_or("");
    in.category = f.text("category", need, 1, 20).value_or("");
    if (!create && (f.has("name") || f.has("language")))
        f.fail(f.has("name") ? "name" : "language",
               "Cannot change; create a new template instead.");
    if (!f.has("components") || !body["components"].is_array())
        f.fail("components", "Required: a list of components.");
    else
        in.components = body["components"];
    UJ_TRY(f.check());
    return in;
}

Result<Response> create(WhatsAppTemplates& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_input(req, true));
    UJ_ASSIGN(auto t, s.create(ctx.who(), in));
    return http::ok(template_json(t), 201, "Template submitted for review");
}

Result<Response> list(WhatsAppTemplates& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto page, http::page_window(req));
    TemplateQuery q;
    FieldErrors errors;
    if (auto v = req.query_param("status")) {
        if (v->empty() || v->size() > 32) errors["status"].push_back("A template status.");
        q.status = ascii_upper(*v);
    }
    if (auto v = req.query_param("category")) {
        const std::string up = ascii_upper(*v);
        if (up != "MARKETING" && up != "UTILITY" && up != "AUTHENTICATION")
            errors["category"].push_back("MARKETING, UTILITY or AUTHENTICATION.");
        q.category = up;
    }
    if (auto v = req.query_param("search")) {
        if (v->size() > 100) errors["search"].push_back("At most 100 characters.");
        q.search = *v;
    }
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    UJ_ASSIGN(auto listing, s.list(ctx.who(), q, page));
    json results = json::array();
    for (const auto& t : listing.items) results.push_back(template_json(t));
    return http::page_response(req, std::move(results), listing.count);
}

Result<Response> get(WhatsAppTemplates& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto t, s.get(ctx.who(), ctx.param("id")));
    return http::ok(template_json(t));
}

Result<Response> edit(WhatsAppTemplates& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_input(req, false));
    UJ_ASSIGN(auto t, s.edit(ctx.who(), ctx.param("id"), in));
    return http::ok(template_json(t), 200, "Template submitted for review again");
}

Result<Response> remove(WhatsAppTemplates& s, RequestContext& ctx, const Request&) {
    UJ_TRY(s.remove(ctx.who(), ctx.param("id")));
    return http::ok(json::object(), 200, "Template deleted");
}

// The schemas of the templates' answers and bodies (the OpenAPI document).
void define_schemas(http::Router& router) {
    using namespace http::schema;
    router.define_schema("WhatsAppTemplate", template_schema());
    const json components = array_of({{"type", "object"}});
    router.define_schema("WhatsAppTemplateRequest", object({{"name", text()},
                                                            {"language", text()},
                                                            {"category", text()},
                                                            {"components", components}}));
    // Name and language cannot change; the category may.
    router.define_schema("WhatsAppTemplateEditRequest",
                         object({{"category", text()}, {"components", components}}, {"category"}));
    router.define_schema("WhatsAppTemplateDeleted",
                         {{"type", "object"},
                          {"maxProperties", 0},
                          {"description", "An empty object: the template is deleted."}});
}

}  // namespace

void add_template_routes(http::Router& router, WhatsAppTemplates& s) {
    const auto bind = [&s](auto fn) {
        return [&s, fn](RequestContext& ctx, const Request& req) { return fn(s, ctx, req); };
    };
    const std::string t = "/api/v1/channels/whatsapp/templates";
    const http::RouteOptions read{.scope = "channels:read"};
    const http::RouteOptions write{.scope = "channels:write"};
    define_schemas(router);
    router.add(Method::kGet, t, bind(list),
               http::documented(read, {.summary = "List the account's WhatsApp templates",
                                       .response = "WhatsAppTemplate",
                                       .list = true,
                                       .query = {{"status"}, {"category"}, {"search"}}}));
    router.add(Method::kPost, t, bind(create),
               http::documented(write, {.summary = "Submit a WhatsApp template to Meta",
                                        .response = "WhatsAppTemplate",
                                        .success = {201},
                                        .request = "WhatsAppTemplateRequest"}));
    router.add(Method::kGet, t + "/{id}", bind(get),
               http::documented(
                   read, {.summary = "Show a WhatsApp template", .response = "WhatsAppTemplate"}));
    router.add(Method::kPatch, t + "/{id}", bind(edit),
               http::documented(write, {.summary = "Edit a WhatsApp template (reviewed again)",
                                        .response = "WhatsAppTemplate",
                                        .request = "WhatsAppTemplateEditRequest"}));
    router.add(Method::kDelete, t + "/{id}", bind(remove),
               http::documented(write, {.summary = "Delete a WhatsApp template, here and at Meta",
                                        .response = "WhatsAppTemplateDeleted"}));
}

}  // namespace ujumbe::conversations
