// HTTP handlers of webhooks out: read and check input, call the service,
// shape the answer. No SQL and no business rules here.

#include "webhooks/routes.h"

#include "core/ids.h"
#include "http/envelope.h"
#include "http/input.h"
#include "http/pagination.h"
#include "http/route_docs.h"
#include "http/schema.h"
#include "http/views_support.h"

namespace ujumbe::webhooks {

namespace {

using http::Fields;
using http::Method;
using http::Need;
using http::Request;
using http::RequestContext;
using http::Response;
using json = nlohmann::json;

json endpoint_json(const Endpoint& e) {
    return {{"id", e.id.value},
            {"url", e.url},
            {"events", e.events},
            {"description", http::text_or_null(e.description)},
            {"enabled", e.enabled},
            {"disabled_reason", http::text_or_null(e.disabled_reason)},
            {"failing_since", http::time_or_null(e.failing_since)},
            {"secret_rotated_at", http::time_or_null(e.secret_rotated_at)},
            {"previous_secret_expires_at", http::time_or_null(e.previous_until)},
            {"created_at", format_iso8601(e.created_at)},
            {"updated_at", format_iso8601(e.updated_at)}};
}

json issued_json(const IssuedSecret& issued) {
    json out = endpoint_json(issued.endpoint);
    out["secret"] = issued.secret;
    return out;
}

json delivery_json(const Delivery& d, bool with_body) {
    json out = {{"id", d.id.value},
                {"webhook_id", http::text_or_null(d.webhook_id)},
                {"event_id", d.event_id},
                {"event_type", d.event_type},
                {"message_id", http::text_or_null(d.message_id)},
                {"status", delivery_status_name(d.status)},
                {"attempts", d.attempts},
                {"response_status", d.response_status ? json(*d.response_status) : json(nullptr)},
                {"latency_ms", d.latency_ms ? json(*d.latency_ms) : json(nullptr)},
                {"error", http::text_or_null(d.error)},
                {"response_excerpt", http::text_or_null(d.response_excerpt)},
                {"next_attempt_at",
                 http::time_or_null(d.status == DeliveryStatus::kPending ? d.next_attempt_at
                                                                         : std::nullopt)},
                {"delivered_at", http::time_or_null(d.delivered_at)},
                {"created_at", format_iso8601(d.created_at)},
                {"updated_at", format_iso8601(d.updated_at)}};
    if (with_body) out["body"] = d.body;
    return out;
}

// The schemas of what these routes answer (the OpenAPI document).
void define_schemas(http::Router& router) {
    using namespace http::schema;
    router.define_schema("Webhook", object({{"id", text()},
                                            {"url", text()},
                                            {"events", array_of(text())},
                                            {"description", nullable(text())},
                                            {"enabled", boolean()},
                                            {"disabled_reason", nullable(text())},
                                            {"failing_since", nullable(time())},
                                            {"secret_rotated_at", nullable(time())},
                                            {"previous_secret_expires_at", nullable(time())},
                                            {"created_at", time()},
                                            {"updated_at", time()}}));
    router.define_schema(
        "WebhookWithSecret",
        {{"allOf", {ref("Webhook"), object({{"secret", text()}})}},
         {"description", "The signing secret is shown here, when made, and never again."}});
    router.define_schema("WebhookDelivery",
                         object({{"id", text()},
                                 {"webhook_id", nullable(text())},
                                 {"event_id", text()},
                                 {"event_type", text()},
                                 {"message_id", nullable(text())},
                                 {"status", one_of({"pending", "delivered", "failed"})},
                                 {"attempts", integer()},
                                 {"response_status", nullable(integer())},
                                 {"latency_ms", nullable(integer())},
                                 {"error", nullable(text())},
                                 {"response_excerpt", nullable(text())},
                                 {"next_attempt_at", nullable(time())},
                                 {"delivered_at", nullable(time())},
                                 {"created_at", time()},
                                 {"updated_at", time()},
                                 {"body", text()}},
                                {"body"}));
    router.define_schema("WebhookEventTypes",
                         object({{"event_types", array_of(one_of(event_types()))}}));
    json callback = object({{"secret", text()}, {"previous_secret_expires_at", nullable(time())}});
    callback["description"] =
        "The callback signing secret is shown here, when made, and never again.";
    router.define_schema("WebhookCallbackSecret", std::move(callback));
}

// The schemas of the bodies read_input() and read_overlap() read.
void define_request_schemas(http::Router& router) {
    using namespace http::schema;
    // The parser reads a null field as an absent one.
    const auto maybe = [](json s) { return nullable(std::move(s)); };
    std::vector<std::string> events = event_types();
    events.push_back("*");
    const json subscribed = array_of(one_of(events));
    router.define_schema("WebhookCreateRequest", object({{"url", text()},
                                                         {"events", subscribed},
                                                         {"description", nullable(text())},
                                                         {"enabled", maybe(boolean())}},
                                                        {"description", "enabled"}));
    router.define_schema("WebhookUpdateRequest",
                         object({{"url", maybe(text())},
                                 {"events", maybe(subscribed)},
                                 {"description", nullable(text())},
                                 {"enabled", maybe(boolean())}},
                                {"url", "events", "description", "enabled"}));
    // An empty body takes the default overlap.
    router.define_schema("WebhookSecretRotateRequest",
                         object({{"overlap_s", maybe(integer())}}, {"overlap_s"}));
}

Result<EndpointInput> read_input(const Request& req, Need need) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    EndpointInput in;
    in.url = f.text("url", need, 1, 2000);
    if (auto events = f.string_list("events", need, 50)) {
        if (events->empty()) f.fail("events", "At least one event type, or \"*\" for all.");
        for (const auto& type : *events)
            if (type != "*" && !is_event_type(type)) {
                f.fail("events",
                       "Unknown event type (GET /api/v1/webhooks/event-types lists "
                       "them): " +
                           http::echo_of(type));
                break;
            }
        std::vector<std::string> unique;
        for (const auto& type : *events)
            if (std::find(unique.begin(), unique.end(), type) == unique.end())
                unique.push_back(type);
        in.events = std::move(unique);
    }
    if (f.is_null("description"))
        in.description = std::optional<std::string>();
    else if (auto d = f.text("description", Need::kOptional, 0, 200))
        in.description = std::optional<std::string>(*d);
    in.enabled = f.boolean("enabled", Need::kOptional);
    UJ_TRY(f.check());
    return in;
}

// `overlap_s` of a rotation; an empty body takes the default.
Result<std::optional<Micros>> read_overlap(const Request& req) {
    if (req.body.empty()) return std::optional<Micros>();
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    auto overlap = f.integer("overlap_s", Need::kOptional, 0, 7 * 86400);
    UJ_TRY(f.check());
    if (!overlap) return std::optional<Micros>();
    return std::optional<Micros>(*overlap * kMicrosPerSecond);
}

Result<WebhookId> id_param(RequestContext& ctx) {
    const std::string id = ctx.param("id");
    if (!is_uuid(id)) return Error::not_found("Webhook");
    return WebhookId{id};
}

Result<DeliveryId> delivery_param(RequestContext& ctx) {
    const std::string id = ctx.param("delivery_id");
    if (!is_uuid(id)) return Error::not_found("Delivery");
    return DeliveryId{id};
}

Result<Response> event_type_list(WebhookService&, RequestContext&, const Request&) {
    return http::ok({{"event_types", event_types()}});
}

Result<Response> list(WebhookService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto page, http::page_window(req));
    UJ_ASSIGN(auto listing, s.list(ctx.who(), page));
    json results = json::array();
    for (const auto& e : listing.items) results.push_back(endpoint_json(e));
    return http::page_response(req, std::move(results), listing.count);
}

