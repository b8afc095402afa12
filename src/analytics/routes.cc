#include "analytics/routes.h"

#include <nlohmann/json.hpp>

#include "analytics/report_render.h"
#include "analytics/report_tables.h"
#include "core/dates.h"
#include "core/money.h"
#include "core/validate.h"
#include "http/envelope.h"
#include "http/schema.h"

namespace ujumbe::analytics {

namespace {

using http::Method;
using http::Request;
using http::RequestContext;
using http::Response;
using nlohmann::json;

json rate_json(const Tally& t) {
    const auto rate = t.delivery_rate();
    return rate ? json(*rate) : json(nullptr);
}

json tally_json(const Tally& t) {
    return {{"sent", t.sent},
            {"received", t.received},
            {"delivered", t.delivered},
            {"undelivered", t.undelivered},
            {"pending", t.pending},
            {"segments", t.segments},
            {"spend", money_sum_json(t.spend)},
            {"delivery_rate", rate_json(t)}};
}

// The schema of tally_json(); `extra` adds required properties (a day's
// date). The rate is null when no outbound message reached a final status.
json tally_schema(std::initializer_list<std::pair<const char*, json>> extra = {}) {
    using namespace http::schema;
    json out = object({{"sent", integer()},
                       {"received", integer()},
                       {"delivered", integer()},
                       {"undelivered", integer()},
                       {"pending", integer()},
                       {"segments", integer()},
                       {"spend", number()},
                       {"delivery_rate", nullable(number())}});
    for (const auto& [name, s] : extra) {
        out["properties"][name] = s;
        out["required"].push_back(name);
    }
    return out;
}

Result<int> read_days(const Request& req) {
    const auto v = req.query_param("days");
    if (!v) return 30;
    if (v->empty() || v->size() > 3 || !all_digits(*v))
        return Error::invalid("days", "A whole number from 1 to 366.");
    return std::stoi(*v);
}

Result<std::optional<std::string>> read_channel(const Request& req) {
    auto v = req.query_param("channel");
    if (v && *v != "sms" && *v != "whatsapp" && *v != "email")
        return Error::invalid("channel", "One of sms, whatsapp, email.");
    return v;
}

Result<Response> overview(AnalyticsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(int days, read_days(req));
    UJ_ASSIGN(auto channel, read_channel(req));
    UJ_ASSIGN(auto d, s.overview(ctx.who(), days, channel));
    const Overview& o = d.overview;
    json by_status = json::object(), by_channel = json::object(), daily = json::array();
    for (const auto& [status, n] : o.by_status) by_status[status] = n;
    for (const auto& [name, t] : o.by_channel) by_channel[name] = tally_json(t);
    for (const auto& day : o.daily) {
        json entry = tally_json(day.tally);
        entry["date"] = day_date(day.day);
        daily.push_back(std::move(entry));
    }
    const auto running = [&](const char* status) {
        const auto it = d.campaigns.by_status.find(status);
        return it == d.campaigns.by_status.end() ? std::int64_t{0} : it->second;
    };
    return http::ok({{"days", o.query.days},
                     {"date_from", day_date(o.query.first_day())},
                     {"date_to", day_date(o.query.today)},
                     {"channel", o.query.channel ? json(*o.query.channel) : json(nullptr)},
                     {"currency", d.currency},
                     {"overview",
                      {{"total_messages", o.total.sent + o.total.received},
                       {"total_sent", o.total.sent},
                       {"total_received", o.total.received},
                       {"total_segments", o.total.segments},
                       {"total_conversations", d.conversations.total},
                       {"delivery_rate", rate_json(o.total)},
                       {"sent_today", o.sent_today},
                       {"sent_this_week", o.sent_this_week},
                       {"sent_this_month", o.sent_this_month},
                       {"spend", money_sum_json(o.total.spend)}}},
                     {"messages_by_status", std::move(by_status)},
                     {"by_channel", std::move(by_channel)},
                     {"daily_activity", std::move(daily)},
                     {"dashboard",
                      {{"wallet_balance", d.wallet ? money_json(d.wallet->balance) : money_json(0)},
                       {"contacts", d.contacts},
                       {"open_conversations", d.conversations.open},
                       {"unread_conversations", d.conversations.unread},
                       {"campaigns_running", running("running")},
                       {"campaigns_scheduled", running("scheduled")},
                       {"campaigns_paused", running("paused")}}}});
}

// The schema of overview()'s answer.
json overview_schema() {
    using namespace http::schema;
    return object(
        {{"days", integer()},
         {"date_from", date()},
         {"date_to", date()},
         {"channel", nullable(one_of({"sms", "whatsapp", "email"}))},
         {"currency", text()},
         {"overview", object({{"total_messages", integer()},
                              {"total_sent", integer()},
                              {"total_received", integer()},
                              {"total_segments", integer()},
                              {"total_conversations", integer()},
                              {"delivery_rate", nullable(number())},
                              {"sent_today", integer()},
                              {"sent_this_week", integer()},
                              {"sent_this_month", integer()},
                              {"spend", number()}})},
         {"messages_by_status",
          json{{"type", "object"},
               {"additionalProperties", integer()},
               {"description", "Messages of each status, inbound and outbound."}}},
         {"by_channel", json{{"type", "object"},
                             {"additionalProperties", tally_schema()},
                             {"description", "The figures of each channel that has messages."}}},
         {"daily_activity", array_of(tally_schema({{"date", date()}}))},
         {"dashboard", object({{"wallet_balance", number()},
                               {"contacts", integer()},
                               {"open_conversations", integer()},
                               {"unread_conversations", integer()},
                               {"campaigns_running", integer()},
                               {"campaigns_scheduled", integer()},
                               {"campaigns_paused", integer()}})}});
}

Result<UsageQuery> read_usage_query(const AnalyticsService& s, const Request& req) {
    UsageQuery q;
    FieldErrors errors;
    const auto day_of = [&](const char* name) -> std::optional<std::int64_t> {
        auto v = req.query_param(name);
        if (!v) return std::nullopt;
        const auto day = parse_day(*v);
        if (!day) errors[name].push_back(kDayHint);
        return day;
    };
    q.last_day = day_of("date_to").value_or(s.today());
    q.first_day = day_of("date_from").value_or(q.last_day - 29);
    if (const auto group = parse_usage_group(req.query_param("group_by").value_or("day")))
        q.group_by = *group;
    else
        errors["group_by"].push_back("One of day, user, channel.");
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    return q;
}

Result<Response> usage(AnalyticsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto q, read_usage_query(s, req));
    const auto format = req.query_param("format").value_or("json");
    if (format != "json" && format != "csv") return Error::invalid("format", "json or csv.");
    UJ_ASSIGN(auto u, s.usage(ctx.who(), q));
    Report report{.request = {.kind = ReportKind::kUsage,
                              .first_day = q.first_day,
                              .last_day = q.last_day,
                              .group_by = q.group_by}};
    auto& table = report.tables.emplace_back(usage_table(u, q.group_by));
    const std::string group(usage_group_name(q.group_by));
    json total = json::object();
    for (std::size_t i = table.key_columns; i < table.columns.size(); ++i)
        total[table.columns[i]] = (*table.total)[i];
    table.total.reset();  // the CSV is the rows; JSON has the total apart
    if (format == "csv") {
        Response res;
        res.content_type = "text/csv; charset=utf-8";
        res.body = report_csv(report);
        res.headers.emplace_back("Content-Disposition",
                                 "attachment; filename=\"usage-" + group + ".csv\"");
        return res;
    }
    return http::ok({{"date_from", day_date(q.first_day)},
                     {"date_to", day_date(q.last_day)},
                     {"group_by", group},
                     {"results", std::move(report_json(report)["results"])},
                     {"total", std::move(total)}});
}

// The schema of usage()'s JSON answer: a row per day, channel or user
// (group_by), with the figures usage_table() adds; `total` has the figures.
json usage_schema() {
    using namespace http::schema;
    const auto row = [](std::initializer_list<std::pair<const char*, json>> keys) {
        json out = object(keys);
        for (const auto& [name, s] : std::initializer_list<std::pair<const char*, json>>{
                 {"messages", integer()},
                 {"segments", integer()},
                 {"cost", number()},
                 {"api_requests", nullable(integer())},
                 {"media_bytes", nullable(integer())}}) {
            out["properties"][name] = s;
            out["required"].push_back(name);
        }
        return out;
    };
    return object(
        {{"date_from", date()},
         {"date_to", date()},
         {"group_by", one_of({"day", "user", "channel"})},
         {"results",
          array_of({{"anyOf", json::array({row({{"date", date()}}), row({{"channel", text()}}),
                                           row({{"user_id", nullable(text())},
                                                {"name", nullable(text())},
                                                {"email", nullable(text())}})})}})},
         {"total", row({})}});
}

void define_schemas(http::Router& router) {
    router.define_schema("AnalyticsOverview", overview_schema());
    router.define_schema("AnalyticsUsage", usage_schema());
}

}  // namespace

void add_routes(http::Router& router, AnalyticsService& s) {
    const auto bind = [&s](auto fn) {
        return [&s, fn](RequestContext& ctx, const Request& req) { return fn(s, ctx, req); };
    };
    const http::RouteOptions read{.scope = "analytics:read"};
    define_schemas(router);
    router.add(Method::kGet, "/api/v1/analytics/overview", bind(overview),
               http::documented(read, {.summary = "Show the account's messaging overview",
                                       .response = "AnalyticsOverview",
                                       .query = {{"days", {}, "integer"},
                                                 {"channel", {"sms", "whatsapp", "email"}}}}));
    router.add(
        Method::kGet, "/api/v1/usage", bind(usage),
        http::documented(read, {.summary = "Show the account's usage by day, user or channel",
                                .response = "AnalyticsUsage",
                                .files = {"text/csv"},
                                .json_too = true,
                                .query = {{"date_from"},
                                          {"date_to"},
                                          {"group_by", {"day", "user", "channel"}},
                                          {"format", {"json", "csv"}}}}));
}

}  // namespace ujumbe::analytics
