#include "smpp_server/store.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace ujumbe::smpp_server::store {

namespace {

using db::QueryResult;
using db::Row;
using db::Value;
using json = nlohmann::json;

constexpr const char* kColumns =
    "id, account_id, user_id, system_id, binds, allowed_ips, throughput, is_active, created_at, "
    "updated_at, password";

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
    return out;
}

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find(',', start);
        if (end == std::string::npos) end = text.size();
        if (end > start) out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

std::string binds_text(const std::vector<BindKind>& binds) {
    std::vector<std::string> names;
    for (auto b : binds) names.emplace_back(bind_name(b));
    return join(names);
}

StoredAccount account_from(const Row& r) {
    StoredAccount s;
    auto& a = s.account;
    a.id = SmppAccountId{r.text(0)};
    a.account_id = AccountId{r.text(1)};
    a.user_id = UserId{r.text(2)};
    a.system_id = r.text(3);
    for (const auto& name : split(r.text(4)))
        if (auto b = parse_bind(name)) a.binds.push_back(*b);
    a.allowed_ips = split(r.text(5));
    a.throughput = static_cast<int>(r.i64(6));
    a.is_active = r.boolean(7);
    a.created_at = r.i64(8);
    a.updated_at = r.i64(9);
    s.sealed_password = r.text(10);
    return s;
}

// " AND account_id = $n" for one account's scope, binding it.
std::string scope_clause(db::Filter& f, const AccountScope& scope) {
    if (scope.is_all()) return "";
    return " AND account_id = " + f.bind(scope.account().value);
}

const char* kind_name(DeliveryKind k) {
    return k == DeliveryKind::kReceipt ? "receipt" : "inbound";
}

json delivery_json(const PendingDelivery& d) {
    json out = {{"message_id", d.message_id}, {"from", d.from}, {"to", d.to}};
    if (d.kind == DeliveryKind::kInbound) {
        out["text"] = d.text;
        return out;
    }
    out["status"] = d.status;
    if (d.error_code) out["error_code"] = *d.error_code;
    out["submitted_at"] = d.submitted_at;
    out["done_at"] = d.done_at;
    return out;
}

PendingDelivery delivery_from(const Row& r) {
    PendingDelivery d;
    d.id = r.i64(0);
    d.smpp_account_id = SmppAccountId{r.text(1)};
    d.kind = r.text(2) == "inbound" ? DeliveryKind::kInbound : DeliveryKind::kReceipt;
    const json m = json::parse(r.text(3), nullptr, false);
    const auto text = [&](const char* key) {
        auto it = m.is_object() ? m.find(key) : m.end();
        return m.is_object() && it != m.end() && it->is_string() ? it->get<std::string>()
                                                                 : std::string();
    };
    const auto number = [&](const char* key) -> Micros {
        auto it = m.is_object() ? m.find(key) : m.end();
        return m.is_object() && it != m.end() && it->is_number_integer() ? it->get<Micros>() : 0;
    };
    d.message_id = MessageId{text("message_id")};
    d.from = text("from");
    d.to = text("to");
    d.text = text("text");
    d.status = text("status");
    if (auto code = text("error_code"); !code.empty()) d.error_code = code;
    d.submitted_at = number("submitted_at");
    d.done_at = number("done_at");
    d.created_at = r.i64(4);
    d.attempts = static_cast<int>(r.i64(5));
    return d;
}

// Runs `sql_head` + " IN (...)" over `ids` in statement-sized batches.
Status for_numbers(Connection& c, const std::string& sql_head, const std::vector<Value>& fixed,
                   const std::vector<std::int64_t>& ids) {
    return db::for_each_batch(ids.size(), 256, [&](std::size_t first, std::size_t count) {
        std::vector<Value> params = fixed;
        for (std::size_t i = 0; i < count; ++i) params.emplace_back(ids[first + i]);
        const std::string sql =
            sql_head + " IN (" + db::placeholders(static_cast<int>(fixed.size()) + 1, count) + ")";
        return db::done(c.run(sql, params));
    });
}

}  // namespace

Status insert_account(Connection& c, const SmppAccount& a, const std::string& sealed_password) {
    return db::done(c.query(
        "INSERT INTO smpp_accounts (id, account_id, user_id, system_id, binds, allowed_ips, "
        "throughput, is_active, created_at, updated_at, password) VALUES ($1, $2, $3, $4, $5, $6, "
        "$7, $8, $9, $10, $11)",
        {a.id.value, a.account_id.value, a.user_id.value, a.system_id, binds_text(a.binds),
         join(a.allowed_ips), static_cast<std::int64_t>(a.throughput), a.is_active, a.created_at,
         a.updated_at, sealed_password}));
}

