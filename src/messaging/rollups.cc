#include "messaging/rollups.h"

#include <string>
#include <utility>

#include "db/filter.h"
#include "messaging/store.h"

namespace ujumbe::messaging::store {

namespace {

constexpr std::int64_t kFoldLockKey = 0x726f6c6c757073;  // "rollups"

constexpr const char* kRollupColumns =
    "account_id, day, direction, channel, status, gateway_id, messages, segments";

// Whole days: the first day starting at or after `at`, the last ending at
// or before it (created_at is never negative).
std::int64_t day_at_or_after(Micros at) {
    return (at + kMicrosPerDay - 1) / kMicrosPerDay;
}
std::int64_t day_at_or_before(Micros at) {
    return at / kMicrosPerDay;
}

Status add_rollups(Connection& c, const AccountId& account, const MessageQuery& q,
                   std::optional<std::int64_t> first_day, std::optional<std::int64_t> past_day,
                   StatsTally& tally) {
    db::Filter f({account.value});
    f.where("account_id = $1");
    if (first_day) f.add("day >= {}", *first_day);
    if (past_day) f.add("day < {}", *past_day);
    if (q.status) f.add("status = {}", *q.status);
    if (q.direction) f.add("direction = {}", *q.direction);
    if (q.channel) f.add("channel = {}", *q.channel);
    // PostgreSQL's writers append deltas not yet folded; one statement reads
    // both in one snapshot, so a fold running meanwhile is seen whole or not.
    std::string source =
        "SELECT direction, status, messages, segments FROM message_rollups" + f.sql();
    if (c.dialect() == db::Dialect::kPostgres)
        source +=
            " UNION ALL SELECT direction, status, messages, segments "
            "FROM message_rollup_deltas" +
            f.sql();
    UJ_ASSIGN(auto rows, c.run("SELECT direction, status, sum(messages), sum(segments) FROM (" +
                                   source + ") counted GROUP BY direction, status",
                               f.params()));
    for (const auto& r : rows.rows) tally.add(r.text(0), r.text(1), r.i64(2), r.i64(3));
    return {};
}

Status add_counted(Connection& c, const AccountId& account, MessageQuery q, Micros from,
                   Micros until, StatsTally& tally) {
    if (from >= until) return {};
    q.from = from;
    q.until = until;
    UJ_ASSIGN(auto counted, stats_from_messages(c, account, q));
    tally.add(counted);
    return {};
}

}  // namespace

bool rollups_answer(const MessageQuery& q) {
    return !q.to && !q.sender && !q.client_ref && !q.campaign_id && !q.search;
}

Result<MessageStats> stats_from_rollups(Connection& c, const AccountId& account,
                                        const MessageQuery& q) {
    std::optional<std::int64_t> first_day, past_day;
    if (q.from) first_day = day_at_or_after(*q.from);
    if (q.until) past_day = day_at_or_before(*q.until);
    // A range inside one day has no whole day: count its messages.
    if (first_day && past_day && *first_day >= *past_day) return stats_from_messages(c, account, q);
    StatsTally tally;
    UJ_TRY(add_rollups(c, account, q, first_day, past_day, tally));
    if (q.from) UJ_TRY(add_counted(c, account, q, *q.from, *first_day * kMicrosPerDay, tally));
    if (q.until) UJ_TRY(add_counted(c, account, q, *past_day * kMicrosPerDay, *q.until, tally));
    return tally.stats();
}

Result<std::vector<DailyCount>> daily_counts(Connection& c, const AccountId& account,
                                             std::int64_t first_day, std::int64_t past_day) {
    const std::string where = " WHERE account_id = $1 AND day >= $2 AND day < $3";
    std::string source =
        "SELECT day, direction, channel, status, gateway_id, messages, segments "
        "FROM message_rollups" +
        where;
    if (c.dialect() == db::Dialect::kPostgres)
        source +=
            " UNION ALL SELECT day, direction, channel, status, gateway_id, messages, segments "
            "FROM message_rollup_deltas" +
            where;
    UJ_ASSIGN(auto rows, c.query("SELECT day, direction, channel, status, gateway_id, "
                                 "sum(messages), sum(segments) FROM (" +
                                     source +
                                     ") counted GROUP BY 1, 2, 3, 4, 5 "
                                     "HAVING sum(messages) <> 0 ORDER BY 1, 2, 3, 4, 5",
                                 {account.value, first_day, past_day}));
    std::vector<DailyCount> out;
    out.reserve(rows.rows.size());
    for (const auto& r : rows.rows)
        out.push_back({.day = r.i64(0),
                       .direction = r.text(1),
                       .channel = r.text(2),
                       .status = r.text(3),
                       .gateway_id = r.text(4),
                       .messages = r.i64(5),
                       .segments = r.i64(6)});
    return out;
}

Result<std::vector<DailyUsage>> daily_usage(Connection& c, const AccountId& account,
                                            std::int64_t first_day, std::int64_t past_day) {
    const std::string where = " WHERE account_id = $1 AND day >= $2 AND day < $3";
    std::string source =
        "SELECT day, user_id, channel, messages, segments FROM message_usage" + where;
    if (c.dialect() == db::Dialect::kPostgres)
        source +=
            " UNION ALL SELECT day, user_id, channel, messages, segments "
            "FROM message_usage_deltas" +
            where;
    UJ_ASSIGN(auto rows, c.query("SELECT day, user_id, channel, sum(messages), sum(segments) "
                                 "FROM (" +
                                     source + ") counted GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                                 {account.value, first_day, past_day}));
    std::vector<DailyUsage> out;
    out.reserve(rows.rows.size());
    for (const auto& r : rows.rows)
        out.push_back({.day = r.i64(0),
                       .user_id = r.text(1),
                       .channel = r.text(2),
                       .messages = r.i64(3),
                       .segments = r.i64(4)});
    return out;
}

Result<std::vector<DeliveryRow>> delivery_rows(
    Connection& c, const AccountId& account, Micros from, Micros until,
    const std::optional<std::pair<Micros, MessageId>>& after, int limit) {
    std::vector<db::Value> params{account.value, from, until, std::int64_t{limit}};
    std::string sql =
        "SELECT id, created_at, channel, status, COALESCE(gateway_id, ''), "
        "COALESCE(error_code, ''), to_number, segments FROM messages WHERE account_id = $1 "
        "AND created_at >= $2 AND created_at < $3 AND direction = 'outbound'";
    if (after) {
        sql += " AND (created_at > $5 OR (created_at = $5 AND id > $6))";
        params.emplace_back(after->first);
        params.emplace_back(after->second.value);
    }
    sql += " ORDER BY created_at, id LIMIT $4";
    UJ_ASSIGN(auto rows, c.run(sql, params));
    std::vector<DeliveryRow> out;
    out.reserve(rows.rows.size());
    for (const auto& r : rows.rows)
        out.push_back({.id = r.id<MessageId>(0),
                       .created_at = r.i64(1),
                       .channel = r.text(2),
                       .status = r.text(3),
                       .gateway_id = r.text(4),
                       .error_code = r.text(5),
                       .to = r.text(6),
                       .segments = r.i64(7)});
    return out;
}

Result<std::int64_t> fold_rollup_deltas(Connection& c) {
    if (c.dialect() != db::Dialect::kPostgres) return 0;
    UJ_ASSIGN(auto locked, c.query_one("SELECT pg_try_advisory_xact_lock($1)", {kFoldLockKey}));
    if (!locked || !locked->boolean(0)) return 0;  // another node is folding
    // In key order, so that two folds could never lock rows crosswise.
    UJ_ASSIGN(auto r, c.query(std::string("WITH moved AS (DELETE FROM message_rollup_deltas "
                                          "RETURNING *), summed AS (SELECT account_id, day, "
                                          "direction, channel, status, gateway_id, "
                                          "sum(messages) AS messages, sum(segments) AS "
                                          "segments, count(*) AS deltas FROM moved GROUP BY "
                                          "1, 2, 3, 4, 5, 6), folded AS (INSERT INTO "
                                          "message_rollups (") +
                              kRollupColumns + ") SELECT " + kRollupColumns +
                              " FROM summed ORDER BY 1, 2, 3, 4, 5, 6 ON CONFLICT "
                              "(account_id, day, direction, channel, status, gateway_id) "
                              "DO UPDATE SET messages = message_rollups.messages + "
                              "excluded.messages, segments = message_rollups.segments + "
                              "excluded.segments) SELECT COALESCE(sum(deltas), 0) "
                              "FROM summed"));
    UJ_ASSIGN(auto u, c.query("WITH moved AS (DELETE FROM message_usage_deltas RETURNING *), "
                              "summed AS (SELECT account_id, day, user_id, channel, "
                              "sum(messages) AS messages, sum(segments) AS segments, "
                              "count(*) AS deltas FROM moved GROUP BY 1, 2, 3, 4), "
                              "folded AS (INSERT INTO message_usage (account_id, day, user_id, "
                              "channel, messages, segments) SELECT account_id, day, user_id, "
                              "channel, messages, segments FROM summed ORDER BY 1, 2, 3, 4 "
                              "ON CONFLICT (account_id, day, user_id, channel) DO UPDATE SET "
                              "messages = message_usage.messages + excluded.messages, "
                              "segments = message_usage.segments + excluded.segments) "
                              "SELECT COALESCE(sum(deltas), 0) FROM summed"));
    return (r.rows.empty() ? std::int64_t{0} : r.rows.front().i64(0)) +
           (u.rows.empty() ? std::int64_t{0} : u.rows.front().i64(0));
}

Result<std::int64_t> rebuild_rollups(Connection& c) {
    const bool pg = c.dialect() == db::Dialect::kPostgres;
    // After any fold in progress (a fold and a rebuild lock the rollups and
    // the deltas in opposite orders); then changes to messages wait until
    // the recount commits, so none falls between the count and the deltas
    // cleared.
    if (pg) {
        UJ_TRY(c.query("SELECT pg_advisory_xact_lock($1)", {kFoldLockKey}));
        UJ_TRY(c.run_script("LOCK TABLE messages IN SHARE MODE"));
    }
    UJ_TRY(c.run_script("DELETE FROM message_rollups; DELETE FROM message_usage"));
    if (pg)
        UJ_TRY(c.run_script("DELETE FROM message_rollup_deltas; DELETE FROM message_usage_deltas"));
    UJ_ASSIGN(auto r, c.query(std::string("INSERT INTO message_rollups (") + kRollupColumns +
                              ") SELECT account_id, created_at / 86400000000, direction, channel, "
                              "status, COALESCE(gateway_id, ''), count(*), sum(segments) "
                              "FROM messages GROUP BY 1, 2, 3, 4, 5, 6"));
    UJ_ASSIGN(auto u, c.query("INSERT INTO message_usage (account_id, day, user_id, channel, "
                              "messages, segments) SELECT account_id, created_at / 86400000000, "
                              "COALESCE(user_id, ''), channel, count(*), sum(segments) FROM "
                              "messages WHERE direction = 'outbound' GROUP BY 1, 2, 3, 4"));
    return r.affected + u.affected;
}

}  // namespace ujumbe::messaging::store
