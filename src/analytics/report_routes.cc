#include "analytics/report_routes.h"

#include "analytics/overview.h"
#include "analytics/report_render.h"
#include "http/envelope.h"
#include "http/input.h"
#include "http/pagination.h"
#include "http/schema.h"

namespace ujumbe::analytics {

namespace {

using http::Fields;
using http::Method;
using http::Need;
using http::Request;
using http::RequestContext;
using http::Response;
using nlohmann::json;

// A report answered at once reads at most this many days of messages; a
// longer delivery report is an export.
constexpr std::int64_t kMaxDlrDaysAtOnce = 31;

const std::vector<std::string> kChannels = {"sms", "whatsapp", "email"};
const std::vector<std::string> kFormats = {"json", "csv", "pdf"};
const std::vector<std::string> kGroups = {"day", "user", "channel"};

// Fills `r`'s days, grouping and channel from text values (query
// parameters or body fields); problems go to `errors` by name.
struct RequestFields {
    std::optional<std::string> date_from, date_to, group_by, channel;
};

void read_request(const RequestFields& in, std::int64_t today, ReportRequest& r,
                  FieldErrors& errors) {
    const auto day_of = [&](const char* name,
                            const std::optional<std::string>& v) -> std::optional<std::int64_t> {
        if (!v) return std::nullopt;
        const auto day = parse_day(*v);
        if (!day) errors[name].push_back(kDayHint);
        return day;
    };
    r.last_day = day_of("date_to", in.date_to).value_or(today);
    r.first_day = day_of("date_from", in.date_from).value_or(r.last_day - 29);
    if (in.group_by) {
        if (auto g = parse_usage_group(*in.group_by); g && r.kind == ReportKind::kUsage)
            r.group_by = *g;
        else if (r.kind == ReportKind::kUsage)
            errors["group_by"].push_back("One of day, user, channel.");
        else
            errors["group_by"].push_back("Only usage reports are grouped.");
    }
    if (in.channel) {
        if (r.kind != ReportKind::kDlr)
            errors["channel"].push_back("Only delivery reports are of one channel.");
        else if (std::find(kChannels.begin(), kChannels.end(), *in.channel) == kChannels.end())
            errors["channel"].push_back("One of sms, whatsapp, email.");
        else
            r.channel = in.channel;
    }
}

Response file_response(const RenderedReport& file) {
    Response res;
    res.content_type = file.content_type;
    res.headers.emplace_back("Content-Disposition",
                             "attachment; filename=\"" + file.filename + "\"");
    res.body = file.body;
    return res;
}

// GET /reports/{dlr,usage,revenue}?date_from&date_to[&group_by|channel][&format]
Result<Response> report_now(Reports& s, ReportKind kind, RequestContext& ctx, const Request& req) {
    ReportRequest r{.kind = kind};
    FieldErrors errors;
    read_request({req.query_param("date_from"), req.query_param("date_to"),
                  req.query_param("group_by"), req.query_param("channel")},
                 s.today(), r, errors);
    const auto format = parse_report_format(req.query_param("format").value_or("json"));
    if (!format) errors["format"].push_back("One of json, csv, pdf.");
    if (errors.empty() && kind == ReportKind::kDlr &&
        r.last_day - r.first_day + 1 > kMaxDlrDaysAtOnce)
        errors["date_from"].push_back(
            "At most 31 days at once; ask for a longer one with POST /api/v1/reports/export.");
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    UJ_ASSIGN(auto report, s.build(ctx.who(), r));
    if (*format == ReportFormat::kJson) return http::ok(report_json(report));
    UJ_ASSIGN(auto file, render_report(report, *format));
    return file_response(file);
}

json export_json(const ReportExport& e) {
    const auto time_or_null = [](const std::optional<Micros>& t) {
        return t ? json(format_iso8601(*t)) : json(nullptr);
    };
    const std::string path = "/api/v1/reports/exports/" + e.id.value;
    return {{"id", e.id.value},
            {"report", report_kind_name(e.request.kind)},
            {"format", report_format_name(e.format)},
            {"date_from", day_date(e.request.first_day)},
            {"date_to", day_date(e.request.last_day)},
            {"group_by", e.request.kind == ReportKind::kUsage
                             ? json(usage_group_name(e.request.group_by))
                             : json(nullptr)},
            {"channel", e.request.channel ? json(*e.request.channel) : json(nullptr)},
            {"status", e.status},
            {"error", e.error ? json(*e.error) : json(nullptr)},
            {"filename", e.filename ? json(*e.filename) : json(nullptr)},
            {"content_type", e.content_type ? json(*e.content_type) : json(nullptr)},
            {"size_bytes", e.size_bytes ? json(*e.size_bytes) : json(nullptr)},
            {"requested_by", e.user_id.value},
            {"created_at", format_iso8601(e.created_at)},
            {"started_at", time_or_null(e.started_at)},
            {"finished_at", time_or_null(e.finished_at)},
            {"expires_at", format_iso8601(e.expires_at)},
            {"url", path},
            {"download_url", e.status == "completed" ? json(path + "/download") : json(nullptr)}};
}

// POST /reports/export {report, format, date_from, date_to, group_by, channel}
Result<Response> request_export(Reports& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    const auto kind = f.choice("report", Need::kRequired, {"dlr", "usage", "revenue"});
    const auto format = f.choice("format", Need::kOptional, kFormats);
    RequestFields in{
        f.text("date_from", Need::kOptional, 10, 10), f.text("date_to", Need::kOptional, 10, 10),
        f.text("group_by", Need::kOptional, 1, 20), f.text("channel", Need::kOptional, 1, 20)};
    FieldErrors errors = f.errors();
    ReportRequest r;
    if (kind) {
        r.kind = *parse_report_kind(*kind);
        read_request(in, s.today(), r, errors);
    }
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    UJ_ASSIGN(auto e,
              s.request_export(ctx.who(), r, parse_report_format(format.value_or("json")).value()));
    return http::ok(export_json(e), 202, "Report export queued");
}

Result<Response> list_exports(Reports& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto page, http::page_window(req));
    UJ_ASSIGN(auto listing, s.list_exports(ctx.who(), page));
    json results = json::array();
    for (const auto& e : listing.items) results.push_back(export_json(e));
    return http::page_response(req, std::move(results), listing.count);
}

Result<Response> get_export(Reports& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto e, s.get_export(ctx.who(), ctx.id<ReportExportId>()));
    return http::ok(export_json(e));
}

