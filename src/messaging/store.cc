#include "messaging/store.h"

#include <array>
#include <functional>
#include <map>

#include "core/log.h"
#include "db/event_outbox.h"
#include "messaging/history_codec.h"
#include "messaging/rollups.h"

namespace ujumbe::messaging::store {

namespace {

using db::QueryResult;
using db::Row;
using db::Value;

constexpr const char* kMessageColumns =
    "id, account_id, user_id, api_key_id, direction, channel, to_number, sender, body, "
    "encoding, segments, status, transactional, client_ref, callback_url, send_at, gateway_id, "
    "attempts, error_code, error_message, created_at, updated_at, sent_at, done_at, currency, "
    "price, cost, campaign_id, content";
constexpr int kMessageWidth = 29;
constexpr std::size_t kRowsPerInsert = 64;

// A stored status (the schema admits only the names of messaging/status.h).
MessageStatus status_in(const Row& r, std::size_t i) {
    return parse_status(r.text(i)).value_or(MessageStatus::kFailed);
}

// " AND status IN ('scheduled', 'queued')": only rows the status table lets
// change to `to` (a stored row another writer moved on stays as it is).
const std::string& guard_for(MessageStatus to) {
    static const auto guards = [] {
        std::array<std::string, 12> out;
        for (auto s : all_statuses()) {
            std::string in;
            for (auto from : statuses_before(s))
                in += (in.empty() ? "'" : ", '") + std::string(status_name(from)) + "'";
            out[static_cast<std::size_t>(s)] =
                " AND status IN (" + (in.empty() ? std::string("NULL") : in) + ")";
        }
        return out;
    }();
    static_assert(std::tuple_size_v<decltype(guards)> ==
                  static_cast<std::size_t>(MessageStatus::kRead) + 1);
    return guards[static_cast<std::size_t>(to)];
}

void warn_unmoved(std::int64_t moved, std::size_t asked, MessageStatus to) {
    if (moved >= static_cast<std::int64_t>(asked)) return;
    log::warn("messages left as they were: their stored status may not change",
              {{"to", std::string(status_name(to))},
               {"asked", static_cast<std::int64_t>(asked)},
               {"moved", moved}});
}

Message message_from(const Row& r) {
    Message m;
    m.id = r.id<MessageId>(0);
    m.account_id = AccountId{r.text(1)};
    m.user_id = r.opt_id<UserId>(2);
    m.api_key_id = r.opt_id<ApiKeyId>(3);
    m.direction = r.text(4);
    m.channel = r.text(5);
    m.to = r.text(6);
    m.sender = r.text(7);
    m.body = r.text(8);
    m.encoding = r.text(9);
    m.segments = static_cast<int>(r.i64(10));
    m.status = status_in(r, 11);
    m.transactional = r.boolean(12);
    m.client_ref = r.opt_text(13);
    m.callback_url = r.opt_text(14);
    m.send_at = r.opt_i64(15);
    m.gateway_id = r.opt_id<GatewayId>(16);
    m.attempts = static_cast<int>(r.i64(17));
    m.error_code = r.opt_text(18);
    m.error_message = r.opt_text(19);
    m.created_at = r.i64(20);
    m.updated_at = r.i64(21);
    m.sent_at = r.opt_i64(22);
    m.done_at = r.opt_i64(23);
    m.currency = r.opt_text(24);
    m.price = r.opt_i64(25);
    m.cost = r.opt_i64(26);
    m.campaign_id = r.opt_id<CampaignId>(27);
    m.content = r.opt_text(28);
    return m;
}

void append_message(std::vector<Value>& out, const Message& m) {
    out.emplace_back(m.id.value);
    out.emplace_back(m.account_id.value);
    out.push_back(db::optional_id(m.user_id));
    out.push_back(db::optional_id(m.api_key_id));
    out.emplace_back(m.direction);
    out.emplace_back(m.channel);
    out.emplace_back(m.to);
    out.emplace_back(m.sender);
    out.emplace_back(m.body);
    out.emplace_back(m.encoding);
    out.emplace_back(static_cast<std::int64_t>(m.segments));
    out.emplace_back(std::string(status_name(m.status)));
    out.emplace_back(m.transactional);
    out.push_back(db::optional_text(m.client_ref));
    out.push_back(db::optional_text(m.callback_url));
    out.push_back(db::optional_int(m.send_at));
    out.push_back(db::optional_id(m.gateway_id));
    out.emplace_back(static_cast<std::int64_t>(m.attempts));
    out.push_back(db::optional_text(m.error_code));
    out.push_back(db::optional_text(m.error_message));
    out.emplace_back(m.created_at);
    out.emplace_back(m.updated_at);
    out.push_back(db::optional_int(m.sent_at));
    out.push_back(db::optional_int(m.done_at));
    out.push_back(db::optional_text(m.currency));
    out.push_back(db::optional_int(m.price));
    out.push_back(db::optional_int(m.cost));
    out.push_back(db::optional_id(m.campaign_id));
    out.push_back(db::optional_text(m.content));
}

// SQLite: how a search finds its messages. The trigram index answers a
// rare text at once but hands over every match before any is ordered;
// reading the account's messages newest first and matching each finds a
// page of a common text (half the messages say "code") sooner. A count of
// the index's matches since the start of the range, stopped at
// kFewMatches, tells which it is. The range's start is taken as a rowid
// (rowids grow with the time of writing), an hour early so that no clock
// step of less than that hides a message.
struct SearchPlan {
    bool index = false;
    std::optional<std::int64_t> from_rowid;
};
constexpr std::int64_t kFewMatches = 5000;
constexpr Micros kRowidSlack = 3600 * kMicrosPerSecond;

// Characters (not bytes) of UTF-8 text.
std::size_t characters(const std::string& text) {
    std::size_t n = 0;
    for (unsigned char ch : text) n += (ch & 0xC0) != 0x80;
    return n;
}

// The FTS5 phrase that matches `text` anywhere.
std::string search_phrase(const std::string& text) {
    std::string phrase = "\"";
    for (char ch : text) phrase += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return phrase + "\"";
}

Result<SearchPlan> plan_search(Connection& c, const AccountId& account, const MessageQuery& q) {
    SearchPlan plan;
    // Trigram indexes find runs of three characters or more; PostgreSQL's
    // planner weighs its pg_trgm indexes under LIKE itself.
    if (!q.search || c.dialect() != db::Dialect::kSqlite || characters(*q.search) < 3) return plan;
    if (q.from) {
        UJ_ASSIGN(auto first, c.query_one("SELECT rowid FROM messages WHERE account_id = $1 AND "
                                          "created_at >= $2 ORDER BY created_at LIMIT 1",
                                          {account.value, *q.from - kRowidSlack}));
        if (!first) return plan;  // nothing in the range: nothing to look up
        plan.from_rowid = first->i64(0);
    }
    UJ_ASSIGN(auto counted, c.query_one("SELECT count(*) FROM (SELECT 1 FROM message_search WHERE "
                                        "message_search MATCH $1 AND rowid >= $2 LIMIT $3) few",
                                        {search_phrase(*q.search), plan.from_rowid.value_or(0),
                                         kFewMatches + 1}));
    plan.index = counted && counted->i64(0) <= kFewMatches;
    return plan;
}

// The account's messages matching `q`: " WHERE ..." and its parameters.
Result<db::Filter> message_filter(Connection& c, const AccountId& account, const MessageQuery& q) {
    UJ_ASSIGN(auto plan, plan_search(c, account, q));
    db::Filter f({account.value});
    f.where("account_id = $1");
    if (q.status) f.add("status = {}", *q.status);
    if (q.direction) f.add("direction = {}", *q.direction);
    if (q.channel) {
        f.add("channel = {}", *q.channel);
        // Lets SQLite use the partial index of the channels other than SMS.
        if (*q.channel != "sms") f.where("channel <> 'sms'");
    }
    if (q.to) f.add("to_number = {}", *q.to);
    if (q.sender) f.add("sender = {}", *q.sender);
    if (q.client_ref) f.add("client_ref = {}", *q.client_ref);
    if (q.campaign_id) f.add("campaign_id = {}", q.campaign_id->value);
    if (q.from) f.add("created_at >= {}", *q.from);
    if (q.until) f.add("created_at < {}", *q.until);
    if (!q.search) return f;
    if (plan.index) {
        const auto phrase = f.bind(search_phrase(*q.search));
        const auto from_rowid = f.bind(plan.from_rowid.value_or(0));
        f.where("rowid IN (SELECT rowid FROM message_search WHERE message_search MATCH " + phrase +
                " AND rowid >= " + from_rowid + ")");
        return f;
    }
    f.add("(lower(body) LIKE {} ESCAPE '\\' OR to_number LIKE {} ESCAPE '\\')",
          db::like_contains(*q.search));
    return f;
}

// How many messages a filter the rollups do not keep matches. PostgreSQL's
// planner misjudges how many rows a LIKE pattern leaves and may read every
// match of a common text to count ten thousand of them; when it expects
// more than that, its estimate is the answer.
Status count_matches(Connection& c, const MessageQuery& q, const db::Filter& f,
                     db::WindowListing<Message>& out) {
    if (q.search) {
        UJ_ASSIGN(auto expected, db::planner_estimate(c, "FROM messages", f));
        if (expected && *expected > db::kExactCountCap) {
            out.count = *expected;
            out.count_is_estimate = true;
            return {};
        }
    }
    return db::count_up_to(c, "FROM messages", f, db::kExactCountCap, out);
}

// The window's messages (and where the next and previous windows start).
Status read_window(Connection& c, db::Filter& f, const db::Window& w,
                   db::WindowListing<Message>& out) {
    const auto tail = db::window_clause(f, w, "created_at", "id");
    std::string sql = std::string("SELECT ") + kMessageColumns + " FROM messages";
    if (w.keyset || w.offset == 0) {
        sql += f.sql() + tail;
    } else {
        // Far down by page number: the rows skipped are index entries
        // (messages_account holds the order), and only the page's rows are read.
        sql += " WHERE id IN (SELECT id FROM messages" + f.sql() + tail +
               ") ORDER BY created_at DESC, id DESC";
    }
    UJ_ASSIGN(out.items, db::all<Message>(c.run(sql, f.params()), message_from));
    db::settle(out, w, [](const Message& m) { return db::Position{m.created_at, m.id.value}; });
    return {};
}

constexpr const char* kSenderColumns =
    "id, account_id, sender, kind, country, status, purpose, reason, decided_at, created_at, "
    "updated_at";

SenderIdRecord sender_from(const Row& r) {
    SenderIdRecord s;
    s.id = r.id<SenderIdRecordId>(0);
    s.account_id = AccountId{r.text(1)};
    s.sender = r.text(2);
    s.kind = r.text(3);
    s.country = r.text(4);
    s.status = r.text(5);
    s.purpose = r.text(6);
    s.reason = r.opt_text(7);
    s.decided_at = r.opt_i64(8);
    s.created_at = r.i64(9);
    s.updated_at = r.i64(10);
    return s;
}

}  // namespace

Status insert_messages(Connection& c, const std::vector<const Message*>& messages) {
    std::vector<Value> params;
    return db::for_each_batch(
        messages.size(), kRowsPerInsert, [&](std::size_t first, std::size_t count) {
            params.clear();
            for (std::size_t i = first; i < first + count; ++i)
                append_message(params, *messages[i]);
            return db::done(c.run(std::string("INSERT INTO messages (") + kMessageColumns +
                                      ") VALUES " +
                                      db::value_rows(static_cast<int>(count), kMessageWidth),
                                  params));
        });
}

Status enqueue(Connection& c, const std::vector<std::pair<MessageId, Micros>>& due,
               const std::string& owner, Micros lease_until) {
    std::vector<Value> params;
    return db::for_each_batch(due.size(), 256, [&](std::size_t first, std::size_t count) {
        params.clear();
        for (std::size_t i = first; i < first + count; ++i) {
            params.emplace_back(due[i].first.value);
            params.emplace_back(due[i].second);
            params.push_back(owner.empty() ? Value(nullptr) : Value(owner));
            params.emplace_back(owner.empty() ? Micros{0} : lease_until);
        }
        return db::done(
            c.run("INSERT INTO message_queue (message_id, due_at, lease_owner, lease_until) "
                  "VALUES " +
                      db::value_rows(static_cast<int>(count), 4),
                  params));
    });
}

Status insert_events(Connection& c, const std::vector<EventRow>& events) {
    std::vector<Value> params;
    UJ_TRY(db::for_each_batch(events.size(), 128, [&](std::size_t first, std::size_t count) {
        params.clear();
        for (std::size_t i = first; i < first + count; ++i) {
            const auto& e = events[i];
            params.emplace_back(e.account_id.value);
            params.emplace_back(e.message_id.value);
            params.emplace_back(e.type);
            params.emplace_back(std::string(status_name(e.status)));
            params.push_back(db::optional_text(e.detail));
            params.emplace_back(e.created_at);
        }
        return db::done(
            c.run("INSERT INTO message_events (account_id, message_id, type, status, detail, "
                  "created_at) VALUES " +
                      db::value_rows(static_cast<int>(count), 6),
                  params));
    }));
    // Webhooks hear of every change but the claim (sending is internal).
    std::vector<db::OutboxEvent> outbox;
    outbox.reserve(events.size());
    for (const auto& e : events)
        if (e.status != MessageStatus::kSending)
            outbox.push_back(
                {e.account_id.value, e.type, e.message_id.value, std::nullopt, e.created_at});
    return db::append_events(c, outbox);
}

Result<std::pair<std::int64_t, std::int64_t>> add_day_counts(Connection& c,
                                                             const std::string& account,
                                                             const std::string& user,
                                                             std::int64_t day, std::int64_t n) {
    // One row when there is no user (it would conflict with itself), and
    // then no $2: PostgreSQL cannot type a parameter no statement uses.
    const std::string sql =
        std::string("INSERT INTO message_day_counts (account_id, user_id, day, sent) VALUES ") +
        (user.empty() ? "($1, '', $2, $3)" : "($1, '', $3, $4), ($1, $2, $3, $4)") +
        " ON CONFLICT (account_id, user_id, day) DO UPDATE SET sent = message_day_counts.sent + "
        "excluded.sent RETURNING user_id, sent";
    UJ_ASSIGN(auto r, user.empty() ? c.query(sql, {account, day, n})
                                   : c.query(sql, {account, user, day, n}));
    std::pair<std::int64_t, std::int64_t> totals{0, 0};
    for (const auto& row : r.rows)
        (row.text(0).empty() ? totals.first : totals.second) = row.i64(1);
    return totals;
}

Result<std::vector<EventRow>> mark_sending(Connection& c, const std::vector<MessageId>& ids,
                                           Micros now) {
    std::vector<EventRow> events;
    // Only messages the status table lets go to sending are marked.
    static const std::string sql =
        "UPDATE messages SET status = 'sending', updated_at = $1 "
        "WHERE TRUE" +
        guard_for(status::kSending) + " AND id";
    UJ_TRY(
        db::for_ids(c, sql, " RETURNING id, account_id", {now}, ids, [&](QueryResult& r) -> Status {
            for (const auto& row : r.rows)
                events.push_back({row.id<AccountId>(1), row.id<MessageId>(0),
                                  event_type(status::kSending), status::kSending, std::nullopt,
                                  now});
            return {};
        }));
    return events;
}

Result<std::vector<Message>> claim(Connection& c, const std::string& owner, Micros now,
                                   Micros lease_until, int limit) {
    const bool pg = c.dialect() == db::Dialect::kPostgres;
    const std::string sql =
        std::string(
            "UPDATE message_queue SET lease_owner = $1, lease_until = $2 WHERE message_id IN "
            "(SELECT message_id FROM message_queue WHERE due_at <= $3 AND lease_until < $3 "
            "ORDER BY due_at LIMIT $4") +
        (pg ? " FOR UPDATE SKIP LOCKED" : "") + ") RETURNING message_id";
    UJ_ASSIGN(auto leased,
              c.query(sql, {owner, lease_until, now, static_cast<std::int64_t>(limit)}));
    std::vector<MessageId> ids;
    for (const auto& r : leased.rows) ids.push_back(r.id<MessageId>(0));
    UJ_ASSIGN(auto events, mark_sending(c, ids, now));
    UJ_TRY(insert_events(c, events));
    return messages_by_ids(c, ids);
}

Result<std::vector<Message>> messages_by_ids(Connection& c, const std::vector<MessageId>& ids) {
    std::vector<Message> out;
    UJ_TRY(db::for_ids(c, std::string("SELECT ") + kMessageColumns + " FROM messages WHERE id", "",
                       {}, ids, [&](QueryResult& r) -> Status {
                           for (const auto& row : r.rows) out.push_back(message_from(row));
                           return {};
                       }));
    return out;
}

Status release_leases(Connection& c, const std::string& owner) {
    return db::done(c.query(
        "UPDATE message_queue SET lease_owner = NULL, lease_until = 0 WHERE lease_owner = $1",
        {owner}));
}

Status release_all_leases(Connection& c) {
    return db::done(c.query(
        "UPDATE message_queue SET lease_owner = NULL, lease_until = 0 WHERE lease_until > 0"));
}

Status probe_write(Connection& c, const std::string& node_id, Micros now) {
    return db::done(c.query(
        "INSERT INTO pipeline_probes (node_id, probed_at) VALUES ($1, $2) ON CONFLICT (node_id) "
        "DO UPDATE SET probed_at = excluded.probed_at",
        {node_id, now}));
}

Status release_leases_of(Connection& c, const std::string& owner,
                         const std::vector<MessageId>& message_ids) {
    return db::for_ids(c,
                       "UPDATE message_queue SET lease_owner = NULL, lease_until = 0 WHERE "
                       "lease_owner = $1 AND message_id",
                       "", {owner}, message_ids, [](QueryResult&) -> Status { return {}; });
}

Status requeue(Connection& c, const MessageId& message_id, Micros due_at) {
    return db::done(
        c.query("UPDATE message_queue SET due_at = $2, lease_owner = NULL, "
                "lease_until = 0 WHERE message_id = $1",
                {message_id.value, due_at}));
}

Status dequeue(Connection& c, const MessageId& message_id) {
    return db::done(c.query("DELETE FROM message_queue WHERE message_id = $1", {message_id.value}));
}

Result<std::int64_t> queued_count(Connection& c) {
    UJ_ASSIGN(auto row, c.query_one("SELECT count(*) FROM message_queue"));
    return row ? row->i64(0) : 0;
}

Status refresh_statistics(Connection& c) {
    if (c.dialect() != db::Dialect::kPostgres) return {};
    return c.run_script("ANALYZE messages, message_parts, message_queue, message_events");
}

Status change_status(Connection& c, const MessageId& message_id, const StatusChange& change,
                     Micros now) {
    UJ_ASSIGN(
        auto r,
        c.query(
            "UPDATE messages SET status = $2, gateway_id = COALESCE($3, gateway_id), "
            "error_code = COALESCE($4, error_code), error_message = COALESCE($5, error_message), "
            "sent_at = COALESCE($6, sent_at), done_at = COALESCE($7, done_at), "
            "attempts = attempts + $8, updated_at = $9 WHERE id = $1" +
                guard_for(change.status),
            {message_id.value, std::string(status_name(change.status)),
             db::optional_id(change.gateway_id), db::optional_text(change.error_code),
             db::optional_text(change.error_message), db::optional_int(change.sent_at),
             db::optional_int(change.done_at),
             static_cast<std::int64_t>(change.count_attempt ? 1 : 0), now}));
    warn_unmoved(r.affected, 1, change.status);
    return {};
}

Status set_cost(Connection& c, const MessageId& message_id, std::int64_t cost) {
    return db::done(
        c.query("UPDATE messages SET cost = $2 WHERE id = $1", {message_id.value, cost}));
}

Status insert_parts(Connection& c, const MessageId& message_id,
                    const std::vector<MessagePart>& parts) {
    for (const auto& p : parts) {
        UJ_TRY(db::done(c.query(
            "INSERT INTO message_parts (message_id, part, gateway_id, provider_id, provider_key, "
            "status, error_code, submitted_at, done_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
            "$9) ON CONFLICT (message_id, part) DO UPDATE SET gateway_id = excluded.gateway_id, "
            "provider_id = excluded.provider_id, provider_key = excluded.provider_key, "
            "status = excluded.status, error_code = excluded.error_code, "
            "submitted_at = excluded.submitted_at, done_at = excluded.done_at",
            {message_id.value, static_cast<std::int64_t>(p.part), p.gateway_id.value,
             db::optional_text(p.provider_id), db::optional_text(p.provider_key), p.status,
             db::optional_text(p.error_code), db::optional_int(p.submitted_at),
             db::optional_int(p.done_at)})));
    }
    return {};
}

Status upsert_parts(Connection& c, const std::vector<PartRow>& parts) {
    std::vector<Value> params;
    return db::for_each_batch(parts.size(), 128, [&](std::size_t first, std::size_t count) {
        params.clear();
        for (std::size_t i = first; i < first + count; ++i) {
            const auto& p = parts[i].part;
            params.emplace_back(parts[i].message_id.value);
            params.emplace_back(static_cast<std::int64_t>(p.part));
            params.emplace_back(p.gateway_id.value);
            params.push_back(db::optional_text(p.provider_id));
            params.push_back(db::optional_text(p.provider_key));
            params.emplace_back(p.status);
            params.push_back(db::optional_text(p.error_code));
            params.push_back(db::optional_int(p.submitted_at));
            params.push_back(db::optional_int(p.done_at));
        }
        return db::done(c.run(
            "INSERT INTO message_parts (message_id, part, gateway_id, provider_id, provider_key, "
            "status, error_code, submitted_at, done_at) VALUES " +
                db::value_rows(static_cast<int>(count), 9) +
                " ON CONFLICT (message_id, part) DO UPDATE SET gateway_id = excluded.gateway_id, "
                "provider_id = excluded.provider_id, provider_key = excluded.provider_key, "
                "status = excluded.status, error_code = excluded.error_code, "
                "submitted_at = excluded.submitted_at, done_at = excluded.done_at",
            params));
    });
}

Status change_status_many(Connection& c, const std::vector<MessageId>& message_ids,
                          const StatusChange& change, Micros now) {
    std::int64_t moved = 0;
    UJ_TRY(db::for_ids(
        c,
        "UPDATE messages SET status = $1, gateway_id = COALESCE($2, gateway_id), "
        "error_code = COALESCE($3, error_code), error_message = COALESCE($4, error_message), "
        "sent_at = COALESCE($5, sent_at), done_at = COALESCE($6, done_at), "
        "attempts = attempts + $7, updated_at = $8 WHERE TRUE" +
            guard_for(change.status) + " AND id",
        "",
        {std::string(status_name(change.status)), db::optional_id(change.gateway_id),
         db::optional_text(change.error_code), db::optional_text(change.error_message),
         db::optional_int(change.sent_at), db::optional_int(change.done_at),
         static_cast<std::int64_t>(change.count_attempt ? 1 : 0), now},
        message_ids, [&](QueryResult& r) -> Status {
            moved += r.affected;
            return {};
        }));
    warn_unmoved(moved, message_ids.size(), change.status);
    return {};
}

Status dequeue_many(Connection& c, const std::vector<MessageId>& message_ids) {
    return db::for_ids(c, "DELETE FROM message_queue WHERE message_id", "", {}, message_ids,
                       [](QueryResult&) -> Status { return {}; });
}

Result<std::vector<PartMatch>> find_parts(Connection& c, const GatewayId& gateway_id,
                                          const std::vector<std::string>& provider_keys) {
    std::vector<PartMatch> out;
    UJ_TRY(db::for_ids(c,
                       "SELECT p.message_id, m.account_id, p.part, m.status, p.provider_key, "
                       "m.channel FROM message_parts p JOIN messages m ON m.id = p.message_id "
                       "WHERE p.gateway_id = $1 AND p.provider_key",
                       "", {gateway_id.value}, provider_keys, [&](QueryResult& r) -> Status {
                           for (const auto& row : r.rows)
                               out.push_back({row.id<MessageId>(0), row.id<AccountId>(1),
                                              static_cast<int>(row.i64(2)), status_in(row, 3),
                                              row.text(4), row.text(5)});
                           return {};
                       }));
    return out;
}

Result<std::vector<PartRow>> parts_of_many(Connection& c,
                                           const std::vector<MessageId>& message_ids) {
    std::vector<PartRow> out;
    UJ_TRY(db::for_ids(c,
                       "SELECT message_id, part, gateway_id, provider_id, status, error_code, "
                       "submitted_at, done_at FROM message_parts WHERE message_id",
                       "", {}, message_ids, [&](QueryResult& r) -> Status {
                           for (const auto& row : r.rows) {
                               PartRow p;
                               p.message_id = row.id<MessageId>(0);
                               p.part.part = static_cast<int>(row.i64(1));
                               p.part.gateway_id = row.id<GatewayId>(2);
                               p.part.provider_id = row.opt_text(3);
                               p.part.status = row.text(4);
                               p.part.error_code = row.opt_text(5);
                               p.part.submitted_at = row.opt_i64(6);
                               p.part.done_at = row.opt_i64(7);
                               out.push_back(std::move(p));
                           }
                           return {};
                       }));
    return out;
}

Status insert_receipts(Connection& c, const std::vector<std::pair<MessageId, Receipt>>& rows) {
    std::vector<Value> params;
    return db::for_each_batch(rows.size(), 128, [&](std::size_t first, std::size_t count) {
        params.clear();
        for (std::size_t i = first; i < first + count; ++i) {
            const auto& [message_id, r] = rows[i];
            params.emplace_back(r.id);
            params.emplace_back(message_id.value);
            params.emplace_back(static_cast<std::int64_t>(r.part));
            params.emplace_back(r.gateway_id.value);
            params.emplace_back(r.provider_id);
            params.emplace_back(r.stat);
            params.push_back(db::optional_text(r.error_code));
            params.push_back(db::optional_text(r.submit_date));
            params.push_back(db::optional_text(r.done_date));
            params.emplace_back(r.received_at);
        }
        return db::done(c.run(
            "INSERT INTO message_receipts (id, message_id, part, gateway_id, provider_id, stat, "
            "error_code, submit_date, done_date, received_at) VALUES " +
                db::value_rows(static_cast<int>(count), 10),
            params));
    });
}

Status insert_early_receipts(Connection& c, const std::vector<EarlyReceipt>& rows) {
    std::vector<Value> params;
    return db::for_each_batch(rows.size(), 100, [&](std::size_t first, std::size_t count) {
        params.clear();
        for (std::size_t i = first; i < first + count; ++i) {
            const auto& e = rows[i];
            params.emplace_back(e.id);
            params.emplace_back(e.receipt.gateway_id.value);
            params.emplace_back(e.receipt.provider_id);
            params.emplace_back(e.receipt.provider_key);
            params.emplace_back(e.receipt.stat);
            params.emplace_back(e.receipt.status);
            params.push_back(db::optional_text(e.receipt.error_code));
            params.push_back(db::optional_text(e.receipt.submit_date));
            params.push_back(db::optional_text(e.receipt.done_date));
            params.emplace_back(e.received_at);
        }
        return db::done(c.run(
            "INSERT INTO early_receipts (id, gateway_id, provider_id, provider_key, stat, status, "
            "error_code, submit_date, done_date, received_at) VALUES " +
                db::value_rows(static_cast<int>(count), 10),
            params));
    });
}

Result<std::vector<EarlyReceipt>> matched_early_receipts(Connection& c, int limit) {
    UJ_ASSIGN(auto r, c.query("SELECT e.id, e.gateway_id, e.provider_id, e.provider_key, e.stat, "
                              "e.status, e.error_code, e.submit_date, e.done_date, e.received_at "
                              "FROM early_receipts e WHERE EXISTS (SELECT 1 FROM message_parts p "
                              "JOIN messages m ON m.id = p.message_id WHERE p.gateway_id = "
                              "e.gateway_id AND p.provider_key = e.provider_key) "
                              "ORDER BY e.received_at LIMIT $1",
                              {static_cast<std::int64_t>(limit)}));
    std::vector<EarlyReceipt> out;
    out.reserve(r.rows.size());
    for (const auto& row : r.rows) {
        EarlyReceipt e;
        e.id = row.text(0);
        e.receipt.gateway_id = row.id<GatewayId>(1);
        e.receipt.provider_id = row.text(2);
        e.receipt.provider_key = row.text(3);
        e.receipt.stat = row.text(4);
        e.receipt.status = row.text(5);
        e.receipt.error_code = row.opt_text(6);
        e.receipt.submit_date = row.opt_text(7);
        e.receipt.done_date = row.opt_text(8);
        e.received_at = row.i64(9);
        out.push_back(std::move(e));
    }
    return out;
}

Status delete_early_receipts(Connection& c, const std::vector<std::string>& ids) {
    return db::for_ids(c, "DELETE FROM early_receipts WHERE id", "", {}, ids,
                       [](QueryResult&) -> Status { return {}; });
}

Result<std::int64_t> drop_early_receipts(Connection& c, Micros cutoff) {
    return c.execute("DELETE FROM early_receipts WHERE received_at < $1", {cutoff});
}

Result<std::vector<MessageId>> overdue_sent(Connection& c, Micros now, Micros timeout, int limit) {
    UJ_ASSIGN(auto r, c.query("SELECT m.id FROM messages m LEFT JOIN gateways g ON g.id = "
                              "m.gateway_id WHERE m.status = 'sent' AND m.direction = 'outbound' "
                              "AND m.channel <> 'email' "
                              "AND m.sent_at < $1 - COALESCE(g.receipt_timeout_s * 1000000, $2) "
                              "LIMIT $3",
                              {now, timeout, static_cast<std::int64_t>(limit)}));
    std::vector<MessageId> out;
    out.reserve(r.rows.size());
    for (const auto& row : r.rows) out.push_back(row.id<MessageId>(0));
    return out;
}

Result<std::vector<StillSent>> still_sent(Connection& c, const std::vector<MessageId>& ids) {
    std::vector<StillSent> out;
    UJ_TRY(db::for_ids(
        c, "SELECT id, account_id, channel, gateway_id FROM messages WHERE status = 'sent' AND id",
        "", {}, ids, [&](QueryResult& r) -> Status {
            for (const auto& row : r.rows)
                out.push_back({row.id<AccountId>(1),
                               {row.id<MessageId>(0), row.text(2), row.opt_id<GatewayId>(3)}});
            return {};
        }));
    return out;
}

Result<QueueDepth> queue_depth(Connection& c, Micros now) {
    UJ_ASSIGN(auto r,
              c.query("SELECT count(*), min(due_at) FROM message_queue WHERE due_at <= $1", {now}));
    QueueDepth out;
    if (!r.rows.empty()) {
        out.due = r.rows[0].i64(0);
        out.oldest_due_at = r.rows[0].opt_i64(1);
    }
    return out;
}

Result<std::vector<BacklogCount>> backlog(Connection& c, Micros now) {
    constexpr Micros kMinute = 60 * kMicrosPerSecond, kHour = 60 * kMinute, kDay = 24 * kHour;
    UJ_ASSIGN(auto r,
              c.query("SELECT status, CASE WHEN updated_at >= $1 THEN 0 WHEN updated_at >= $2 "
                      "THEN 1 WHEN updated_at >= $3 THEN 2 WHEN updated_at >= $4 THEN 3 ELSE 4 "
                      "END AS age, count(*) FROM messages WHERE status IN ('scheduled', "
                      "'queued', 'sending', 'sent') GROUP BY 1, 2 ORDER BY 1, 2",
                      {now - kMinute, now - kHour, now - kDay, now - 2 * kDay}));
    std::vector<BacklogCount> out;
    for (const auto& row : r.rows) {
        if (out.empty() || out.back().status != row.text(0)) out.push_back({row.text(0), {}});
        const auto age = static_cast<std::size_t>(std::clamp<std::int64_t>(row.i64(1), 0, 4));
        out.back().by_age[age] += row.i64(2);
    }
    return out;
}

Status set_first_parts(Connection& c, const std::vector<MessageId>& message_ids,
                       const std::string& status, const std::optional<std::string>& error_code,
                       Micros done_at) {
    return db::for_ids(
        c,
        "UPDATE message_parts SET status = $1, error_code = COALESCE($2, error_code), "
        "done_at = $3 WHERE part = 1 AND message_id",
        "", {status, db::optional_text(error_code), done_at}, message_ids,
        [](QueryResult&) -> Status { return {}; });
}

Result<std::optional<PartRef>> find_part(Connection& c, const GatewayId& gateway_id,
                                         const std::string& provider_key) {
    return db::one<PartRef>(
        c.query_one("SELECT p.message_id, m.account_id, p.part, m.status FROM message_parts p "
                    "JOIN messages m ON m.id = p.message_id "
                    "WHERE p.gateway_id = $1 AND p.provider_key = $2",
                    {gateway_id.value, provider_key}),
        [](const Row& r) {
            return PartRef{r.id<MessageId>(0), r.id<AccountId>(1), static_cast<int>(r.i64(2)),
                           status_in(r, 3)};
        });
}

Status update_part(Connection& c, const MessageId& message_id, int part, const std::string& status,
                   const std::optional<std::string>& error_code, std::optional<Micros> done_at) {
    return db::done(
        c.query("UPDATE message_parts SET status = $3, error_code = COALESCE($4, error_code), "
                "done_at = COALESCE($5, done_at) WHERE message_id = $1 AND part = $2",
                {message_id.value, static_cast<std::int64_t>(part), status,
                 db::optional_text(error_code), db::optional_int(done_at)}));
}

Result<std::vector<MessagePart>> parts_of(Connection& c, const MessageId& message_id) {
    return db::all<MessagePart>(
        c.query("SELECT part, gateway_id, provider_id, status, error_code, submitted_at, done_at "
                "FROM message_parts WHERE message_id = $1 ORDER BY part",
                {message_id.value}),
        [](const Row& r) {
            MessagePart p;
            p.part = static_cast<int>(r.i64(0));
            p.gateway_id = r.id<GatewayId>(1);
            p.provider_id = r.opt_text(2);
            p.status = r.text(3);
            p.error_code = r.opt_text(4);
            p.submitted_at = r.opt_i64(5);
            p.done_at = r.opt_i64(6);
            return p;
        });
}

Status insert_receipt(Connection& c, const MessageId& message_id, const Receipt& r) {
    return db::done(c.query(
        "INSERT INTO message_receipts (id, message_id, part, gateway_id, provider_id, stat, "
        "error_code, submit_date, done_date, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
        "$8, $9, $10)",
        {r.id, message_id.value, static_cast<std::int64_t>(r.part), r.gateway_id.value,
         r.provider_id, r.stat, db::optional_text(r.error_code), db::optional_text(r.submit_date),
         db::optional_text(r.done_date), r.received_at}));
}

Result<std::optional<Message>> find_message(Connection& c, const AccountId& account,
                                            const MessageId& id) {
    return db::one<Message>(c.query_one(std::string("SELECT ") + kMessageColumns +
                                            " FROM messages WHERE account_id = $1 AND id = $2",
                                        {account.value, id.value}),
                            message_from);
}

Result<db::WindowListing<Message>> list_messages(Connection& c, const AccountId& account,
                                                 const MessageQuery& q, const db::Window& w) {
    UJ_ASSIGN(auto f, message_filter(c, account, q));
    db::WindowListing<Message> out;
    // Exact from the rollups when they keep the filters; else counted, up
    // to a bound.
    if (rollups_answer(q)) {
        UJ_ASSIGN(auto counts, stats_from_rollups(c, account, q));
        out.count = counts.total;
    } else {
        UJ_TRY(count_matches(c, q, f, out));
    }
    UJ_TRY(read_window(c, f, w, out));
    return out;
}

Result<db::WindowListing<Message>> messages_in_window(Connection& c, const AccountId& account,
                                                      const MessageQuery& q, const db::Window& w) {
    UJ_ASSIGN(auto f, message_filter(c, account, q));
    db::WindowListing<Message> out;
    UJ_TRY(read_window(c, f, w, out));
    return out;
}

Result<std::int64_t> rebuild_search(Connection& c) {
    if (c.dialect() != db::Dialect::kSqlite) return 0;  // PostgreSQL's indexes keep themselves
    UJ_TRY(c.run_script("INSERT INTO message_search (message_search) VALUES ('delete-all')"));
    UJ_ASSIGN(auto r, c.query("INSERT INTO message_search (rowid, body, to_number) "
                              "SELECT rowid, body, to_number FROM messages"));
    return r.affected;
}

namespace {

// What was folded into the message's row (history_codec.h); nothing
// before the fold.
Result<FoldedHistory> folded_history(Connection& c, const MessageId& message_id) {
    UJ_ASSIGN(auto row,
              c.query_one("SELECT history FROM messages WHERE id = $1", {message_id.value}));
    if (!row || row->is_null(0)) return FoldedHistory{};
    return decode_history(row->text(0));
}

}  // namespace

Result<std::vector<MessageEvent>> events_of(Connection& c, const MessageId& message_id) {
    UJ_ASSIGN(auto folded, folded_history(c, message_id));
    UJ_ASSIGN(auto rows, db::all<MessageEvent>(
                             c.query(std::string("SELECT ") + kEventColumns +
                                         " FROM message_events WHERE message_id = $1 ORDER BY seq",
                                     {message_id.value}),
                             [](const Row& r) { return event_from(r, 0); }));
    // Folded events are older than the rows left (a fold takes them all).
    auto out = std::move(folded.events);
    out.insert(out.end(), std::make_move_iterator(rows.begin()),
               std::make_move_iterator(rows.end()));
    return out;
}

Receipt receipt_from(const Row& r, std::size_t at) {
    Receipt out;
    out.id = r.text(at);
    out.part = static_cast<int>(r.i64(at + 1));
    out.gateway_id = r.id<GatewayId>(at + 2);
    out.provider_id = r.text(at + 3);
    out.stat = r.text(at + 4);
    out.error_code = r.opt_text(at + 5);
    out.submit_date = r.opt_text(at + 6);
    out.done_date = r.opt_text(at + 7);
    out.received_at = r.i64(at + 8);
    return out;
}

MessageEvent event_from(const Row& r, std::size_t at) {
    return MessageEvent{r.i64(at), r.text(at + 1), r.text(at + 2), r.opt_text(at + 3),
                        r.i64(at + 4)};
}

Result<std::vector<Receipt>> receipts_of(Connection& c, const MessageId& message_id) {
    UJ_ASSIGN(auto folded, folded_history(c, message_id));
    UJ_ASSIGN(auto rows,
              db::all<Receipt>(c.query(std::string("SELECT ") + kReceiptColumns +
                                           " FROM message_receipts WHERE message_id = $1 "
                                           "ORDER BY received_at, id",
                                       {message_id.value}),
                               [](const Row& r) { return receipt_from(r, 0); }));
    auto out = std::move(folded.receipts);
    out.insert(out.end(), std::make_move_iterator(rows.begin()),
               std::make_move_iterator(rows.end()));
    return out;
}

Result<MessageStats> stats(Connection& c, const AccountId& account, const MessageQuery& q) {
    if (rollups_answer(q)) return stats_from_rollups(c, account, q);
    return stats_from_messages(c, account, q);
}

Result<MessageStats> stats_from_messages(Connection& c, const AccountId& account,
                                         const MessageQuery& q) {
    UJ_ASSIGN(auto f, message_filter(c, account, q));
    UJ_ASSIGN(auto rows, c.run("SELECT direction, status, count(*), COALESCE(sum(segments), 0) "
                               "FROM messages" +
                                   f.sql() + " GROUP BY direction, status ORDER BY 1, 2",
                               f.params()));
    StatsTally tally;
    for (const auto& r : rows.rows) tally.add(r.text(0), r.text(1), r.i64(2), r.i64(3));
    return tally.stats();
}

void StatsTally::add(const std::string& direction, const std::string& status, std::int64_t messages,
                     std::int64_t segments) {
    by_status_[status] += messages;
    by_direction_[direction] += messages;
    total_ += messages;
    segments_ += segments;
}

void StatsTally::add(const MessageStats& s) {
    for (const auto& [k, v] : s.by_status) by_status_[k] += v;
    for (const auto& [k, v] : s.by_direction) by_direction_[k] += v;
    total_ += s.total;
    segments_ += s.segments;
}

MessageStats StatsTally::stats() const {
    MessageStats out;
    out.total = total_;
    out.segments = segments_;
    for (const auto& [k, v] : by_status_)
        if (v != 0) out.by_status.emplace_back(k, v);
    for (const auto& [k, v] : by_direction_)
        if (v != 0) out.by_direction.emplace_back(k, v);
    return out;
}

Status insert_sender_id(Connection& c, const SenderIdRecord& s) {
    return db::done(c.query(
        "INSERT INTO sender_ids (id, account_id, sender, kind, country, status, purpose, reason, "
        "decided_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
        "$11)",
        {s.id.value, s.account_id.value, s.sender, s.kind, s.country, s.status, s.purpose,
         db::optional_text(s.reason), db::optional_int(s.decided_at), s.created_at, s.updated_at}));
}

Status update_sender_id(Connection& c, const SenderIdRecord& s) {
    return db::done(
        c.query("UPDATE sender_ids SET status = $2, reason = $3, decided_at = $4, "
                "purpose = $5, updated_at = $6 WHERE id = $1",
                {s.id.value, s.status, db::optional_text(s.reason), db::optional_int(s.decided_at),
                 s.purpose, s.updated_at}));
}

Status delete_sender_id(Connection& c, const SenderIdRecordId& id) {
    return db::done(c.query("DELETE FROM sender_ids WHERE id = $1", {id.value}));
}

Result<std::optional<SenderIdRecord>> find_sender_id(Connection& c, const AccountScope& scope,
                                                     const SenderIdRecordId& id) {
    if (scope.is_all())
        return db::one<SenderIdRecord>(
            c.query_one(std::string("SELECT ") + kSenderColumns + " FROM sender_ids WHERE id = $1",
                        {id.value}),
            sender_from);
    return db::one<SenderIdRecord>(
        c.query_one(std::string("SELECT ") + kSenderColumns +
                        " FROM sender_ids WHERE account_id = $1 AND id = $2",
                    {scope.account().value, id.value}),
        sender_from);
}

Result<db::Listing<SenderIdRecord>> list_sender_ids(Connection& c, const SenderIdQuery& q,
                                                    db::Paged page) {
    db::Filter f;
    if (!q.scope.is_all()) f.add("account_id = {}", q.scope.account().value);
    if (q.status) f.add("status = {}", *q.status);
    if (q.country) f.add("country = {}", *q.country);
    if (q.search) f.add("lower(sender) LIKE {} ESCAPE '\\'", db::like_contains(*q.search));
    db::Listing<SenderIdRecord> out;
    UJ_ASSIGN(out.count, db::count_of(c, "SELECT count(*) FROM sender_ids", f));
    const std::string sql = std::string("SELECT ") + kSenderColumns + " FROM sender_ids" + f.sql() +
                            " ORDER BY created_at DESC, id DESC" + db::limit_clause(f, page);
    UJ_ASSIGN(out.items, db::all<SenderIdRecord>(c.run(sql, f.params()), sender_from));
    return out;
}

Result<bool> sender_approved(Connection& c, const AccountId& account, const std::string& sender,
                             const std::string& country) {
    UJ_ASSIGN(auto row, c.query_one("SELECT 1 FROM sender_ids WHERE account_id = $1 AND "
                                    "sender = $2 AND country IN ($3, 'ZZ') AND "
                                    "status = 'approved'",
                                    {account.value, sender, country}));
    return row.has_value();
}

Result<std::optional<AccountId>> owner_of_number(Connection& c, const std::string& number) {
    UJ_ASSIGN(auto row, c.query_one("SELECT account_id FROM sender_ids WHERE sender = $1 AND "
                                    "kind = 'numeric' AND status = 'approved' "
                                    "ORDER BY decided_at LIMIT 1",
                                    {number}));
    if (!row) return std::optional<AccountId>{};
    return std::optional<AccountId>(row->id<AccountId>(0));
}

Status insert_fragment(Connection& c, const GatewayId& gateway_id, const std::string& source,
                       int reference, int total, const Fragment& f, Micros now) {
    return db::done(c.query(
        "INSERT INTO inbound_fragments (gateway_id, source, reference, total, part, destination, "
        "body, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
        "ON CONFLICT (gateway_id, source, reference, part) DO NOTHING",
        {gateway_id.value, source, static_cast<std::int64_t>(reference),
         static_cast<std::int64_t>(total), static_cast<std::int64_t>(f.part), f.destination, f.body,
         now}));
}

Result<std::vector<Fragment>> fragments(Connection& c, const GatewayId& gateway_id,
                                        const std::string& source, int reference) {
    return db::all<Fragment>(
        c.query("SELECT part, destination, body FROM inbound_fragments WHERE gateway_id = $1 "
                "AND source = $2 AND reference = $3 ORDER BY part",
                {gateway_id.value, source, static_cast<std::int64_t>(reference)}),
        [](const Row& r) {
            return Fragment{static_cast<int>(r.i64(0)), r.text(1), r.text(2)};
        });
}

Status delete_fragments(Connection& c, const GatewayId& gateway_id, const std::string& source,
                        int reference) {
    return db::done(
        c.query("DELETE FROM inbound_fragments WHERE gateway_id = $1 AND source = $2 "
                "AND reference = $3",
                {gateway_id.value, source, static_cast<std::int64_t>(reference)}));
}

Result<std::vector<CampaignTally>> campaign_tally(Connection& c, const CampaignId& id) {
    // The counts come from the index alone; prices are read from the rows
    // of the few statuses that are ever refunded (a million delivered
    // messages are not read every few seconds).
    UJ_ASSIGN(auto r, c.query("SELECT status, count(*) FROM messages WHERE campaign_id = $1 "
                              "GROUP BY status",
                              {id.value}));
    std::vector<CampaignTally> out;
    for (const auto& row : r.rows) out.push_back({status_in(row, 0), row.i64(1), 0});
    UJ_ASSIGN(auto priced, c.query("SELECT status, COALESCE(sum(price), 0) FROM messages "
                                   "WHERE campaign_id = $1 AND status IN ('undelivered', "
                                   "'expired', 'rejected', 'failed', 'canceled') GROUP BY status",
                                   {id.value}));
    for (const auto& row : priced.rows)
        for (auto& t : out)
            if (t.status == status_in(row, 0)) t.price = row.i64(1);
    return out;
}

Result<CampaignReport> campaign_report(Connection& c, const CampaignId& id) {
    CampaignReport out;
    const std::string hour = std::to_string(3600 * kMicrosPerSecond);
    const std::string failed = "('failed', 'undelivered', 'expired', 'rejected')";
    std::map<Micros, CampaignReport::Hour> hours;
    UJ_ASSIGN(auto accepted, c.query("SELECT (created_at / " + hour + ") * " + hour +
                                         ", count(*) FROM messages WHERE campaign_id = $1 "
                                         "GROUP BY 1",
                                     {id.value}));
    for (const auto& r : accepted.rows) hours[r.i64(0)].accepted = r.i64(1);
    UJ_ASSIGN(auto done,
              c.query("SELECT (done_at / " + hour + ") * " + hour +
                          ", count(*) FILTER (WHERE status IN ('delivered', 'read')), count(*) "
                          "FILTER (WHERE status IN " +
                          failed +
                          ") FROM messages WHERE campaign_id = $1 AND done_at IS "
                          "NOT NULL GROUP BY 1",
                      {id.value}));
    for (const auto& r : done.rows) {
        auto& h = hours[r.i64(0)];
        h.delivered = r.i64(1);
        h.failed = r.i64(2);
    }
    for (auto& [at, h] : hours) {
        h.hour = at;
        out.hours.push_back(h);
    }
    UJ_ASSIGN(auto errors, c.query("SELECT error_code, count(*) FROM messages WHERE campaign_id "
                                   "= $1 AND error_code IS NOT NULL GROUP BY error_code ORDER BY "
                                   "2 DESC, 1",
                                   {id.value}));
    for (const auto& r : errors.rows) out.errors.emplace_back(r.text(0), r.i64(1));
    UJ_ASSIGN(auto places,
              c.query("SELECT min(to_number), count(*), count(*) FILTER "
                      "(WHERE status IN ('delivered', 'read')), count(*) FILTER (WHERE status "
                      "IN " +
                          failed +
                          ") FROM messages WHERE campaign_id = $1 GROUP BY substr(to_number, 1, 7)",
                      {id.value}));
    for (const auto& r : places.rows)
        out.countries.push_back({r.text(0), r.i64(1), r.i64(2), r.i64(3)});
    return out;
}

Result<std::int64_t> campaign_waiting(Connection& c, const CampaignId& id) {
    UJ_ASSIGN(auto row, c.query_one("SELECT count(*) FROM messages WHERE campaign_id = $1 AND "
                                    "status IN ('queued', 'sending')",
                                    {id.value}));
    return row ? row->i64(0) : 0;
}

}  // namespace ujumbe::messaging::store
