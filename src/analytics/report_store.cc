#include "analytics/report_store.h"

namespace ujumbe::analytics::store {

namespace {

using db::Row;
using db::Value;

constexpr const char* kColumns =
    "id, account_id, user_id, role, account_type, report, format, first_day, last_day, "
    "group_by, channel, status, error, attempts, lease_until, content_type, filename, "
    "size_bytes, created_at, started_at, finished_at, expires_at";

ReportExport export_from(const Row& r) {
    ReportExport e;
    e.id = r.id<ReportExportId>(0);
    e.account_id = r.id<AccountId>(1);
    e.user_id = r.id<UserId>(2);
    e.role = parse_role(r.text(3)).value_or(Role::kAgent);
    e.account_type = parse_account_type(r.text(4)).value_or(AccountType::kBusiness);
    e.request.kind = parse_report_kind(r.text(5)).value_or(ReportKind::kDlr);
    e.format = parse_report_format(r.text(6)).value_or(ReportFormat::kJson);
    e.request.first_day = r.i64(7);
    e.request.last_day = r.i64(8);
    e.request.group_by = parse_usage_group(r.text(9)).value_or(UsageGroup::kDay);
    e.request.channel = r.opt_text(10);
    e.status = r.text(11);
    e.error = r.opt_text(12);
    e.attempts = r.i64(13);
    e.lease_until = r.i64(14);
    e.content_type = r.opt_text(15);
    e.filename = r.opt_text(16);
    e.size_bytes = r.opt_i64(17);
    e.created_at = r.i64(18);
    e.started_at = r.opt_i64(19);
    e.finished_at = r.opt_i64(20);
    e.expires_at = r.i64(21);
    return e;
}

Value optional_i64(const std::optional<std::int64_t>& v) {
    return v ? Value(*v) : Value(nullptr);
}

}  // namespace

Status insert_export(Connection& c, const ReportExport& e) {
    return db::done(c.query(
        std::string("INSERT INTO report_exports (") + kColumns +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
            "$17, $18, $19, $20, $21, $22)",
        {e.id.value,
         e.account_id.value,
         e.user_id.value,
         std::string(role_name(e.role)),
         std::string(account_type_name(e.account_type)),
         std::string(report_kind_name(e.request.kind)),
         std::string(report_format_name(e.format)),
         e.request.first_day,
         e.request.last_day,
         std::string(usage_group_name(e.request.group_by)),
         db::optional_text(e.request.channel),
         e.status,
         db::optional_text(e.error),
         e.attempts,
         e.lease_until,
         db::optional_text(e.content_type),
         db::optional_text(e.filename),
         optional_i64(e.size_bytes),
         e.created_at,
         optional_i64(e.started_at),
         optional_i64(e.finished_at),
         e.expires_at}));
}

Result<bool> queue_export(Connection& c, const ReportExport& e, std::int64_t max_pending) {
    if (c.dialect() == db::Dialect::kPostgres)
        UJ_TRY(c.query("SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE",
                       {e.account_id.value}));
    UJ_ASSIGN(auto row, c.query_one("SELECT count(*) FROM report_exports WHERE account_id = $1 "
                                    "AND status IN ('queued', 'running')",
                                    {e.account_id.value}));
    if (row && row->i64(0) >= max_pending) return false;
    UJ_TRY(insert_export(c, e));
    return true;
}

Result<std::optional<ReportExport>> find_export(Connection& c, const AccountId& account,
                                                const ReportExportId& id) {
    return db::one<ReportExport>(
        c.query_one(std::string("SELECT ") + kColumns +
                        " FROM report_exports WHERE id = $1 AND account_id = $2",
                    {id.value, account.value}),
        export_from);
}

Result<db::Listing<ReportExport>> list_exports(Connection& c, const AccountId& account,
                                               const db::Paged& page) {
    db::Filter f;
    const std::string where = " WHERE account_id = " + f.bind(account.value);
    db::Listing<ReportExport> out;
    UJ_ASSIGN(out.count, db::count_of(c, "SELECT count(*) FROM report_exports" + where, f));
    const std::string sql = std::string("SELECT ") + kColumns + " FROM report_exports" + where +
                            " ORDER BY created_at DESC, id DESC" + db::limit_clause(f, page);
    UJ_ASSIGN(auto rows, c.run(sql, f.params()));
    for (const auto& r : rows.rows) out.items.push_back(export_from(r));
    return out;
}

Result<std::optional<std::string>> export_body(Connection& c, const AccountId& account,
                                               const ReportExportId& id) {
    UJ_ASSIGN(auto row, c.query_one("SELECT body FROM report_exports WHERE id = $1 AND "
                                    "account_id = $2 AND status = 'completed'",
                                    {id.value, account.value}));
    if (!row) return std::optional<std::string>{};
    return row->opt_text(0);
}

Result<bool> delete_export(Connection& c, const AccountId& account, const ReportExportId& id) {
    UJ_ASSIGN(auto r, c.query("DELETE FROM report_exports WHERE id = $1 AND account_id = $2",
                              {id.value, account.value}));
    return r.affected > 0;
}

Result<std::optional<ReportExport>> claim_export(Connection& c, Micros now, Micros lease_until) {
    const bool pg = c.dialect() == db::Dialect::kPostgres;
    UJ_ASSIGN(auto found,
              db::one<ReportExport>(
                  c.query_one(std::string("SELECT ") + kColumns +
                                  " FROM report_exports WHERE status IN ('queued', 'running') "
                                  "AND lease_until < $1 ORDER BY created_at, id LIMIT 1" +
                                  (pg ? " FOR UPDATE SKIP LOCKED" : ""),
                              {now}),
                  export_from));
    if (!found) return found;
    found->status = "running";
    found->attempts += 1;
    found->lease_until = lease_until;
    if (!found->started_at) found->started_at = now;
    UJ_TRY(
        c.execute("UPDATE report_exports SET status = 'running', attempts = $2, "
                  "lease_until = $3, started_at = $4 WHERE id = $1",
                  {found->id.value, found->attempts, lease_until, *found->started_at}));
    return found;
}

Status release_export(Connection& c, const ReportExportId& id) {
    return db::done(
        c.query("UPDATE report_exports SET status = 'queued', lease_until = 0, "
                "attempts = attempts - 1 WHERE id = $1 AND status = 'running'",
                {id.value}));
}

Status finish_export(Connection& c, const ReportExport& e, const std::optional<std::string>& body) {
    return db::done(c.query(
        "UPDATE report_exports SET status = $2, error = $3, content_type = $4, filename = $5, "
        "size_bytes = $6, body = $7, finished_at = $8, expires_at = $9, lease_until = 0 "
        "WHERE id = $1",
        {e.id.value, e.status, db::optional_text(e.error), db::optional_text(e.content_type),
         db::optional_text(e.filename), optional_i64(e.size_bytes), db::optional_text(body),
         optional_i64(e.finished_at), e.expires_at}));
}

Result<std::int64_t> prune_exports(Connection& c, Micros now, int limit) {
    UJ_ASSIGN(auto r, c.query("DELETE FROM report_exports WHERE id IN (SELECT id FROM "
                              "report_exports WHERE expires_at < $1 LIMIT $2)",
                              {now, std::int64_t{limit}}));
    return r.affected;
}

}  // namespace ujumbe::analytics::store
