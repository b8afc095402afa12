#include "webhooks/store.h"

#include <algorithm>

#include "db/filter.h"

namespace ujumbe::webhooks::store {

namespace {

using db::QueryResult;
using db::Row;
using db::Value;

constexpr const char* kEndpointColumns =
    "id, account_id, url, events, description, enabled, failing_since, disabled_reason, "
    "secret_rotated_at, previous_until, created_at, updated_at";

std::string join_events(const std::vector<std::string>& events) {
    std::string out;
    for (const auto& e : events) out += (out.empty() ? "" : ",") + e;
    return out;
}

std::vector<std::string> split_events(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = std::min(text.find(',', start), text.size());
        if (end > start) out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

Endpoint endpoint_from(const Row& r) {
    Endpoint e;
    e.id = r.id<WebhookId>(0);
    e.account_id = r.id<AccountId>(1);
    e.url = r.text(2);
    e.events = split_events(r.text(3));
    e.description = r.opt_text(4);
    e.enabled = r.boolean(5);
    e.failing_since = r.opt_i64(6);
    e.disabled_reason = r.opt_text(7);
    e.secret_rotated_at = r.opt_i64(8);
    e.previous_until = r.opt_i64(9);
    e.created_at = r.i64(10);
    e.updated_at = r.i64(11);
    return e;
}

constexpr const char* kDeliveryColumns =
    "d.id, d.account_id, d.webhook_id, d.url, d.event_id, d.event_type, d.message_id, d.body, "
    "d.status, d.attempts, d.next_attempt_at, d.response_status, d.latency_ms, d.error, "
    "d.response_excerpt, d.delivered_at, d.created_at, d.updated_at";
constexpr std::size_t kDeliveryWidth = 18;

Delivery delivery_from(const Row& r) {
    Delivery d;
    d.id = r.id<DeliveryId>(0);
    d.account_id = r.id<AccountId>(1);
    d.webhook_id = r.opt_id<WebhookId>(2);
    d.url = r.text(3);
    d.event_id = r.text(4);
    d.event_type = r.text(5);
    d.message_id = r.opt_id<MessageId>(6);
    d.body = r.text(7);
    d.status = parse_delivery_status(r.text(8)).value_or(DeliveryStatus::kPending);
    d.attempts = static_cast<int>(r.i64(9));
    d.next_attempt_at = r.opt_i64(10);
    if (auto v = r.opt_i64(11)) d.response_status = static_cast<int>(*v);
    if (auto v = r.opt_i64(12)) d.latency_ms = static_cast<int>(*v);
    d.error = r.opt_text(13);
    d.response_excerpt = r.opt_text(14);
    d.delivered_at = r.opt_i64(15);
    d.created_at = r.i64(16);
    d.updated_at = r.i64(17);
    return d;
}

std::optional<SealedSecrets> secrets_from(const Row& r, std::size_t first) {
    if (r.is_null(first)) return std::nullopt;
    return SealedSecrets{r.text(first), r.opt_text(first + 1), r.opt_i64(first + 2)};
}

std::vector<std::string> texts_of(const std::vector<WebhookId>& ids) {
    std::vector<std::string> out;
    out.reserve(ids.size());
    for (const auto& id : ids) out.push_back(id.value);
    return out;
}

Status run_for(Connection& c, const std::string& head, const std::vector<Value>& fixed,
               const std::vector<std::string>& keys) {
    return db::for_ids(c, head, "", fixed, keys, [](QueryResult&) -> Status { return {}; });
}

}  // namespace

// ---- endpoints

Status insert_endpoint(Connection& c, const Endpoint& e, const std::string& sealed_secret) {
    return db::done(c.query(
        "INSERT INTO webhook_endpoints (id, account_id, url, events, description, enabled, "
        "secret, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        {e.id.value, e.account_id.value, e.url, join_events(e.events),
         db::optional_text(e.description), e.enabled, sealed_secret, e.created_at, e.updated_at}));
}

Status update_endpoint(Connection& c, const Endpoint& e) {
    return db::done(c.query(
        "UPDATE webhook_endpoints SET url = $3, events = $4, description = $5, enabled = $6, "
        "failing_since = $7, disabled_reason = $8, updated_at = $9 WHERE account_id = $1 AND "
        "id = $2",
        {e.account_id.value, e.id.value, e.url, join_events(e.events),
         db::optional_text(e.description), e.enabled, db::optional_int(e.failing_since),
         db::optional_text(e.disabled_reason), e.updated_at}));
}

Status rotate_endpoint_secret(Connection& c, const Endpoint& e, const SealedSecrets& s) {
    return db::done(c.query(
        "UPDATE webhook_endpoints SET secret = $3, previous_secret = $4, previous_until = $5, "
        "secret_rotated_at = $6, updated_at = $6 WHERE account_id = $1 AND id = $2",
        {e.account_id.value, e.id.value, s.secret, db::optional_text(s.previous),
         db::optional_int(s.previous_until), e.updated_at}));
}

Status delete_endpoint(Connection& c, const AccountId& account, const WebhookId& id) {
    UJ_TRY(
        db::done(c.query("DELETE FROM webhook_deliveries WHERE account_id = $1 AND webhook_id = $2",
                         {account.value, id.value})));
    return db::done(c.query("DELETE FROM webhook_endpoints WHERE account_id = $1 AND id = $2",
                            {account.value, id.value}));
}

Result<std::optional<Endpoint>> find_endpoint(Connection& c, const AccountId& account,
                                              const WebhookId& id) {
    return db::one<Endpoint>(
        c.query_one(std::string("SELECT ") + kEndpointColumns +
                        " FROM webhook_endpoints WHERE account_id = $1 AND id = $2",
                    {account.value, id.value}),
        endpoint_from);
}

Result<std::optional<SealedSecrets>> endpoint_secrets(Connection& c, const WebhookId& id) {
    UJ_ASSIGN(auto row, c.query_one("SELECT secret, previous_secret, previous_until FROM "
                                    "webhook_endpoints WHERE id = $1",
                                    {id.value}));
    if (!row) return std::optional<SealedSecrets>();
    return secrets_from(*row, 0);
}

Result<db::Listing<Endpoint>> list_endpoints(Connection& c, const AccountId& account,
                                             db::Paged page) {
    db::Filter f({account.value});
    f.where("account_id = $1");
    db::Listing<Endpoint> out;
    UJ_ASSIGN(out.count, db::count_of(c, "SELECT count(*) FROM webhook_endpoints", f));
    const std::string sql = std::string("SELECT ") + kEndpointColumns + " FROM webhook_endpoints" +
                            f.sql() + " ORDER BY created_at, id" + db::limit_clause(f, page);
    UJ_ASSIGN(out.items, db::all<Endpoint>(c.run(sql, f.params()), endpoint_from));
    return out;
}

Result<std::int64_t> count_endpoints(Connection& c, const AccountId& account) {
    UJ_ASSIGN(auto row, c.query_one("SELECT count(*) FROM webhook_endpoints WHERE account_id = $1",
                                    {account.value}));
    return row ? row->i64(0) : 0;
}

Result<std::vector<SigningEndpoint>> enabled_endpoints(Connection& c,
                                                       const std::vector<std::string>& accounts) {
    std::vector<SigningEndpoint> out;
    UJ_TRY(db::for_ids(c,
                       std::string("SELECT ") + kEndpointColumns +
                           ", secret, previous_secret, previous_until FROM webhook_endpoints "
                           "WHERE enabled = TRUE AND account_id",
                       "", {}, accounts, [&](QueryResult& r) -> Status {
                           for (const auto& row : r.rows)
                               out.push_back({endpoint_from(row), *secrets_from(row, 12)});
                           return {};
                       }));
    return out;
}

// ---- callback secrets

Result<std::optional<SealedSecrets>> callback_secrets(Connection& c, const AccountId& account) {
    UJ_ASSIGN(auto row, c.query_one("SELECT secret, previous_secret, previous_until FROM "
                                    "webhook_callback_secrets WHERE account_id = $1",
                                    {account.value}));
    if (!row) return std::optional<SealedSecrets>();
    return secrets_from(*row, 0);
}

Status put_callback_secrets(Connection& c, const AccountId& account, const SealedSecrets& s,
                            Micros now) {
    return db::done(c.query(
        "INSERT INTO webhook_callback_secrets (account_id, secret, previous_secret, "
        "previous_until, rotated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id) DO "
        "UPDATE SET secret = excluded.secret, previous_secret = excluded.previous_secret, "
        "previous_until = excluded.previous_until, rotated_at = excluded.rotated_at",
        {account.value, s.secret, db::optional_text(s.previous), db::optional_int(s.previous_until),
         now}));
}

// ---- the outbox

Result<bool> outbox_has_rows(Connection& c) {
    UJ_ASSIGN(auto row, c.query_one("SELECT 1 FROM event_outbox LIMIT 1", {}));
    return row.has_value();
}

Result<std::vector<OutboxRow>> take_outbox(Connection& c, int limit) {
    const bool pg = c.dialect() == db::Dialect::kPostgres;
    const std::string sql =
        std::string(
            "DELETE FROM event_outbox WHERE seq IN (SELECT seq FROM event_outbox ORDER "
            "BY seq LIMIT $1") +
        (pg ? " FOR UPDATE SKIP LOCKED" : "") +
        ") RETURNING seq, id, account_id, type, message_id, data, created_at";
    UJ_ASSIGN(auto result, c.query(sql, {static_cast<std::int64_t>(limit)}));
    std::vector<OutboxRow> out;
    out.reserve(result.rows.size());
    for (const auto& r : result.rows)
        out.push_back({r.i64(0), r.text(1), r.id<AccountId>(2), r.text(3), r.opt_id<MessageId>(4),
                       r.opt_text(5), r.i64(6)});
    std::sort(out.begin(), out.end(),
              [](const OutboxRow& a, const OutboxRow& b) { return a.seq < b.seq; });
    return out;
}

// ---- deliveries

Status insert_deliveries(Connection& c, const std::vector<Delivery>& rows,
                         const std::vector<std::string>& targets, const std::string& owner,
                         const std::vector<Micros>& leases) {
    std::vector<Value> params;
    return db::for_each_batch(rows.size(), 64, [&](std::size_t first, std::size_t count) {
        params.clear();
        for (std::size_t i = first; i < first + count; ++i) {
            const auto& d = rows[i];
            params.emplace_back(d.id.value);
            params.emplace_back(d.account_id.value);
            params.push_back(db::optional_id(d.webhook_id));
            params.emplace_back(targets[i]);
            params.emplace_back(d.url);
            params.emplace_back(d.event_id);
            params.emplace_back(d.event_type);
            params.push_back(db::optional_id(d.message_id));
            params.emplace_back(d.body);
            params.emplace_back(std::string(delivery_status_name(d.status)));
            params.push_back(db::optional_int(d.next_attempt_at));
            params.emplace_back(d.created_at);
            params.emplace_back(d.updated_at);
            const Micros lease = i < leases.size() ? leases[i] : 0;
            params.emplace_back(lease > 0 ? owner : std::string());
            params.emplace_back(lease);
        }
        return db::done(
            c.run("INSERT INTO webhook_deliveries (id, account_id, webhook_id, target, url, "
                  "event_id, event_type, message_id, body, status, next_attempt_at, created_at, "
                  "updated_at, lease_owner, lease_until) VALUES " +
                      db::value_rows(static_cast<int>(count), 15),
                  params));
    });
}

Result<std::vector<Claimed>> claim_due(Connection& c, const std::string& owner, Micros now,
                                       Micros lease_until, int per_target, int limit,
                                       const std::vector<std::string>& skip_targets) {
    // The oldest due of each target, a few per target, so that one target
    // with a long backlog never fills a claim.
    db::Filter f({now, static_cast<std::int64_t>(per_target), static_cast<std::int64_t>(limit)});
    f.where("status = 'pending' AND next_attempt_at <= $1 AND lease_until < $1");
    // A disabled endpoint's deliveries wait until it is enabled again.
    // (NOT EXISTS keeps SQLite on the index of due deliveries.)
    f.where(
        "NOT EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = d.webhook_id AND "
        "e.enabled = FALSE)");
    if (!skip_targets.empty()) {
        std::string list;
        for (const auto& t : skip_targets) list += (list.empty() ? "" : ", ") + f.bind(t);
        f.where("target NOT IN (" + list + ")");
    }
    UJ_ASSIGN(auto picked,
              c.run("SELECT id FROM (SELECT id, next_attempt_at, ROW_NUMBER() OVER (PARTITION BY "
                    "target ORDER BY next_attempt_at, id) AS n FROM webhook_deliveries d" +
                        f.sql() + ") due WHERE n <= $2 ORDER BY next_attempt_at LIMIT $3",
                    f.params()));
    std::vector<std::string> ids;
    for (const auto& r : picked.rows) ids.push_back(r.text(0));
    // The lease is taken only where no other node took it in between.
    std::vector<std::string> leased;
    UJ_TRY(db::for_ids(c,
                       "UPDATE webhook_deliveries SET lease_owner = $1, lease_until = $2 WHERE "
                       "status = 'pending' AND lease_until < $3 AND id",
                       " RETURNING id", {owner, lease_until, now}, ids,
                       [&](QueryResult& r) -> Status {
                           for (const auto& row : r.rows) leased.push_back(row.text(0));
                           return {};
                       }));
    std::vector<Claimed> out;
    UJ_TRY(db::for_ids(
        c,
        std::string("SELECT ") + kDeliveryColumns +
            ", d.target, COALESCE(e.url, d.url), COALESCE(e.secret, s.secret), "
            "COALESCE(e.previous_secret, s.previous_secret), COALESCE(e.previous_until, "
            "s.previous_until) FROM webhook_deliveries d LEFT JOIN webhook_endpoints e ON "
            "e.id = d.webhook_id LEFT JOIN webhook_callback_secrets s ON d.webhook_id IS NULL "
            "AND s.account_id = d.account_id WHERE d.id",
        "", {}, leased, [&](QueryResult& r) -> Status {
            for (const auto& row : r.rows) {
                Claimed claimed{delivery_from(row), row.text(kDeliveryWidth),
                                secrets_from(row, kDeliveryWidth + 2)};
                claimed.delivery.url = row.text(kDeliveryWidth + 1);
                out.push_back(std::move(claimed));
            }
            return {};
        }));
    std::sort(out.begin(), out.end(), [](const Claimed& a, const Claimed& b) {
        return std::tie(a.delivery.next_attempt_at, a.delivery.id) <
               std::tie(b.delivery.next_attempt_at, b.delivery.id);
    });
    return out;
}

Result<std::pair<std::int64_t, std::optional<Micros>>> backlog(Connection& c) {
    UJ_ASSIGN(auto r, c.query("SELECT count(*), min(created_at) FROM webhook_deliveries WHERE "
                              "status = 'pending'"));
    if (r.rows.empty()) return std::make_pair(std::int64_t{0}, std::optional<Micros>());
    return std::make_pair(r.rows[0].i64(0), r.rows[0].opt_i64(1));
}

Result<bool> has_due(Connection& c, Micros now) {
    UJ_ASSIGN(auto row, c.query_one("SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND "
                                    "next_attempt_at <= $1 AND lease_until < $1 LIMIT 1",
                                    {now}));
    return row.has_value();
}

Status release_leases_of(Connection& c, const std::string& owner) {
    return db::done(
        c.query("UPDATE webhook_deliveries SET lease_owner = '', lease_until = 0 WHERE "
                "status = 'pending' AND lease_owner = $1",
                {owner}));
}

Status record_attempts(Connection& c, const std::vector<Attempt>& attempts, Micros now) {
    // Many rows per statement: UPDATE ... FROM VALUES (both engines name
    // the columns column1, column2, ...; PostgreSQL reads the parameters as
    // text, hence the casts).
    std::vector<Value> params;
    return db::for_each_batch(attempts.size(), 64, [&](std::size_t first, std::size_t count) {
        params.clear();
        for (std::size_t i = first; i < first + count; ++i) {
            const auto& a = attempts[i];
            const bool final_failure = !a.ok && !a.retry_at;
            params.emplace_back(a.id.value);
            params.emplace_back(std::string(a.ok            ? "delivered"
                                            : final_failure ? "failed"
                                                            : "pending"));
            params.push_back(db::optional_int(a.retry_at));
            params.push_back(a.response_status
                                 ? Value(static_cast<std::int64_t>(*a.response_status))
                                 : Value(nullptr));
            params.emplace_back(static_cast<std::int64_t>(a.latency_ms));
            params.push_back(db::optional_text(a.error));
            params.push_back(db::optional_text(a.response_excerpt));
            params.push_back(a.ok ? Value(now) : Value(nullptr));
        }
        params.emplace_back(now);
        const std::string updated_at = "$" + std::to_string(params.size());
        return db::done(c.run(
            "UPDATE webhook_deliveries SET status = v.column2, attempts = attempts + 1, "
            "next_attempt_at = CAST(v.column3 AS BIGINT), lease_owner = '', lease_until = 0, "
            "response_status = CAST(v.column4 AS INTEGER), latency_ms = CAST(v.column5 AS "
            "INTEGER), error = v.column6, response_excerpt = v.column7, delivered_at = "
            "CAST(v.column8 AS BIGINT), updated_at = " +
                updated_at + " FROM (VALUES " + db::value_rows(static_cast<int>(count), 8) +
                ") AS v WHERE webhook_deliveries.id = v.column1 AND webhook_deliveries.status = "
                "'pending'",
            params));
    });
}

Status note_endpoint_results(Connection& c, const std::vector<WebhookId>& succeeded,
                             const std::vector<WebhookId>& failed, Micros now) {
    if (!succeeded.empty())
        UJ_TRY(run_for(c,
                       "UPDATE webhook_endpoints SET failing_since = NULL WHERE failing_since IS "
                       "NOT NULL AND id",
                       {}, texts_of(succeeded)));
    if (!failed.empty())
        UJ_TRY(run_for(c,
                       "UPDATE webhook_endpoints SET failing_since = $1 WHERE failing_since IS "
                       "NULL AND id",
                       {now}, texts_of(failed)));
    return {};
}

Result<std::vector<Endpoint>> failing_before(Connection& c, const std::vector<WebhookId>& ids,
                                             Micros cutoff) {
    std::vector<Endpoint> out;
    UJ_TRY(db::for_ids(c,
                       std::string("SELECT ") + kEndpointColumns +
                           " FROM webhook_endpoints WHERE enabled = TRUE AND failing_since <= $1 "
                           "AND id",
                       "", {cutoff}, texts_of(ids), [&](QueryResult& r) -> Status {
                           for (const auto& row : r.rows) out.push_back(endpoint_from(row));
                           return {};
                       }));
    return out;
}

Status disable_endpoint(Connection& c, const WebhookId& id, const std::string& reason, Micros now) {
    UJ_TRY(
        db::done(c.query("UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = $2, "
                         "updated_at = $3 WHERE id = $1",
                         {id.value, reason, now})));
    return db::done(
        c.query("UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = "
                "NULL, lease_owner = '', lease_until = 0, error = 'endpoint disabled', "
                "updated_at = $2 WHERE webhook_id = $1 AND status = 'pending'",
                {id.value, now}));
}

Result<std::int64_t> drop_finished_before(Connection& c, Micros cutoff) {
    UJ_ASSIGN(auto r, c.query("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND "
                              "updated_at < $1",
                              {cutoff}));
    return r.affected;
}

Status refresh_statistics(Connection& c) {
    if (c.dialect() != db::Dialect::kPostgres) return {};
    return c.run_script("ANALYZE webhook_deliveries, event_outbox");
}

Result<db::WindowListing<Delivery>> list_deliveries(Connection& c, const AccountId& account,
                                                    const WebhookId& webhook,
                                                    std::optional<DeliveryStatus> status,
                                                    const db::Window& w) {
    db::Filter f({account.value, webhook.value});
    f.where("d.account_id = $1 AND d.webhook_id = $2");
    if (status) f.add("d.status = {}", std::string(delivery_status_name(*status)));
    db::WindowListing<Delivery> out;
    UJ_TRY(db::count_up_to(c, "FROM webhook_deliveries d", f, db::kExactCountCap, out));
    const auto tail = db::window_clause(f, w, "d.created_at", "d.id");
    UJ_ASSIGN(out.items, db::all<Delivery>(c.run(std::string("SELECT ") + kDeliveryColumns +
                                                     " FROM webhook_deliveries d" + f.sql() + tail,
                                                 f.params()),
                                           delivery_from));
    db::settle(out, w, [](const Delivery& d) { return db::Position{d.created_at, d.id.value}; });
    return out;
}

Result<std::optional<Delivery>> find_delivery(Connection& c, const AccountId& account,
                                              const WebhookId& webhook, const DeliveryId& id) {
    return db::one<Delivery>(
        c.query_one(std::string("SELECT ") + kDeliveryColumns +
                        " FROM webhook_deliveries d WHERE d.account_id = $1 AND d.webhook_id = "
                        "$2 AND d.id = $3",
                    {account.value, webhook.value, id.value}),
        delivery_from);
}

Status redeliver(Connection& c, const DeliveryId& id, Micros now) {
    return db::done(
        c.query("UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $2, "
                "lease_owner = '', lease_until = 0, updated_at = $2 WHERE id = $1",
                {id.value, now}));
}

}  // namespace ujumbe::webhooks::store