Result<std::optional<StoredAccount>> find_account(Connection& c, const AccountScope& scope,
                                                  const SmppAccountId& id) {
    db::Filter f;
    const std::string sql = std::string("SELECT ") + kColumns +
                            " FROM smpp_accounts WHERE id = " + f.bind(id.value) +
                            scope_clause(f, scope);
    UJ_ASSIGN(auto result, c.run(sql, f.params()));
    if (result.rows.empty()) return std::optional<StoredAccount>{};
    return std::optional<StoredAccount>(account_from(result.rows.front()));
}

Result<std::optional<StoredAccount>> find_by_system_id(Connection& c,
                                                       const std::string& system_id) {
    return db::one<StoredAccount>(
        c.query_one(std::string("SELECT ") + kColumns + " FROM smpp_accounts WHERE system_id = $1",
                    {system_id}),
        account_from);
}

Result<db::Listing<SmppAccount>> list_accounts(Connection& c, const AccountScope& scope,
                                               const db::Paged& page) {
    db::Filter f;
    const std::string where = " WHERE 1 = 1" + scope_clause(f, scope);
    db::Listing<SmppAccount> out;
    UJ_ASSIGN(out.count, db::count_of(c, "SELECT count(*) FROM smpp_accounts" + where, f));
    const std::string sql = std::string("SELECT ") + kColumns + " FROM smpp_accounts" + where +
                            " ORDER BY created_at DESC, id DESC" + db::limit_clause(f, page);
    UJ_ASSIGN(auto result, c.run(sql, f.params()));
    for (const auto& r : result.rows) out.items.push_back(account_from(r).account);
    return out;
}

Result<bool> update_account(Connection& c, const SmppAccount& a) {
    UJ_ASSIGN(auto result,
              c.query("UPDATE smpp_accounts SET system_id = $2, binds = $3, allowed_ips = $4, "
                      "throughput = $5, is_active = $6, updated_at = $7 WHERE id = $1",
                      {a.id.value, a.system_id, binds_text(a.binds), join(a.allowed_ips),
                       static_cast<std::int64_t>(a.throughput), a.is_active, a.updated_at}));
    return result.affected > 0;
}

Result<bool> set_password(Connection& c, const SmppAccountId& id, const std::string& sealed,
                          Micros now) {
    UJ_ASSIGN(auto result,
              c.query("UPDATE smpp_accounts SET password = $2, updated_at = $3 WHERE id = $1",
                      {id.value, sealed, now}));
    return result.affected > 0;
}

Result<bool> delete_account(Connection& c, const AccountScope& scope, const SmppAccountId& id) {
    db::Filter f;
    const std::string sql =
        "DELETE FROM smpp_accounts WHERE id = " + f.bind(id.value) + scope_clause(f, scope);
    UJ_ASSIGN(auto result, c.run(sql, f.params()));
    if (result.affected == 0) return false;
    UJ_TRY(db::done(c.query("DELETE FROM smpp_deliveries WHERE smpp_account_id = $1", {id.value})));
    UJ_TRY(db::done(c.query("DELETE FROM smpp_messages WHERE smpp_account_id = $1", {id.value})));
    return true;
}

Result<std::vector<SmppAccountId>> receivers_of(Connection& c, const AccountId& account) {
    UJ_ASSIGN(auto result, c.query("SELECT id, binds FROM smpp_accounts WHERE account_id = $1 "
                                   "AND is_active ORDER BY created_at",
                                   {account.value}));
    std::vector<SmppAccountId> out;
    for (const auto& r : result.rows)
        for (const auto& name : split(r.text(1)))
            if (parse_bind(name) != BindKind::kTransmitter) {
                out.push_back(SmppAccountId{r.text(0)});
                break;
            }
    return out;
}

Status insert_submissions(Connection& c, const std::vector<Submission>& rows) {
    return db::for_each_batch(rows.size(), 128, [&](std::size_t first, std::size_t count) {
        std::vector<Value> params;
        params.reserve(count * 3);
        for (std::size_t i = first; i < first + count; ++i) {
            params.emplace_back(rows[i].message_id.value);
            params.emplace_back(rows[i].smpp_account_id.value);
            params.emplace_back(static_cast<std::int64_t>(rows[i].receipts));
        }
        return db::done(
            c.run("INSERT INTO smpp_messages (message_id, smpp_account_id, receipts) "
                  "VALUES " +
                      db::value_rows(static_cast<int>(count), 3),
                  params));
    });
}

