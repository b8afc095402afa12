#include "audit/store.h"

#include "db/filter.h"
#include "db/store_support.h"

namespace ujumbe::audit::store {

namespace {

constexpr const char* kColumns =
    "id, account_id, actor_user_id, actor_api_key_id, actor_label, action, target_type, "
    "target_id, status, error_code, changes, ip, user_agent, request_id, created_at";

Entry entry_from(const db::Row& r) {
    Entry e;
    e.id = r.text(0);
    e.account_id = r.opt_id<AccountId>(1);
    e.actor_user_id = r.opt_id<UserId>(2);
    e.actor_api_key_id = r.opt_id<ApiKeyId>(3);
    e.actor_label = r.text(4);
    e.action = r.text(5);
    e.target_type = r.text(6);
    e.target_id = r.opt_text(7);
    e.status = static_cast<int>(r.i64(8));
    e.error_code = r.opt_text(9);
    e.changes = nlohmann::json::parse(r.text(10), nullptr, false);
    if (e.changes.is_discarded()) e.changes = nlohmann::json::object();
    e.ip = r.text(11);
    e.user_agent = r.text(12);
    e.request_id = r.text(13);
    e.created_at = r.i64(14);
    return e;
}

void visible(db::Filter& f, const Visibility& v) {
    if (v.everything) return;
    const std::string me = f.bind(v.account.value);
    if (v.children)
        f.where("(account_id = " + me + " OR account_id IN (SELECT id FROM accounts WHERE " +
                "parent_id = " + me + "))");
    else
        f.where("account_id = " + me);
}

}  // namespace

Status insert(Connection& c, const std::vector<Entry>& entries) {
    constexpr int kWidth = 15;
    // Full batches share one statement shape (and so one prepared statement).
    constexpr std::size_t kRowsPerInsert = 64;
    std::vector<db::Value> params;
    return db::for_each_batch(
        entries.size(), kRowsPerInsert, [&](std::size_t first, std::size_t count) {
            params.clear();
            params.reserve(count * kWidth);
            for (std::size_t i = first; i < first + count; ++i) {
                const Entry& e = entries[i];
                params.emplace_back(e.id);
                params.push_back(db::optional_id(e.account_id));
                params.push_back(db::optional_id(e.actor_user_id));
                params.push_back(db::optional_id(e.actor_api_key_id));
                params.emplace_back(e.actor_label);
                params.emplace_back(e.action);
                params.emplace_back(e.target_type);
                params.push_back(db::optional_text(e.target_id));
                params.emplace_back(static_cast<std::int64_t>(e.status));
                params.push_back(db::optional_text(e.error_code));
                params.emplace_back(e.changes.dump());
                params.emplace_back(e.ip);
                params.emplace_back(e.user_agent);
                params.emplace_back(e.request_id);
                params.emplace_back(e.created_at);
            }
            return db::done(c.run(std::string("INSERT INTO audit_log (") + kColumns + ") VALUES " +
                                      db::value_rows(static_cast<int>(count), kWidth),
                                  params));
        });
}

Result<db::WindowListing<Entry>> list(Connection& c, const Visibility& v, const Query& q,
                                      const db::Window& w) {
    db::Filter f;
    visible(f, v);
    if (q.account_id) f.add("account_id = {}", q.account_id->value);
    if (q.actor) f.add("(actor_user_id = {} OR actor_label = {})", *q.actor);
    if (q.action) {
        if (q.action->ends_with('.'))
            f.add("action LIKE {} ESCAPE '\\'", db::like_contains(*q.action).substr(1));
        else
            f.add("action = {}", *q.action);
    }
    if (q.target_type) f.add("target_type = {}", *q.target_type);
    if (q.target_id) f.add("target_id = {}", *q.target_id);
    if (q.from) f.add("created_at >= {}", *q.from);
    if (q.to) f.add("created_at < {}", *q.to);
    db::WindowListing<Entry> out;
    UJ_TRY(db::count_up_to(c, "FROM audit_log", f, db::kExactCountCap, out));
    const std::string tail = db::window_clause(f, w, "created_at", "id");
    UJ_ASSIGN(
        auto rows,
        c.run(std::string("SELECT ") + kColumns + " FROM audit_log" + f.sql() + tail, f.params()));
    for (const auto& r : rows.rows) out.items.push_back(entry_from(r));
    db::settle(out, w, [](const Entry& e) { return db::Position{e.created_at, e.id}; });
    return out;
}

}  // namespace ujumbe::audit::store