Result<Response> create(WebhookService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_input(req, Need::kRequired));
    UJ_ASSIGN(auto issued, s.create(ctx.who(), in));
    return http::created(issued_json(issued));
}

Result<Response> get(WebhookService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto id, id_param(ctx));
    UJ_ASSIGN(auto e, s.get(ctx.who(), id));
    return http::ok(endpoint_json(e));
}

Result<Response> update(WebhookService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto id, id_param(ctx));
    UJ_ASSIGN(auto in, read_input(req, Need::kOptional));
    UJ_ASSIGN(auto e, s.update(ctx.who(), id, in));
    return http::ok(endpoint_json(e));
}

Result<Response> remove(WebhookService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto id, id_param(ctx));
    UJ_TRY(s.remove(ctx.who(), id));
    return http::ok({{"id", id.value}, {"deleted", true}}, 200, "Webhook deleted");
}

Result<Response> rotate(WebhookService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto id, id_param(ctx));
    UJ_ASSIGN(auto overlap, read_overlap(req));
    UJ_ASSIGN(auto issued, s.rotate_secret(ctx.who(), id, overlap));
    return http::ok(issued_json(issued));
}

Result<Response> rotate_callback(WebhookService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto overlap, read_overlap(req));
    UJ_ASSIGN(auto rotated, s.rotate_callback_secret(ctx.who(), overlap));
    return http::ok({{"secret", rotated.secret},
                     {"previous_secret_expires_at", http::time_or_null(rotated.previous_until)}});
}