Result<Response> download(Reports& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto found, s.download(ctx.who(), ctx.id<ReportExportId>()));
    auto& [e, bytes] = found;
    return file_response({e.content_type.value_or("application/octet-stream"),
                          e.filename.value_or("report"), std::move(bytes)});
}

Result<Response> delete_export(Reports& s, RequestContext& ctx, const Request&) {
    UJ_TRY(s.delete_export(ctx.who(), ctx.id<ReportExportId>()));
    return http::ok(json::object(), 200, "Report export deleted");
}

// The schemas of what these routes answer and take (the OpenAPI document).
void define_report_schemas(http::Router& router) {
    using namespace http::schema;
    // A table's rows are objects keyed by its columns, whatever the report.
    const json rows = array_of({{"type", "object"}});
    json report = object({{"report", one_of({"dlr", "usage", "revenue"})},
                          {"date_from", date()},
                          {"date_to", date()},
                          {"currency", text()},
                          {"generated_at", time()},
                          {"group_by", one_of({"day", "user", "channel"})},
                          {"channel", nullable(one_of(kChannels))},
                          {"totals", {{"type", "object"}}}},
                         {"group_by", "channel", "totals"});
    report["additionalProperties"] = rows;
    report["description"] =
        "The report's tables, each under its name as rows keyed by column (summary, by_status, "
        "by_day, by_gateway, by_country, by_operator, by_error_code; results; clients).";
    router.define_schema("Report", std::move(report));
    router.define_schema("ReportExport",
                         object({{"id", text()},
                                 {"report", one_of({"dlr", "usage", "revenue"})},
                                 {"format", one_of(kFormats)},
                                 {"date_from", date()},
                                 {"date_to", date()},
                                 {"group_by", nullable(one_of(kGroups))},
                                 {"channel", nullable(one_of(kChannels))},
                                 {"status", one_of({"queued", "running", "completed", "failed"})},
                                 {"error", nullable(text())},
                                 {"filename", nullable(text())},
                                 {"content_type", nullable(text())},
                                 {"size_bytes", nullable(integer())},
                                 {"requested_by", text()},
                                 {"created_at", time()},
                                 {"started_at", nullable(time())},
                                 {"finished_at", nullable(time())},
                                 {"expires_at", time()},
                                 {"url", text()},
                                 {"download_url", nullable(text())}}));
    router.define_schema("ReportExportRequest",
                         object({{"report", one_of({"dlr", "usage", "revenue"})},
                                 {"format", one_of(kFormats)},
                                 {"date_from", date()},
                                 {"date_to", date()},
                                 {"group_by", one_of(kGroups)},
                                 {"channel", one_of(kChannels)}},
                                {"format", "date_from", "date_to", "group_by", "channel"}));
    router.define_schema(
        "ReportExportDeleted",
        {{"type", "object"},
         {"maxProperties", 0},
         {"description", "An empty object: the export and its file are deleted."}});
}

}  // namespace

