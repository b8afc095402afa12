#include "audit/routes.h"

#include "audit/store.h"
#include "core/dates.h"
#include "formats/csv.h"
#include "http/envelope.h"
#include "http/pagination.h"
#include "http/schema.h"
#include "http/views_support.h"

namespace ujumbe::audit {

namespace {

using http::Request;
using http::RequestContext;
using http::Response;
using json = nlohmann::json;

constexpr std::int64_t kExportWindow = 500;

// Owners and admins read their account's log; a reseller's also covers its
// clients; the platform admin reads every account's.
Result<Visibility> visibility_of(const Principal& who) {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins read the audit log");
    Visibility v;
    v.everything = who.is_platform_admin();
    v.account = who.account_id;
    v.children = who.account_type == AccountType::kReseller;
    return v;
}

bool plain_text(const std::string& text, std::size_t max) {
    if (text.empty() || text.size() > max) return false;
    for (unsigned char c : text)
        if (c < 0x20 || c == 0x7f) return false;
    return true;
}

// What read_query() reads, and a list's cursor besides.
std::vector<http::QueryDoc> filters() {
    return {{"actor"},      {"action"},    {"target_type"}, {"target_id"},
            {"account_id"}, {"date_from"}, {"date_to"}};
}

std::vector<http::QueryDoc> list_filters() {
    auto out = filters();
    out.push_back({"cursor"});
    return out;
}

Result<Query> read_query(const Request& req) {
    Query q;
    FieldErrors errors;
    auto text = [&](const char* name, std::optional<std::string>& into) {
        auto v = req.query_param(name);
        if (!v) return;
        if (!plain_text(*v, 254)) errors[name].push_back("Must be text of at most 254 characters.");
        into = *v;
    };
    text("actor", q.actor);
    text("action", q.action);
    text("target_type", q.target_type);
    text("target_id", q.target_id);
    if (auto v = req.query_param("account_id")) {
        if (!is_uuid(*v)) errors["account_id"].push_back("Must be an account id.");
        q.account_id = AccountId{*v};
    }
    const auto range = http::read_date_range(req, errors);
    q.from = range.from;
    q.to = range.until;
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    return q;
}

json entry_json(const Entry& e) {
    json out = json::object();
    out.emplace("id", e.id);
    out.emplace("created_at", format_iso8601_exact(e.created_at));
    out.emplace("account_id", http::text_or_null(e.account_id));
    out.emplace("actor", e.actor_label);
    out.emplace("actor_user_id", http::text_or_null(e.actor_user_id));
    out.emplace("actor_api_key_id", http::text_or_null(e.actor_api_key_id));
    out.emplace("action", e.action);
    out.emplace("target_type", e.target_type);
    out.emplace("target_id", http::text_or_null(e.target_id));
    out.emplace("status", e.status);
    out.emplace("error_code", http::text_or_null(e.error_code));
    out.emplace("changes", e.changes);
    out.emplace("ip", e.ip);
    out.emplace("user_agent", e.user_agent);
    out.emplace("request_id", e.request_id);
    return out;
}

// The schema of entry_json() (the OpenAPI document).
json entry_schema() {
    using namespace http::schema;
    return object({{"id", text()},
                   {"created_at", time()},
                   {"account_id", nullable(text())},
                   {"actor", text()},
                   {"actor_user_id", nullable(text())},
                   {"actor_api_key_id", nullable(text())},
                   {"action", text()},
                   {"target_type", text()},
                   {"target_id", nullable(text())},
                   {"status", integer()},
                   {"error_code", nullable(text())},
                   {"changes",
                    {{"type", "object"},
                     {"description",
                      "The fields that changed, each as {before, after}, secrets redacted; "
                      "{\"_truncated\": true} when too large to keep."}}},
                   {"ip", text()},
                   {"user_agent", text()},
                   {"request_id", text()}});
}

Result<Response> list_entries(db::Database& db, Recorder& recorder, RequestContext& ctx,
                              const Request& req) {
    UJ_ASSIGN(auto v, visibility_of(ctx.who()));
    UJ_ASSIGN(auto q, read_query(req));
    UJ_TRY(recorder.flush());
    UJ_ASSIGN(auto window, http::list_window(req));
    UJ_ASSIGN(auto listing,
              db.read([&](db::Connection& c) { return store::list(c, v, q, window); }));
    json results = json::array();
    for (const auto& e : listing.items) results.push_back(entry_json(e));
    return http::window_response(req, window, std::move(results), listing);
}

// Every matching entry, newest first, as CSV, a window at a time.
Result<Response> export_entries(db::Database& db, Recorder& recorder, RequestContext& ctx,
                                const Request& req) {
    UJ_ASSIGN(auto v, visibility_of(ctx.who()));
    UJ_ASSIGN(auto q, read_query(req));
    UJ_TRY(recorder.flush());
    struct State {
        bool header_sent = false;
        db::Window window{.limit = kExportWindow, .keyset = true};
        bool done = false;
    };
    auto state = std::make_shared<State>();
    Response res;
    res.content_type = "text/csv; charset=utf-8";
    res.headers.emplace_back("Content-Disposition", "attachment; filename=\"audit-log.csv\"");
    res.stream = [&db, v, q, state](std::string& out) -> Result<bool> {
        if (!state->header_sent) {
            static constexpr std::string_view kHeader[] = {
                "id",     "created_at",    "account_id",
                "actor",  "actor_user_id", "actor_api_key_id",
                "action", "target_type",   "target_id",
                "status", "error_code",    "changes",
                "ip",     "user_agent",    "request_id"};
            formats::csv::append_record(out, kHeader);
            state->header_sent = true;
        }
        UJ_ASSIGN(auto page,
                  db.read([&](db::Connection& c) { return store::list(c, v, q, state->window); }));
        for (const auto& e : page.items) {
            const std::string fields[] = {e.id,
                                          format_iso8601_exact(e.created_at),
                                          e.account_id ? e.account_id->value : "",
                                          e.actor_label,
                                          e.actor_user_id ? e.actor_user_id->value : "",
                                          e.actor_api_key_id ? e.actor_api_key_id->value : "",
                                          e.action,
                                          e.target_type,
                                          e.target_id.value_or(""),
                                          std::to_string(e.status),
                                          e.error_code.value_or(""),
                                          e.changes.dump(),
                                          e.ip,
                                          e.user_agent,
                                          e.request_id};
            formats::csv::append_record(out, fields);
        }
        if (!page.next) return false;
        state->window.cursor = page.next;
        return true;
    };
    return res;
}

}  // namespace

void add_routes(http::Router& router, db::Database& db, Recorder& recorder) {
    const http::RouteOptions read{.scope = "audit:read"};
    router.define_schema("AuditEntry", entry_schema());
    router.add(
        http::Method::kGet, "/api/v1/audit-log",
        [&db, &recorder](RequestContext& ctx, const Request& req) {
            return list_entries(db, recorder, ctx, req);
        },
        http::documented(read, {.summary = "List the audit log, newest first",
                                .response = "AuditEntry",
                                .list = true,
                                .query = list_filters()}));
    router.add(
        http::Method::kGet, "/api/v1/audit-log/export",
        [&db, &recorder](RequestContext& ctx, const Request& req) {
            return export_entries(db, recorder, ctx, req);
        },
        http::documented(read, {.summary = "Export the matching audit log as CSV",
                                .files = {"text/csv"},
                                .query = filters()}));
}

}  // namespace ujumbe::audit
