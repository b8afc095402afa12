#include "messaging/retention_store.h"

#include <map>
#include <set>
#include <string>

#include "db/store_support.h"
#include "messaging/history_codec.h"
#include "messaging/status.h"
#include "messaging/store.h"

namespace ujumbe::messaging::retention_store {
namespace {

using db::Value;

constexpr const char* kColumns =
    "account_id, body_days, message_days, bodies_redacted_before, updated_at";

AccountRetention retention_from(const db::Row& r) {
    return {r.id<AccountId>(0), r.opt_i64(1), r.opt_i64(2), r.i64(3), r.i64(4)};
}

// "('delivered', 'undelivered', ...)": no later event changes these, so
// nothing in flight reads or writes a message in one of them.
const std::string& final_statuses() {
    static const std::string list = [] {
        std::string out;
        for (auto s : all_statuses()) {
            if (!is_final(s)) continue;
            out += out.empty() ? "(" : ", ";
            out += "'" + std::string(status_name(s)) + "'";
        }
        return out + ")";
    }();
    return list;
}

}  // namespace

Result<std::optional<AccountRetention>> find(Connection& c, const AccountId& account) {
    return db::one<AccountRetention>(
        c.query_one(
            std::string("SELECT ") + kColumns + " FROM message_retention WHERE account_id = $1",
            {account.value}),
        retention_from);
}

Result<std::vector<AccountRetention>> all(Connection& c) {
    UJ_ASSIGN(auto r, c.query(std::string("SELECT ") + kColumns +
                              " FROM message_retention ORDER BY account_id"));
    std::vector<AccountRetention> out;
    for (const auto& row : r.rows) out.push_back(retention_from(row));
    return out;
}

Status put_days(Connection& c, const AccountRetention& r) {
    return db::done(
        c.query(std::string("INSERT INTO message_retention (") + kColumns +
                    ") VALUES ($1, $2, $3, 0, $4) ON CONFLICT (account_id) DO UPDATE SET "
                    "body_days = excluded.body_days, message_days = excluded.message_days, "
                    "updated_at = excluded.updated_at",
                {r.account_id.value, db::optional_int(r.body_days),
                 db::optional_int(r.message_days), r.updated_at}));
}

Status set_redacted_before(Connection& c, const AccountId& account, Micros before, Micros now) {
    return db::done(
        c.query(std::string("INSERT INTO message_retention (") + kColumns +
                    ") VALUES ($1, NULL, NULL, $2, $3) ON CONFLICT (account_id) DO UPDATE SET "
                    "bodies_redacted_before = excluded.bodies_redacted_before",
                {account.value, before, now}));
}

Result<std::vector<AccountId>> accounts_with_messages_before(Connection& c, Micros before) {
    const std::int64_t day = before / (86400 * kMicrosPerSecond);
    // PostgreSQL: with the deltas not yet folded into them.
    std::string sql = "SELECT account_id FROM message_rollups WHERE day <= $1";
    if (c.dialect() == db::Dialect::kPostgres)
        sql += " UNION SELECT account_id FROM message_rollup_deltas WHERE day <= $1";
    UJ_ASSIGN(auto r, c.query("SELECT DISTINCT account_id FROM (" + sql + ") a ORDER BY account_id",
                              {day}));
    std::vector<AccountId> out;
    for (const auto& row : r.rows) out.push_back(row.id<AccountId>(0));
    return out;
}

Result<Redacted> redact_batch(Connection& c, const AccountId& account, Micros from, Micros before,
                              int limit) {
    // The account's index on (account_id, created_at) bounds the walk; the
    // rows already blanked at the start of the range are skipped in it.
    UJ_ASSIGN(auto found,
              c.query("SELECT id, created_at FROM messages WHERE account_id = $1 AND "
                      "created_at >= $2 AND created_at < $3 AND body <> '' AND status IN " +
                          final_statuses() + " ORDER BY created_at, id LIMIT $4",
                      {account.value, from, before, std::int64_t{limit}}));
    Redacted out;
    if (found.rows.empty()) return out;
    std::vector<std::string> ids;
    for (const auto& row : found.rows) ids.push_back(row.text(0));
    UJ_TRY(db::for_ids(c, "UPDATE messages SET body = '' WHERE id", "", {}, ids,
                       [&](db::QueryResult& r) {
                           out.count += r.affected;
                           return Status{};
                       }));
    if (static_cast<int>(found.rows.size()) == limit) out.resume_at = found.rows.back().i64(1);
    return out;
}

Result<std::int64_t> purge_batch(Connection& c, const AccountId& account, Micros before,
                                 int limit) {
    UJ_ASSIGN(auto found, c.query("SELECT id FROM messages WHERE account_id = $1 AND "
                                  "created_at < $2 AND status IN " +
                                      final_statuses() + " ORDER BY created_at, id LIMIT $3",
                                  {account.value, before, std::int64_t{limit}}));
    std::vector<std::string> ids;
    for (const auto& row : found.rows) ids.push_back(row.text(0));
    if (ids.empty()) return std::int64_t{0};
    const auto nothing = [](db::QueryResult&) { return Status{}; };
    for (const char* dependent : {"DELETE FROM message_parts WHERE message_id",
                                  "DELETE FROM message_receipts WHERE message_id",
                                  "DELETE FROM message_events WHERE message_id",
                                  "DELETE FROM message_queue WHERE message_id",
                                  "DELETE FROM smpp_messages WHERE message_id"})
        UJ_TRY(db::for_ids(c, dependent, "", {}, ids, nothing));
    std::int64_t purged = 0;
    UJ_TRY(db::for_ids(c, "DELETE FROM messages WHERE id", "", {}, ids, [&](db::QueryResult& r) {
        purged += r.affected;
        return Status{};
    }));
    return purged;
}

Result<Folded> fold_batch(Connection& c, std::int64_t after_seq, Micros ready_before, int limit) {
    UJ_ASSIGN(auto walked,
              c.query("SELECT e.seq, e.message_id, CASE WHEN m.status IN " + final_statuses() +
                          " AND m.updated_at < $2 THEN 1 ELSE 0 END, e.created_at "
                          "FROM message_events e "
                          "LEFT JOIN messages m ON m.id = e.message_id WHERE e.seq > $1 "
                          "ORDER BY e.seq LIMIT $3",
                      {after_seq, ready_before, std::int64_t{limit}}));
    Folded out;
    if (walked.rows.empty()) return out;
    out.last_seq = walked.rows.back().i64(0);
    std::vector<std::string> ids;
    std::set<std::string> seen;
    for (const auto& row : walked.rows) {
        if (row.i64(3) >= ready_before) out.reached_recent = true;
        if (row.i64(2) == 1 && seen.insert(row.text(1)).second) ids.push_back(row.text(1));
    }
    if (ids.empty()) return out;

    // What an earlier fold kept (receipts or events that came after it),
    // then the rows, oldest first: a message's history stays in order.
    std::map<std::string, FoldedHistory> folded;
    UJ_TRY(db::for_ids(c, "SELECT id, history FROM messages WHERE history IS NOT NULL AND id", "",
                       {}, ids, [&](db::QueryResult& r) -> Status {
                           for (const auto& row : r.rows) {
                               UJ_ASSIGN(folded[row.text(0)], decode_history(row.text(1)));
                           }
                           return {};
                       }));
    UJ_TRY(db::for_ids(c,
                       std::string("SELECT message_id, ") + store::kEventColumns +
                           " FROM message_events WHERE message_id",
                       " ORDER BY seq", {}, ids, [&](db::QueryResult& r) {
                           for (const auto& row : r.rows)
                               folded[row.text(0)].events.push_back(store::event_from(row, 1));
                           return Status{};
                       }));
    UJ_TRY(db::for_ids(c,
                       std::string("SELECT message_id, ") + store::kReceiptColumns +
                           " FROM message_receipts WHERE message_id",
                       " ORDER BY received_at, id", {}, ids, [&](db::QueryResult& r) {
                           for (const auto& row : r.rows)
                               folded[row.text(0)].receipts.push_back(store::receipt_from(row, 1));
                           return Status{};
                       }));

    std::vector<std::pair<std::string, std::string>> updates;
    for (const auto& [id, history] : folded) updates.emplace_back(id, encode_history(history));
    std::vector<Value> params;
    UJ_TRY(db::for_each_batch(updates.size(), 64, [&](std::size_t first, std::size_t count) {
        params.clear();
        for (std::size_t i = first; i < first + count; ++i) {
            params.emplace_back(updates[i].first);
            params.emplace_back(updates[i].second);
        }
        return db::done(c.run("UPDATE messages SET history = v.column2 FROM (VALUES " +
                                  db::value_rows(static_cast<int>(count), 2) +
                                  ") AS v WHERE messages.id = v.column1",
                              params));
    }));
    const auto nothing = [](db::QueryResult&) { return Status{}; };
    UJ_TRY(db::for_ids(c, "DELETE FROM message_events WHERE message_id", "", {}, ids, nothing));
    UJ_TRY(db::for_ids(c, "DELETE FROM message_receipts WHERE message_id", "", {}, ids, nothing));
    out.messages = static_cast<std::int64_t>(ids.size());
    return out;
}

}  // namespace ujumbe::messaging::retention_store
