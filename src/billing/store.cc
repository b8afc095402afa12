#include "billing/store.h"

#include <map>

#include "core/money.h"
#include "db/event_outbox.h"

namespace ujumbe::billing::store {

namespace {

using db::Row;
using db::Value;

constexpr const char* kEntryColumns =
    "id, account_id, currency, type, amount, balance_after, reference, description, actor_id, "
    "message_id, counterparty_id, channel, country, created_at";

LedgerEntry entry_from(const Row& r) {
    LedgerEntry e;
    e.id = r.id<LedgerEntryId>(0);
    e.account_id = AccountId{r.text(1)};
    e.currency = r.text(2);
    e.type = r.text(3);
    e.amount = r.i64(4);
    e.balance_after = r.i64(5);
    e.reference = r.opt_text(6);
    e.description = r.text(7);
    e.actor_id = r.opt_id<UserId>(8);
    e.message_id = r.opt_id<MessageId>(9);
    e.counterparty_id = r.opt_id<AccountId>(10);
    e.channel = r.opt_text(11);
    e.country = r.opt_text(12);
    e.created_at = r.i64(13);
    return e;
}

void append_entry(std::vector<Value>& out, const LedgerEntry& e) {
    out.emplace_back(e.id.value);
    out.emplace_back(e.account_id.value);
    out.emplace_back(e.currency);
    out.emplace_back(e.type);
    out.emplace_back(e.amount);
    out.emplace_back(e.balance_after);
    out.push_back(db::optional_text(e.reference));
    out.emplace_back(e.description);
    out.push_back(db::optional_id(e.actor_id));
    out.push_back(db::optional_id(e.message_id));
    out.push_back(db::optional_id(e.counterparty_id));
    out.push_back(db::optional_text(e.channel));
    out.push_back(db::optional_text(e.country));
    out.emplace_back(e.created_at);
}

Wallet wallet_from(const Row& r) {
    return Wallet{AccountId{r.text(0)}, r.text(1), r.i64(2), r.i64(3), r.i64(4), r.i64(5),
                  r.opt_i64(6)};
}

constexpr const char* kRateColumns =
    "id, account_id, channel, prefix, country, price, markup_ppm, currency, created_at, "
    "updated_at, gateway_id";

Rate rate_from(const Row& r) {
    Rate x;
    x.id = r.id<RateId>(0);
    x.account_id = r.opt_id<AccountId>(1);
    x.channel = r.text(2);
    x.prefix = r.text(3);
    x.country = r.text(4);
    x.price = r.opt_i64(5);
    x.markup_ppm = r.opt_i64(6);
    x.currency = r.text(7);
    x.created_at = r.i64(8);
    x.updated_at = r.i64(9);
    x.gateway_id = r.opt_id<GatewayId>(10);
    return x;
}

void add_filters(db::Filter& f, const LedgerQuery& q) {
    if (q.type) f.add("type = {}", *q.type);
    if (q.message_id) f.add("message_id = {}", q.message_id->value);
    if (q.from) f.add("created_at >= {}", *q.from);
    if (q.until) f.add("created_at < {}", *q.until);
}

// A sum of amounts as two SQL sums, of whole units and of micro-units, that
// cannot overflow a 64-bit SQL integer (nor turn into a REAL on SQLite)
// however many entries they add; sum_of() puts them together.
std::string split_sum(const std::string& column) {
    return "sum(" + column + " / 1000000), sum(" + column + " % 1000000)";
}
MoneySum sum_of(const Row& r, std::size_t at) {
    return static_cast<MoneySum>(r.i64(at)) * kMicrosPerUnit + r.i64(at + 1);
}

}  // namespace

Result<Wallet> ensure_wallet(Connection& c, const AccountId& account, const std::string& currency,
                             Micros now) {
    UJ_TRY(
        db::done(c.query("INSERT INTO wallets (account_id, currency, balance, credit_limit, "
                         "created_at, updated_at) VALUES ($1, $2, 0, 0, $3, $3) "
                         "ON CONFLICT (account_id, currency) DO NOTHING",
                         {account.value, currency, now})));
    UJ_ASSIGN(auto w, find_wallet(c, account, currency));
    if (!w) return Error::internal("wallet missing after insert");
    return std::move(*w);
}

Result<std::optional<Wallet>> find_wallet(Connection& c, const AccountId& account,
                                          const std::string& currency) {
    return db::one<Wallet>(
        c.query_one("SELECT account_id, currency, balance, credit_limit, created_at, updated_at, "
                    "low_balance_threshold FROM wallets WHERE account_id = $1 AND currency = $2",
                    {account.value, currency}),
        wallet_from);
}

Result<std::optional<Micros6>> move_balance(Connection& c, const AccountId& account,
                                            const std::string& currency, Micros6 delta, Micros now,
                                            Micros6 ceiling) {
    UJ_ASSIGN(auto row,
              c.query_one("UPDATE wallets SET balance = balance + $3, updated_at = $4 "
                          "WHERE account_id = $1 AND currency = $2 AND "
                          "(CAST($3 AS BIGINT) >= 0 OR balance + $3 >= -credit_limit) AND "
                          "($3 <= 0 OR balance + $3 <= $5) "
                          "RETURNING balance, low_balance_threshold",
                          {account.value, currency, delta, now, ceiling}));
    if (!row) return std::optional<Micros6>{};
    const Micros6 balance = row->i64(0);
    // Crossing the threshold downwards tells the account's webhooks once;
    // the next alert needs a top-up above it first.
    if (const auto threshold = row->opt_i64(1);
        threshold && delta < 0 && balance < *threshold && balance - delta >= *threshold) {
        const nlohmann::json data = {{"wallet",
                                      {{"currency", currency},
                                       {"balance", money_json(balance)},
                                       {"low_balance_threshold", money_json(*threshold)}}}};
        UJ_TRY(db::append_events(
            c, {{account.value, "wallet.low_balance", std::nullopt, data.dump(), now}}));
    }
    return std::optional<Micros6>(balance);
}

Status set_low_balance_threshold(Connection& c, const AccountId& account,
                                 const std::string& currency, std::optional<Micros6> threshold,
                                 Micros now) {
    return db::done(
        c.query("UPDATE wallets SET low_balance_threshold = $3, updated_at = $4 "
                "WHERE account_id = $1 AND currency = $2",
                {account.value, currency, db::optional_int(threshold), now}));
}

Status set_credit_limit(Connection& c, const AccountId& account, const std::string& currency,
                        Micros6 limit, Micros now) {
    return db::done(
        c.query("UPDATE wallets SET credit_limit = $3, updated_at = $4 "
                "WHERE account_id = $1 AND currency = $2",
                {account.value, currency, limit, now}));
}

Status insert_entries(Connection& c, const std::vector<LedgerEntry>& entries) {
    std::vector<Value> params;
    return db::for_each_batch(entries.size(), 128, [&](std::size_t first, std::size_t count) {
        params.clear();
        for (std::size_t i = first; i < first + count; ++i) append_entry(params, entries[i]);
        return db::done(c.run(std::string("INSERT INTO ledger_entries (") + kEntryColumns +
                                  ") VALUES " + db::value_rows(static_cast<int>(count), 14),
                              params));
    });
}

Result<std::optional<LedgerEntry>> find_by_reference(Connection& c, const AccountId& account,
                                                     const std::string& type,
                                                     const std::string& reference) {
    return db::one<LedgerEntry>(
        c.query_one(std::string("SELECT ") + kEntryColumns +
                        " FROM ledger_entries WHERE account_id = $1 AND type = $2 AND "
                        "reference = $3",
                    {account.value, type, reference}),
        entry_from);
}

Result<db::WindowListing<LedgerEntry>> list_entries(Connection& c, const AccountId& account,
                                                    const LedgerQuery& q, const db::Window& w) {
    db::Filter f({account.value});
    f.where("account_id = $1");
    add_filters(f, q);
    db::WindowListing<LedgerEntry> out;
    UJ_TRY(db::count_up_to(c, "FROM ledger_entries", f, db::kExactCountCap, out));
    const auto tail = db::window_clause(f, w, "created_at", "id");
    UJ_ASSIGN(out.items, db::all<LedgerEntry>(c.run(std::string("SELECT ") + kEntryColumns +
                                                        " FROM ledger_entries" + f.sql() + tail,
                                                    f.params()),
                                              entry_from));
    db::settle(out, w, [](const LedgerEntry& e) { return db::Position{e.created_at, e.id.value}; });
    return out;
}

Result<std::vector<LedgerEntry>> entries_after(Connection& c, const AccountId& account,
                                               const LedgerQuery& q, const std::string& after_id,
                                               int limit) {
    db::Filter f({account.value});
    f.where("account_id = $1");
    add_filters(f, q);
    f.add("id > {}", after_id);
    const std::string sql = std::string("SELECT ") + kEntryColumns + " FROM ledger_entries" +
                            f.sql() + " ORDER BY id LIMIT " + f.bind(std::int64_t{limit});
    return db::all<LedgerEntry>(c.run(sql, f.params()), entry_from);
}

Result<std::vector<LedgerEntry>> charges_of(Connection& c,
                                            const std::vector<MessageId>& message_ids) {
    std::vector<LedgerEntry> out;
    UJ_TRY(db::for_ids(c,
                       std::string("SELECT ") + kEntryColumns +
                           " FROM ledger_entries WHERE type = 'charge' AND message_id",
                       "", {}, message_ids, [&](db::QueryResult& r) -> Status {
                           for (const auto& row : r.rows) out.push_back(entry_from(row));
                           return {};
                       }));
    return out;
}

Result<bool> refunded(Connection& c, const AccountId& account, const MessageId& message_id) {
    UJ_ASSIGN(auto row, c.query_one("SELECT 1 FROM ledger_entries WHERE account_id = $1 AND "
                                    "message_id = $2 AND type = 'refund'",
                                    {account.value, message_id.value}));
    return row.has_value();
}

Result<bool> insert_refund_once(Connection& c, const LedgerEntry& refund) {
    std::vector<Value> params;
    append_entry(params, refund);
    UJ_ASSIGN(auto r, c.run(std::string("INSERT INTO ledger_entries (") + kEntryColumns +
                                ") VALUES " + db::value_rows(1, 14) +
                                " ON CONFLICT (account_id, message_id) WHERE type = 'refund' "
                                "DO NOTHING RETURNING id",
                            params));
    return !r.rows.empty();
}

Result<std::vector<DailyLedger>> daily_ledger(Connection& c, const AccountId& account,
                                              const std::string& currency, std::int64_t first_day,
                                              std::int64_t past_day) {
    UJ_ASSIGN(auto rows, c.query("SELECT day, type, channel, country, actor_id, entries, units, "
                                 "micros FROM ledger_rollups WHERE account_id = $1 AND "
                                 "currency = $2 AND day >= $3 AND day < $4 "
                                 "ORDER BY 1, 2, 3, 4, 5",
                                 {account.value, currency, first_day, past_day}));
    std::vector<DailyLedger> out;
    out.reserve(rows.rows.size());
    for (const auto& r : rows.rows)
        out.push_back({.day = r.i64(0),
                       .type = r.text(1),
                       .channel = r.text(2),
                       .country = r.text(3),
                       .actor_id = r.text(4),
                       .entries = r.i64(5),
                       .amount = sum_of(r, 6)});
    return out;
}

Result<std::int64_t> rebuild_ledger_rollups(Connection& c) {
    if (c.dialect() == db::Dialect::kPostgres)
        UJ_TRY(c.run_script("LOCK TABLE ledger_entries IN SHARE MODE"));
    UJ_TRY(c.run_script("DELETE FROM ledger_rollups"));
    UJ_ASSIGN(auto r, c.query("INSERT INTO ledger_rollups (account_id, day, currency, type, "
                              "channel, country, actor_id, entries, units, micros) SELECT "
                              "account_id, created_at / 86400000000, currency, type, "
                              "COALESCE(channel, ''), COALESCE(country, ''), "
                              "COALESCE(actor_id, ''), count(*), sum(amount / 1000000), "
                              "sum(amount % 1000000) FROM ledger_entries "
                              "GROUP BY 1, 2, 3, 4, 5, 6, 7"));
    return r.affected;
}

Result<std::vector<ClientRevenue>> revenue_by_client(Connection& c, const AccountId& reseller,
                                                     const std::string& currency, Micros from,
                                                     Micros until) {
    // Each side from its own ledger: the reseller's entries name the client
    // as counterparty; the client's are its message charges and refunds.
    // A client the reseller charges nothing for has no entry of the first.
    const std::vector<Value> params{reseller.value, currency, from, until};
    UJ_ASSIGN(auto paid_by_reseller,
              c.run("SELECT counterparty_id, " + split_sum("amount") +
                        " FROM ledger_entries WHERE account_id = $1 AND currency = $2 AND "
                        "type IN ('charge', 'refund') AND counterparty_id IS NOT NULL AND "
                        "created_at >= $3 AND created_at < $4 GROUP BY counterparty_id",
                    params));
    UJ_ASSIGN(auto paid_by_clients,
              c.run("SELECT e.account_id, sum(CASE WHEN e.type = 'charge' THEN 1 ELSE 0 END), " +
                        split_sum("e.amount") +
                        " FROM accounts a JOIN ledger_entries e ON e.account_id = a.id WHERE "
                        "a.parent_id = $1 AND e.currency = $2 AND e.type IN ('charge', "
                        "'refund') AND e.message_id IS NOT NULL AND e.created_at >= $3 AND "
                        "e.created_at < $4 GROUP BY e.account_id",
                    params));
    std::map<std::string, ClientRevenue> by_client;
    for (const auto& r : paid_by_reseller.rows) {
        auto& row = by_client[r.text(0)];
        row.reseller_paid = -sum_of(r, 1);
    }
    for (const auto& r : paid_by_clients.rows) {
        auto& row = by_client[r.text(0)];
        row.messages = r.i64(1);
        row.client_paid = -sum_of(r, 2);
    }
    std::vector<ClientRevenue> out;
    out.reserve(by_client.size());
    for (auto& [id, row] : by_client) {
        row.account_id = AccountId{id};
        row.revenue = row.client_paid - row.reseller_paid;
        out.push_back(std::move(row));
    }
    return out;
}

Result<Statement> statement(Connection& c, const AccountId& account, const std::string& currency,
                            Micros from, Micros until) {
    Statement s;
    s.account_id = account;
    s.currency = currency;
    s.from = from;
    s.until = until;
    UJ_ASSIGN(auto before,
              c.query_one("SELECT balance_after FROM ledger_entries WHERE account_id = $1 AND "
                          "currency = $2 AND created_at < $3 ORDER BY created_at DESC, id DESC "
                          "LIMIT 1",
                          {account.value, currency, from}));
    s.opening = before ? before->i64(0) : 0;
    s.closing = s.opening;
    UJ_ASSIGN(auto types, c.query("SELECT type, count(*), " + split_sum("amount") +
                                      " FROM ledger_entries WHERE account_id = $1 AND "
                                      "currency = $2 AND created_at >= $3 AND created_at < $4 "
                                      "GROUP BY type ORDER BY type",
                                  {account.value, currency, from, until}));
    for (const auto& r : types.rows) {
        s.by_type.push_back({r.text(0), r.i64(1), sum_of(r, 2)});
        s.closing += sum_of(r, 2);  // the ledger adds up: every balance moves by its entries
    }
    UJ_ASSIGN(auto destinations,
              c.query("SELECT COALESCE(channel, ''), COALESCE(country, ''), count(*), " +
                          split_sum("amount") +
                          " FROM ledger_entries WHERE account_id = $1 AND currency = $2 "
                          "AND type = 'charge' AND created_at >= $3 AND created_at < $4 "
                          "GROUP BY 1, 2 ORDER BY 1, 2",
                      {account.value, currency, from, until}));
    for (const auto& r : destinations.rows)
        s.charges.push_back({r.text(0), r.text(1), r.i64(2), sum_of(r, 3)});
    UJ_ASSIGN(s.children, revenue_by_client(c, account, currency, from, until));
    return s;
}

namespace {
constexpr const char* kPlanColumns =
    "p.id, p.code, p.name, p.monthly_fee, p.included_messages, p.max_users, p.max_contacts, "
    "p.max_messages_per_day, p.sort_order, p.rate_limit_auth, p.rate_limit_send, "
    "p.rate_limit_bulk, p.rate_limit_default, p.body_retention_days, p.message_retention_days";

Plan plan_from(const Row& r, std::size_t at = 0) {
    Plan p{r.text(at),        r.text(at + 1),    r.text(at + 2),
           r.i64(at + 3),     r.i64(at + 4),     r.opt_i64(at + 5),
           r.opt_i64(at + 6), r.opt_i64(at + 7), static_cast<int>(r.i64(at + 8))};
    for (std::size_t i = 0; i < p.rate_limits.size(); ++i) p.rate_limits[i] = r.opt_i64(at + 9 + i);
    p.body_retention_days = r.opt_i64(at + 13);
    p.message_retention_days = r.opt_i64(at + 14);
    return p;
}

// A subscription's own columns, then its plan's (kPlanColumns).
constexpr const char* kSubscriptionColumns =
    "s.account_id, s.status, s.period_start, s.period_end, s.included_used, s.cycle_anchor, "
    "s.past_due_since, s.renewal_tried_at, s.lapsed_at";

Subscription subscription_from(const Row& r) {
    Subscription s;
    s.account_id = AccountId{r.text(0)};
    s.status = r.text(1);
    s.period_start = r.i64(2);
    s.period_end = r.i64(3);
    s.included_used = r.i64(4);
    s.cycle_anchor = r.opt_i64(5).value_or(s.period_start);
    s.past_due_since = r.opt_i64(6);
    s.renewal_tried_at = r.opt_i64(7);
    s.lapsed_at = r.opt_i64(8);
    s.plan = plan_from(r, 9);
    return s;
}
}  // namespace

Result<std::vector<Plan>> plans(Connection& c) {
    return db::all<Plan>(c.query(std::string("SELECT ") + kPlanColumns +
                                 " FROM plans p ORDER BY p.sort_order, p.code"),
                         [](const Row& r) { return plan_from(r); });
}

Result<std::optional<Plan>> find_plan(Connection& c, const std::string& code) {
    return db::one<Plan>(
        c.query_one(std::string("SELECT ") + kPlanColumns + " FROM plans p WHERE p.code = $1",
                    {code}),
        [](const Row& r) { return plan_from(r); });
}

Result<std::optional<Subscription>> find_subscription(Connection& c, const AccountId& account) {
    return db::one<Subscription>(
        c.query_one(std::string("SELECT ") + kSubscriptionColumns + ", " + kPlanColumns +
                        " FROM subscriptions s JOIN plans p ON p.id = s.plan_id "
                        "WHERE s.account_id = $1",
                    {account.value}),
        subscription_from);
}

Status put_subscription(Connection& c, const Subscription& s, Micros now) {
    return db::done(c.query(
        "INSERT INTO subscriptions (account_id, plan_id, status, period_start, period_end, "
        "cycle_anchor, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $4, $6, $6) "
        "ON CONFLICT (account_id) DO UPDATE SET plan_id = excluded.plan_id, "
        "status = excluded.status, period_start = excluded.period_start, "
        "period_end = excluded.period_end, cycle_anchor = excluded.cycle_anchor, "
        "included_used = 0, past_due_since = NULL, renewal_tried_at = NULL, lapsed_at = NULL, "
        "updated_at = excluded.updated_at",
        {s.account_id.value, s.plan.id, s.status, s.period_start, s.period_end, now}));
}

Result<std::vector<Subscription>> due_renewals(Connection& c, Micros now, Micros tried_before,
                                               std::size_t limit) {
    return db::all<Subscription>(
        c.query(std::string("SELECT ") + kSubscriptionColumns + ", " + kPlanColumns +
                    " FROM subscriptions s JOIN plans p ON p.id = s.plan_id "
                    "WHERE s.status = 'active' AND s.period_end <= $1 AND "
                    "(s.renewal_tried_at IS NULL OR s.renewal_tried_at <= $2) "
                    "ORDER BY s.period_end LIMIT $3",
                {now, tried_before, static_cast<std::int64_t>(limit)}),
        subscription_from);
}

Result<bool> claim_renewal(Connection& c, const Subscription& s, Micros now) {
    UJ_ASSIGN(auto n,
              c.execute("UPDATE subscriptions SET renewal_tried_at = $4 "
                        "WHERE account_id = $1 AND status = 'active' AND "
                        "period_end = $2 AND COALESCE(renewal_tried_at, -1) = $3",
                        {s.account_id.value, s.period_end, s.renewal_tried_at.value_or(-1), now}));
    return n == 1;
}

Status renew_subscription(Connection& c, const AccountId& account, Micros start, Micros end,
                          Micros now) {
    return db::done(c.query(
        "UPDATE subscriptions SET period_start = $2, period_end = $3, included_used = 0, "
        "past_due_since = NULL, renewal_tried_at = NULL, updated_at = $4 WHERE account_id = $1",
        {account.value, start, end, now}));
}

Status mark_past_due(Connection& c, const AccountId& account, Micros now) {
    return db::done(
        c.query("UPDATE subscriptions SET past_due_since = "
                "COALESCE(past_due_since, $2), updated_at = $2 WHERE account_id = $1",
                {account.value, now}));
}

Status lapse_subscription(Connection& c, const AccountId& account, Micros now) {
    return db::done(
        c.query("UPDATE subscriptions SET status = 'canceled', lapsed_at = $2, "
                "updated_at = $2 WHERE account_id = $1",
                {account.value, now}));
}

Result<std::int64_t> use_included(Connection& c, const AccountId& account, std::int64_t n,
                                  Micros now) {
    // PostgreSQL: the row is locked before it is read, so two charges of the
    // account committing at once cannot both grant the last included messages
    // (SQLite has one writer).
    const bool pg = c.dialect() == db::Dialect::kPostgres;
    UJ_ASSIGN(auto row, c.query_one(std::string("SELECT s.included_used, p.included_messages FROM "
                                                "subscriptions s JOIN plans p ON p.id = s.plan_id "
                                                "WHERE s.account_id = $1 AND s.status = 'active' "
                                                "AND s.period_start <= $2 AND s.period_end > $2") +
                                        (pg ? " FOR UPDATE OF s" : ""),
                                    {account.value, now}));
    if (!row) return std::int64_t{0};
    const std::int64_t granted = std::max<std::int64_t>(0, std::min(n, row->i64(1) - row->i64(0)));
    if (granted > 0)
        UJ_TRY(
            db::done(c.query("UPDATE subscriptions SET included_used = included_used + $2 "
                             "WHERE account_id = $1",
                             {account.value, granted})));
    return granted;
}

Result<MoneySum> charged(Connection& c, const AccountId& account, Micros from, Micros until) {
    UJ_ASSIGN(auto row, c.query_one("SELECT count(*), " + split_sum("amount") +
                                        " FROM ledger_entries WHERE account_id = $1 AND type = "
                                        "'charge' AND created_at >= $2 AND created_at < $3",
                                    {account.value, from, until}));
    if (!row || row->i64(0) == 0) return MoneySum{0};
    return sum_of(*row, 1);
}

Result<std::vector<Rate>> card_of(Connection& c, const CardOwner& owner) {
    if (!owner)
        return db::all<Rate>(c.query(std::string("SELECT ") + kRateColumns +
                                     " FROM rates WHERE account_id IS NULL ORDER BY prefix"),
                             rate_from);
    return db::all<Rate>(c.query(std::string("SELECT ") + kRateColumns +
                                     " FROM rates WHERE account_id = $1 ORDER BY prefix",
                                 {owner->value}),
                         rate_from);
}

Result<std::optional<Rate>> find_rate(Connection& c, const RateId& id) {
    return db::one<Rate>(
        c.query_one(std::string("SELECT ") + kRateColumns + " FROM rates WHERE id = $1",
                    {id.value}),
        rate_from);
}

Result<std::optional<Rate>> find_line(Connection& c, const CardOwner& owner,
                                      const std::string& channel, const std::string& prefix,
                                      const std::string& country, const std::string& gateway_id) {
    const std::string whose = owner ? "account_id = $5" : "account_id IS NULL";
    std::vector<Value> params = {channel, prefix, country, gateway_id};
    if (owner) params.emplace_back(owner->value);
    UJ_ASSIGN(auto r, c.run(std::string("SELECT ") + kRateColumns + " FROM rates WHERE " + whose +
                                " AND channel = $1 AND prefix = $2 AND country = $3 AND "
                                "COALESCE(gateway_id, '') = $4",
                            params));
    if (r.rows.empty()) return std::optional<Rate>{};
    return std::optional<Rate>(rate_from(r.rows.front()));
}

Status insert_rate(Connection& c, const Rate& r) {
    return db::done(
        c.query("INSERT INTO rates (id, account_id, channel, prefix, country, price, markup_ppm, "
                "currency, created_at, updated_at, gateway_id) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                {r.id.value, db::optional_id(r.account_id), r.channel, r.prefix, r.country,
                 db::optional_int(r.price), db::optional_int(r.markup_ppm), r.currency,
                 r.created_at, r.updated_at, db::optional_id(r.gateway_id)}));
}

Status update_rate(Connection& c, const Rate& r) {
    return db::done(c.query(
        "UPDATE rates SET price = $2, markup_ppm = $3, updated_at = $4 WHERE id = $1",
        {r.id.value, db::optional_int(r.price), db::optional_int(r.markup_ppm), r.updated_at}));
}

Status delete_rate(Connection& c, const RateId& id) {
    return db::done(c.query("DELETE FROM rates WHERE id = $1", {id.value}));
}

}  // namespace ujumbe::billing::store
