// HTTP handlers of an account's WhatsApp channel (docs/api-whatsapp.md) and
// of the webhook Meta calls: read and check input, call the service, shape
// the answer. No SQL and no business rules here.

#include "conversations/routes.h"

#include "core/dates.h"
#include "core/json.h"
#include "core/validate.h"
#include "http/envelope.h"
#include "http/input.h"
#include "http/pagination.h"
#include "http/schema.h"

namespace ujumbe::conversations {

namespace {

using http::Fields;
using http::Method;
using http::Need;
using http::Request;
using http::RequestContext;
using http::Response;
using json = nlohmann::json;

json time_or_null(const std::optional<Micros>& at) {
    return at ? json(format_iso8601(*at)) : json(nullptr);
}

json channel_json(const ChannelView& v) {
    const auto& ch = v.channel;
    const bool holds_secrets = ch.status != ChannelStatus::kDisconnected;
    return {{"id", ch.id.value},
            {"status", status_name(ch.status)},
            {"phone_number_id", ch.phone_number_id},
            {"business_account_id", ch.business_account_id},
            {"display_phone_number", ch.display_phone_number},
            {"verified_name", ch.verified_name},
            {"quality_rating", ch.quality_rating},
            {"messaging_limit", ch.messaging_limit},
            {"access_token_set", holds_secrets},
            {"app_secret_set", holds_secrets},
            {"verify_token_set", holds_secrets},
            {"webhook_path", "/api/v1/hooks/whatsapp/" + ch.id.value},
            {"webhook_events_waiting", v.webhook_events_waiting},
            {"last_webhook_at", time_or_null(v.last_webhook_at)},
            {"last_error", ch.last_error ? json(*ch.last_error) : json(nullptr)},
            {"connected_at", time_or_null(ch.connected_at)},
            {"checked_at", time_or_null(ch.checked_at)},
            {"disconnected_at", time_or_null(ch.disconnected_at)},
            {"created_at", format_iso8601(ch.created_at)},
            {"updated_at", format_iso8601(ch.updated_at)}};
}

json channel_schema() {
    using namespace http::schema;
    return object({{"id", text()},
                   {"status", one_of({"connected", "error", "disconnected"})},
                   {"phone_number_id", text()},
                   {"business_account_id", text()},
                   {"display_phone_number", text()},
                   {"verified_name", text()},
                   {"quality_rating", text()},
                   {"messaging_limit", text()},
                   {"access_token_set", boolean()},
                   {"app_secret_set", boolean()},
                   {"verify_token_set", boolean()},
                   {"webhook_path", text()},
                   {"webhook_events_waiting", integer()},
                   {"last_webhook_at", nullable(time())},
                   {"last_error", nullable(text())},
                   {"connected_at", nullable(time())},
                   {"checked_at", nullable(time())},
                   {"disconnected_at", nullable(time())},
                   {"created_at", time()},
                   {"updated_at", time()}});
}

// Meta's ids are decimal digits.
std::optional<std::string> graph_id(Fields& f, const char* name) {
    auto id = f.text(name, Need::kRequired, 1, 32);
    if (id && !all_digits(*id)) {
        f.fail(name, "The id Meta gave, in digits.");
        return std::nullopt;
    }
    return id;
}

Result<ConnectInput> read_connect(const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    ConnectInput in;
    auto phone = graph_id(f, "phone_number_id");
    auto business = graph_id(f, "business_account_id");
    auto token = f.text("access_token", Need::kRequired, 16, 4096);
    auto app_secret = f.text("app_secret", Need::kRequired, 8, 256);
    auto verify = f.text("verify_token", Need::kRequired, 8, 256);
    UJ_TRY(f.check());
    in.phone_number_id = std::move(*phone);
    in.business_account_id = std::move(*business);
    in.secrets = {.access_token = std::move(*token),
                  .app_secret = std::move(*app_secret),
                  .verify_token = std::move(*verify)};
    return in;
}

Result<Response> connect(WhatsAppChannels& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_connect(req));
    UJ_ASSIGN(auto view, s.connect(ctx.who(), in));
    return http::ok(channel_json(view), 200, "WhatsApp channel connected");
}

Result<Response> status(WhatsAppChannels& s, RequestContext& ctx, const Request& req) {
    const auto refresh = req.query_param("refresh");
    if (refresh && *refresh != "true" && *refresh != "false")
        return Error::invalid("refresh", "true or false.");
    UJ_ASSIGN(auto view, s.status(ctx.who(), refresh == "true"));
    return http::ok(channel_json(view));
}

Result<Response> disconnect(WhatsAppChannels& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto view, s.disconnect(ctx.who()));
    return http::ok(channel_json(view), 200, "WhatsApp channel disconnected");
}

json event_json(const WebhookEvent& e) {
    json out = {{"id", e.id.value},
                {"received_at", format_iso8601(e.received_at)},
                {"processed_at", time_or_null(e.processed_at)},
                {"outcome", nullptr}};
    // Our own JSON, written by processing.
    if (e.outcome) out["outcome"] = json::parse(*e.outcome, nullptr, false);
    if (e.body) {
        JsonParseProblem problem;
        out["body"] = parse_json_bounded(*e.body, problem);  // stored only when it parsed
    }
    return out;
}

