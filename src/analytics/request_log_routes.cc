#include "analytics/request_log_routes.h"

#include "core/validate.h"
#include "http/envelope.h"
#include "http/pagination.h"
#include "http/schema.h"
#include "http/views_support.h"

namespace ujumbe::analytics {

namespace {

using http::Request;
using http::RequestContext;
using http::Response;
using json = nlohmann::json;

// Owners and admins read their account's lines; the platform admin reads
// every account's (or one's, with account_id).
Result<RequestLogQuery> read_query(const Principal& who, const Request& req) {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins read the API log");
    RequestLogQuery q;
    FieldErrors errors;
    if (!who.is_platform_admin()) q.account_id = who.account_id;
    if (auto v = req.query_param("account_id")) {
        if (!is_uuid(*v))
            errors["account_id"].push_back("Must be an account id.");
        else if (who.is_platform_admin())
            q.account_id = AccountId{*v};
    }
    if (auto v = req.query_param("method")) {
        const auto m = http::parse_method(*v);
        if (m == http::Method::kOther || m == http::Method::kHead || m == http::Method::kOptions)
            errors["method"].push_back("One of GET, POST, PUT, PATCH, DELETE.");
        else
            q.method = std::string(http::method_name(m));
    }
    if (auto v = req.query_param("route")) {
        if (v->empty() || v->size() > 200 || !v->starts_with('/'))
            errors["route"].push_back("A route template such as /api/v1/messages/{id}.");
        else
            q.route = *v;
    }
    if (auto v = req.query_param("status")) {
        const bool three = v->size() == 3 && (*v)[0] >= '1' && (*v)[0] <= '5';
        if (three && all_digits(*v))
            q.status = std::stoi(*v);
        else if (three && (v->substr(1) == "xx" || v->substr(1) == "XX"))
            q.status_class = (*v)[0] - '0';
        else
            errors["status"].push_back("A status such as 404, or a class such as 4xx.");
    }
    if (auto v = req.query_param("user_id")) {
        if (!is_uuid(*v)) errors["user_id"].push_back("Must be a user id.");
        q.user_id = UserId{*v};
    }
    if (auto v = req.query_param("api_key_id")) {
        if (!is_uuid(*v)) errors["api_key_id"].push_back("Must be an API key id.");
        q.api_key_id = ApiKeyId{*v};
    }
    const auto range = http::read_date_range(req, errors);
    q.from = range.from;
    q.until = range.until;
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    return q;
}

json line_json(const LoggedRequest& r) {
    const auto& l = r.line;
    json out = json::object();
    out.emplace("id", r.id);
    out.emplace("created_at", format_iso8601_exact(l.at));
    out.emplace("account_id", l.account_id.value);
    out.emplace("user_id", l.user_id.value);
    out.emplace("api_key_id", http::text_or_null(l.api_key_id));
    out.emplace("method", std::string(http::method_name(l.method)));
    out.emplace("route", l.route);
    out.emplace("status", l.status);
    out.emplace("duration_ms", static_cast<double>(l.duration_us) / 1000.0);
    out.emplace("ip", l.ip);
    out.emplace("request_id", l.request_id);
    return out;
}

// The schema of line_json() (the OpenAPI document).
json line_schema() {
    using namespace http::schema;
    return object({{"id", text()},
                   {"created_at", time()},
                   {"account_id", text()},
                   {"user_id", text()},
                   {"api_key_id", nullable(text())},
                   {"method", text()},
                   {"route", {{"type", "string"}, {"description", "The route's template."}}},
                   {"status", integer()},
                   {"duration_ms", number()},
                   {"ip", text()},
                   {"request_id", text()}});
}

Result<Response> list_lines(RequestLog& log, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto q, read_query(ctx.who(), req));
    UJ_ASSIGN(auto window, http::list_window(req));
    UJ_ASSIGN(auto listing, log.list(q, window));
    json results = json::array();
    for (const auto& r : listing.items) results.push_back(line_json(r));
    return http::window_response(req, window, std::move(results), listing);
}

}  // namespace

void add_request_log_routes(http::Router& router, RequestLog& log) {
    router.define_schema("ApiRequestLogLine", line_schema());
    router.add(
        http::Method::kGet, "/api/v1/analytics/api-logs",
        [&log](RequestContext& ctx, const Request& req) { return list_lines(log, ctx, req); },
        http::documented({.scope = "analytics:read"},
                         {.summary = "List the API requests the account made, newest first",
                          .response = "ApiRequestLogLine",
                          .list = true,
                          .query = {{"account_id"},
                                    {"method"},
                                    {"route"},
                                    {"status"},
                                    {"user_id"},
                                    {"api_key_id"},
                                    {"date_from"},
                                    {"date_to"},
                                    {"cursor"}}}));
}

}  // namespace ujumbe::analytics