void add_report_routes(http::Router& router, Reports& s) {
    const auto bind = [&s](auto fn) {
        return [&s, fn](RequestContext& ctx, const Request& req) { return fn(s, ctx, req); };
    };
    const auto now = [&s](ReportKind kind) {
        return [&s, kind](RequestContext& ctx, const Request& req) {
            return report_now(s, kind, ctx, req);
        };
    };
    const http::RouteOptions read{.scope = "analytics:read"};
    const auto report = [&](const char* summary) {
        return http::documented(read, {.summary = summary,
                                       .response = "Report",
                                       .files = {"text/csv", "application/pdf"},
                                       .json_too = true,
                                       .query = {{"date_from"},
                                                 {"date_to"},
                                                 {"group_by"},
                                                 {"channel"},
                                                 {"format", {"json", "csv", "pdf"}}}});
    };
    const std::string b = "/api/v1/reports";
    router.add(Method::kGet, b + "/dlr", now(ReportKind::kDlr),
               report("Build the delivery report (at most 31 days)"));
    router.add(Method::kGet, b + "/usage", now(ReportKind::kUsage),
               report("Build the usage report"));
    router.add(Method::kGet, b + "/revenue", now(ReportKind::kRevenue),
               report("Build the revenue report"));
    router.add(
        Method::kPost, b + "/export", bind(request_export),
        http::documented(read, {.summary = "Ask for a report as a file, built in the background",
                                .response = "ReportExport",
                                .success = {202},
                                .request = "ReportExportRequest"}));
    router.add(Method::kGet, b + "/exports", bind(list_exports),
               http::documented(read, {.summary = "List the account's report exports",
                                       .response = "ReportExport",
                                       .list = true}));
    router.add(
        Method::kGet, b + "/exports/{id}", bind(get_export),
        http::documented(read, {.summary = "Show a report export", .response = "ReportExport"}));
    router.add(Method::kGet, b + "/exports/{id}/download", bind(download),
               http::documented(read, {.summary = "Download a completed report export's file",
                                       .files = {"application/json", "text/csv", "application/pdf"},
                                       .errors = {{409, "REPORT_NOT_READY"}}}));
    router.add(Method::kDelete, b + "/exports/{id}", bind(delete_export),
               http::documented(read, {.summary = "Delete a report export and its file",
                                       .response = "ReportExportDeleted"}));
    define_report_schemas(router);
}

}  // namespace ujumbe::analytics
