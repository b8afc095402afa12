#include "messaging/retention_routes.h"

#include "http/envelope.h"
#include "http/input.h"
#include "http/route_docs.h"
#include "http/schema.h"

namespace ujumbe::messaging {
namespace {

using http::Fields;
using http::Need;
using http::Request;
using http::RequestContext;
using http::Response;
using nlohmann::json;

json days_json(const RetentionDays& d) {
    const auto value = [](const std::optional<std::int64_t>& v) { return v ? json(*v) : json(); };
    return {{"body_days", value(d.body_days)}, {"message_days", value(d.message_days)}};
}

json retention_json(const RetentionView& v) {
    json out = days_json(v.own);
    out["defaults"] = days_json(v.defaults);
    out["plan"] = days_json(v.plan);
    out["effective"] = days_json(v.effective);
    out["bodies_redacted_before"] =
        v.bodies_redacted_before > 0 ? json(format_iso8601(v.bodies_redacted_before)) : json();
    return out;
}

// A field left out stays; null clears it.
std::optional<std::optional<std::int64_t>> read_days(Fields& f, const std::string& name) {
    if (!f.has(name)) return std::nullopt;
    if (f.is_null(name)) return std::optional<std::int64_t>{};
    auto days = f.integer(name, Need::kRequired, 1, Retention::kMaxDays);
    if (!days) return std::nullopt;
    return days;
}

// What retention_json shows and put_retention reads (the OpenAPI document).
void define_schemas(http::Router& router) {
    using namespace http::schema;
    // No limit of its own: null (the next level's applies).
    const json days =
        object({{"body_days", nullable(integer())}, {"message_days", nullable(integer())}});
    router.define_schema("MessageRetention",
                         object({{"body_days", nullable(integer())},
                                 {"message_days", nullable(integer())},
                                 {"defaults", days},
                                 {"plan", days},
                                 {"effective", days},
                                 {"bodies_redacted_before", nullable(time())}}));
    // A field left out stays; null clears it.
    router.define_schema("MessageRetentionRequest", object({{"body_days", nullable(integer())},
                                                            {"message_days", nullable(integer())}},
                                                           {"body_days", "message_days"}));
}

Result<Response> get_retention(Retention& r, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto view, r.get(ctx.who()));
    return http::ok(retention_json(view));
}

Result<Response> put_retention(Retention& r, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    RetentionUpdate u;
    u.body_days = read_days(f, "body_days");
    u.message_days = read_days(f, "message_days");
    UJ_TRY(f.check());
    UJ_ASSIGN(auto view, r.put(ctx.who(), u));
    return http::ok(retention_json(view));
}

}  // namespace

void add_retention_routes(http::Router& router, Retention& retention) {
    const auto bind = [&retention](auto fn) {
        return [&retention, fn](RequestContext& ctx, const Request& req) {
            return fn(retention, ctx, req);
        };
    };
    const std::string path = "/api/v1/messages/retention";
    define_schemas(router);
    router.add(
        http::Method::kGet, path, bind(get_retention),
        http::answering({.scope = "account:read"},
                        "Show how long messages and their bodies are kept", "MessageRetention"));
    router.add(http::Method::kPut, path, bind(put_retention),
               http::answering({.scope = "account:write"},
                               "Set how long messages and their bodies are kept",
                               "MessageRetention", {}, "MessageRetentionRequest"));
}

}  // namespace ujumbe::messaging