// The schema of event_json(): `outcome` is what processing wrote (a tally
// of what the delivery held, or why it could not be processed), null until
// it is processed; `body` is shown by GET .../webhook-events/{id} only.
json event_schema() {
    using namespace http::schema;
    const json tally = object({{"messages", integer()},
                               {"statuses", integer()},
                               {"templates", integer()},
                               {"duplicates", integer()},
                               {"unknown_number", integer()},
                               {"unknown_templates", integer()},
                               {"media", integer()},
                               {"skipped", integer()}});
    const json refused = object({{"error", text()}});
    return object({{"id", text()},
                   {"received_at", time()},
                   {"processed_at", nullable(time())},
                   {"outcome", {{"anyOf", json::array({tally, refused, {{"type", "null"}}})}}},
                   {"body", {{"type", "object"}, {"description", "As Meta sent it."}}}},
                  {"body"});
}

Result<Response> list_events(WhatsAppChannels& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto page, http::page_window(req));
    UJ_ASSIGN(auto listing, s.webhook_events(ctx.who(), page));
    json results = json::array();
    for (const auto& e : listing.items) results.push_back(event_json(e));
    return http::page_response(req, std::move(results), listing.count);
}

Result<Response> get_event(WhatsAppChannels& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto event, s.webhook_event(ctx.who(), ctx.param("id")));
    return http::ok(event_json(event));
}

// GET /hooks/whatsapp/{id}: Meta's subscription handshake; the answer is the
// challenge itself as the whole body.
Result<Response> verify_hook(WhatsAppChannels& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto challenge,
              s.verify_subscription(ctx.param("id"), req.query_param("hub.mode").value_or(""),
                                    req.query_param("hub.verify_token").value_or(""),
                                    req.query_param("hub.challenge").value_or("")));
    Response res;
    res.content_type = "text/plain; charset=utf-8";
    res.body = std::move(challenge);
    return res;
}

// POST /hooks/whatsapp/{id}: a signed delivery, stored before it is answered.
Result<Response> receive_hook(WhatsAppChannels& s, RequestContext& ctx, const Request& req) {
    UJ_TRY(s.receive(ctx.param("id"), req.header("x-hub-signature-256").value_or(""), req.body));
    return http::ok({{"received", true}});
}

// The schemas of the channel's answers and bodies (the OpenAPI document).
void define_schemas(http::Router& router) {
    using namespace http::schema;
    router.define_schema("WhatsAppChannel", channel_schema());
    router.define_schema("WhatsAppWebhookEvent", event_schema());
    router.define_schema("WhatsAppConnectRequest", object({{"phone_number_id", text()},
                                                           {"business_account_id", text()},
                                                           {"access_token", text()},
                                                           {"app_secret", text()},
                                                           {"verify_token", text()}}));
    // Any JSON object is stored (and signed by Meta); processing reads these.
    router.define_schema("WhatsAppWebhookPayload",
                         object({{"object", text()}, {"entry", array_of({{"type", "object"}})}},
                                {"object", "entry"}));
    router.define_schema("WhatsAppWebhookReceived", object({{"received", boolean()}}));
}

}  // namespace

void add_routes(http::Router& router, WhatsAppChannels& s) {
    const auto bind = [&s](auto fn) {
        return [&s, fn](RequestContext& ctx, const Request& req) { return fn(s, ctx, req); };
    };
    const std::string b = "/api/v1";
    const http::RouteOptions read{.scope = "channels:read"};
    const http::RouteOptions write{.scope = "channels:write"};
    define_schemas(router);
    const auto channel = [&](const http::RouteOptions& o, const char* summary) {
        return http::documented(o, {.summary = summary,
                                    .response = "WhatsAppChannel",
                                    .query = {{"refresh", {}, "boolean"}}});
    };
    router.add(Method::kGet, b + "/channels/whatsapp", bind(status),
               channel(read, "Show the account's WhatsApp channel"));
    router.add(Method::kGet, b + "/channels/whatsapp/status", bind(status),
               channel(read, "Show the WhatsApp channel's status (refresh=true asks Meta)"));
    router.add(Method::kPost, b + "/channels/whatsapp/connect", bind(connect),
               http::documented(write, {.summary = "Connect the account's WhatsApp number",
                                        .response = "WhatsAppChannel",
                                        .success = {200},
                                        .request = "WhatsAppConnectRequest"}));
    router.add(Method::kPost, b + "/channels/whatsapp/disconnect", bind(disconnect),
               http::documented(write, {.summary = "Disconnect the WhatsApp channel",
                                        .response = "WhatsAppChannel",
                                        .success = {200},
                                        .no_body = true}));
    router.add(Method::kGet, b + "/channels/whatsapp/webhook-events", bind(list_events),
               http::documented(read, {.summary = "List the webhook deliveries Meta made",
                                       .response = "WhatsAppWebhookEvent",
                                       .list = true}));
    router.add(Method::kGet, b + "/channels/whatsapp/webhook-events/{id}", bind(get_event),
               http::documented(read, {.summary = "Show a webhook delivery with its body",
                                       .response = "WhatsAppWebhookEvent"}));
    // No caller is signed in: the verify token and the signature are the check.
    const http::RouteOptions hook{.authenticated = false,
                                  .body_types = {"application/json"},
                                  .max_body_bytes = kMaxWebhookBytes};
    router.add(
        Method::kGet, b + "/hooks/whatsapp/{id}", bind(verify_hook),
        http::documented(hook, {.summary = "Meta's subscription handshake (the challenge)",
                                .files = {"text/plain"},
                                .query = {{"hub.mode"}, {"hub.verify_token"}, {"hub.challenge"}}}));
    router.add(Method::kPost, b + "/hooks/whatsapp/{id}", bind(receive_hook),
               http::documented(hook, {.summary = "Meta's webhook delivery, signed and stored",
                                       .response = "WhatsAppWebhookReceived",
                                       .success = {200},
                                       .request = "WhatsAppWebhookPayload"}));
}

}  // namespace ujumbe::conversations