Result<Response> test(WebhookService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto id, id_param(ctx));
    UJ_ASSIGN(auto d, s.test(ctx.who(), id));
    return http::ok(delivery_json(d, false), 202, "Ping queued");
}

Result<Response> deliveries(WebhookService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto id, id_param(ctx));
    std::optional<DeliveryStatus> status;
    if (auto v = req.query_param("status")) {
        status = parse_delivery_status(*v);
        if (!status) return Error::invalid("status", "One of pending, delivered, failed.");
    }
    UJ_ASSIGN(auto window, http::list_window(req));
    UJ_ASSIGN(auto listing, s.deliveries(ctx.who(), id, status, window));
    json results = json::array();
    for (const auto& d : listing.items) results.push_back(delivery_json(d, false));
    return http::window_response(req, window, std::move(results), listing);
}

Result<Response> delivery(WebhookService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto id, id_param(ctx));
    UJ_ASSIGN(auto delivery_id, delivery_param(ctx));
    UJ_ASSIGN(auto d, s.delivery(ctx.who(), id, delivery_id));
    return http::ok(delivery_json(d, true));
}

Result<Response> redeliver(WebhookService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto id, id_param(ctx));
    UJ_ASSIGN(auto delivery_id, delivery_param(ctx));
    UJ_ASSIGN(auto d, s.redeliver(ctx.who(), id, delivery_id));
    return http::ok(delivery_json(d, false), 202, "Redelivery queued");
}

}  // namespace

void add_routes(http::Router& router, WebhookService& s) {
    const auto bind = [&s](auto fn) {
        return [&s, fn](RequestContext& ctx, const Request& req) { return fn(s, ctx, req); };
    };
    const std::string b = "/api/v1/webhooks";
    const http::RouteOptions read{.scope = "webhooks:read"};
    const http::RouteOptions write{.scope = "webhooks:write"};
    define_schemas(router);
    define_request_schemas(router);
    // A POST that reads no body.
    const auto action = [](http::RouteOptions o, const char* summary, const char* schema,
                           std::vector<int> success) {
        return http::documented(std::move(o), {.summary = summary,
                                               .response = schema,
                                               .success = std::move(success),
                                               .no_body = true});
    };
    // Fixed paths before /{id}, which would take them.
    router.add(
        Method::kGet, b + "/event-types", bind(event_type_list),
        http::answering({.scope = "webhooks:read", .on_db_thread = false},
                        "List the event types a webhook may subscribe to", "WebhookEventTypes"));
    router.add(Method::kPost, b + "/callback-secret", bind(rotate_callback),
               http::answering(write, "Make a new callback signing secret", "WebhookCallbackSecret",
                               {200}, "WebhookSecretRotateRequest"));
    router.add(Method::kGet, b, bind(list), http::listing(read, "List the webhooks", "Webhook"));
    router.add(Method::kPost, b, bind(create),
               http::answering(write, "Add a webhook", "WebhookWithSecret", {201},
                               "WebhookCreateRequest"));
    router.add(Method::kGet, b + "/{id}", bind(get),
               http::answering(read, "Show a webhook", "Webhook"));
    router.add(Method::kPut, b + "/{id}", bind(update),
               http::answering(write, "Update a webhook", "Webhook", {}, "WebhookUpdateRequest"));
    router.add(Method::kPatch, b + "/{id}", bind(update),
               http::answering(write, "Update some of a webhook's fields", "Webhook", {},
                               "WebhookUpdateRequest"));
    router.add(Method::kDelete, b + "/{id}", bind(remove),
               http::answering(write, "Delete a webhook", "Deleted"));
    router.add(Method::kPost, b + "/{id}/rotate-secret", bind(rotate),
               http::answering(write, "Make a new signing secret for a webhook",
                               "WebhookWithSecret", {200}, "WebhookSecretRotateRequest"));
    router.add(Method::kPost, b + "/{id}/test", bind(test),
               action(write, "Send a webhook a ping event", "WebhookDelivery", {202}));
    router.add(Method::kGet, b + "/{id}/deliveries", bind(deliveries),
               http::listing(read, "List a webhook's deliveries", "WebhookDelivery",
                             {{"status", {"pending", "delivered", "failed"}}, {"cursor"}}));
    router.add(Method::kGet, b + "/{id}/deliveries/{delivery_id}", bind(delivery),
               http::answering(read, "Show a delivery, with the body sent", "WebhookDelivery"));
    router.add(Method::kPost, b + "/{id}/deliveries/{delivery_id}/redeliver", bind(redeliver),
               action(write, "Send a delivery again", "WebhookDelivery", {202}));
}

}  // namespace ujumbe::webhooks