Result<std::vector<Wanted>> receipts_wanted(Connection& c,
                                            const std::vector<MessageId>& message_ids) {
    std::vector<Wanted> out;
    UJ_TRY(db::for_ids(c,
                       "SELECT s.message_id, s.smpp_account_id, s.receipts, m.to_number, "
                       "m.sender, m.created_at, substr(m.body, 1, 20) FROM smpp_messages s JOIN "
                       "messages m ON m.id = s.message_id WHERE s.message_id",
                       "", {}, message_ids, [&](QueryResult& r) -> Status {
                           for (const auto& row : r.rows)
                               out.push_back({{row.id<MessageId>(0), SmppAccountId{row.text(1)},
                                               static_cast<int>(row.i64(2))},
                                              row.text(3),
                                              row.text(4),
                                              row.text(6),
                                              row.i64(5)});
                           return {};
                       }));
    return out;
}

Status insert_deliveries(Connection& c, const std::vector<PendingDelivery>& rows) {
    return db::for_each_batch(rows.size(), 64, [&](std::size_t first, std::size_t count) {
        std::vector<Value> params;
        params.reserve(count * 4);
        for (std::size_t i = first; i < first + count; ++i) {
            params.emplace_back(rows[i].smpp_account_id.value);
            params.emplace_back(std::string(kind_name(rows[i].kind)));
            params.emplace_back(
                delivery_json(rows[i]).dump(-1, ' ', false, json::error_handler_t::replace));
            params.emplace_back(rows[i].created_at);
        }
        return db::done(c.run(
            "INSERT INTO smpp_deliveries (smpp_account_id, kind, message, created_at) VALUES " +
                db::value_rows(static_cast<int>(count), 4),
            params));
    });
}

Result<std::vector<PendingDelivery>> claim_deliveries(Connection& c, const SmppAccountId& account,
                                                      const std::string& owner, Micros now,
                                                      Micros lease_until, std::size_t limit) {
    const bool pg = c.dialect() == db::Dialect::kPostgres;
    const std::string sql =
        std::string(
            "UPDATE smpp_deliveries SET lease_owner = $1, lease_until = $2, attempts = "
            "attempts + 1 WHERE id IN (SELECT id FROM smpp_deliveries WHERE "
            "smpp_account_id = $3 AND lease_until < $4 ORDER BY id LIMIT $5") +
        (pg ? " FOR UPDATE SKIP LOCKED" : "") +
        ") RETURNING id, smpp_account_id, kind, message, created_at, attempts";
    UJ_ASSIGN(auto result, c.query(sql, {owner, lease_until, account.value, now,
                                         static_cast<std::int64_t>(limit)}));
    std::vector<PendingDelivery> out;
    out.reserve(result.rows.size());
    for (const auto& r : result.rows) out.push_back(delivery_from(r));
    std::sort(out.begin(), out.end(),
              [](const PendingDelivery& a, const PendingDelivery& b) { return a.id < b.id; });
    return out;
}

Result<bool> has_due_deliveries(Connection& c, const SmppAccountId& account, Micros now) {
    UJ_ASSIGN(auto row, c.query_one("SELECT 1 FROM smpp_deliveries WHERE smpp_account_id = $1 AND "
                                    "lease_until < $2 LIMIT 1",
                                    {account.value, now}));
    return row.has_value();
}

Status delete_deliveries(Connection& c, const std::vector<std::int64_t>& ids) {
    return for_numbers(c, "DELETE FROM smpp_deliveries WHERE id", {}, ids);
}

Status release_deliveries(Connection& c, const std::vector<std::int64_t>& ids, Micros retry_at) {
    return for_numbers(c, "UPDATE smpp_deliveries SET lease_owner = '', lease_until = $1 WHERE id",
                       {retry_at}, ids);
}

Result<std::int64_t> drop_deliveries_before(Connection& c, Micros cutoff) {
    UJ_ASSIGN(auto result, c.query("DELETE FROM smpp_deliveries WHERE created_at < $1", {cutoff}));
    return result.affected;
}

Result<std::int64_t> count_deliveries(Connection& c, const SmppAccountId& account) {
    UJ_ASSIGN(auto row, c.query_one("SELECT count(*) FROM smpp_deliveries WHERE smpp_account_id "
                                    "= $1",
                                    {account.value}));
    return row ? row->i64(0) : 0;
}

}  // namespace ujumbe::smpp_server::store
