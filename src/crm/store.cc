#include "crm/store.h"

#include <map>
#include <mutex>

#include "core/validate.h"

namespace ujumbe::crm::store {

namespace {

using db::Row;
using db::Value;
using json = nlohmann::json;

constexpr const char* kItemsCount =
    "(SELECT count(*) FROM crm_order_items i WHERE i.order_id = t.id)";

bool stored_as_number(Kind k) {
    return k == Kind::kMoney || k == Kind::kInteger || k == Kind::kTime;
}
bool stored_as_json(Kind k) {
    return k == Kind::kTextList || k == Kind::kAttendees;
}

// The statement text of an entity's reads, built once.
struct Shape {
    std::string select;  // "SELECT t.id, ..., r0.name, ..." over a `t` and its references
    std::string joins;   // " LEFT JOIN users r0 ON r0.id = t.assigned_to_id ..."
    std::vector<const Field*> references;
    std::string columns;       // "id, account_id, a, b, ..."
    std::string placeholders;  // "$1, ..., $n"
    std::string assignments;   // "a = $3, b = $4, ..."
};

const Shape& shape_of(const Entity& e) {
    static std::mutex mutex;
    static std::map<std::string, Shape> shapes;
    const std::lock_guard lock(mutex);
    auto found = shapes.find(e.key);
    if (found != shapes.end()) return found->second;
    Shape s;
    std::string select = "SELECT t.id";
    s.columns = "id, account_id";
    int n = 2;
    for (const auto& f : e.fields) {
        select += ", t." + f.column();
        s.columns += ", " + f.column();
        ++n;
        if (!s.assignments.empty()) s.assignments += ", ";
        s.assignments += f.column() + " = $" + std::to_string(n);
    }
    // Last, what ?search= looks in.
    s.columns += ", search_text";
    ++n;
    s.assignments += ", search_text = $" + std::to_string(n);
    for (const auto& f : e.fields) {
        if (f.kind != Kind::kReference) continue;
        const auto target = target_of(f.target);
        const std::string alias = "r" + std::to_string(s.references.size());
        select += ", " + alias + "." + target.title_column;
        s.joins +=
            " LEFT JOIN " + target.table + " " + alias + " ON " + alias + ".id = t." + f.column();
        s.references.push_back(&f);
    }
    if (e.key == "orders") select += std::string(", ") + kItemsCount;
    s.select = std::move(select);
    s.placeholders = db::placeholders(1, static_cast<std::size_t>(n));
    return shapes.emplace(e.key, std::move(s)).first->second;
}

json cell(const Row& row, std::size_t i, Kind kind) {
    if (row.is_null(i)) return nullptr;
    if (stored_as_number(kind)) return row.i64(i);
    if (kind == Kind::kBool) return row.boolean(i);
    if (stored_as_json(kind)) return json::parse(row.text(i), nullptr, false);
    return row.text(i);
}

Record record_from(const Entity& e, const Shape& s, const Row& row) {
    Record r;
    r.id = row.text(0);
    std::size_t i = 1;
    for (const auto& f : e.fields) r.values[f.name] = cell(row, i++, f.kind);
    for (const Field* f : s.references) {
        // An activity keeps its own customer_name (the name when it was written).
        const std::string name = f->name + "_name";
        if (!e.field(name)) r.values[name] = row.is_null(i) ? json(nullptr) : json(row.text(i));
        ++i;
    }
    if (e.key == "orders") r.items_count = row.i64(i);
    return r;
}

Value value_of(const json& v) {
    if (v.is_null()) return nullptr;
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

// The search fields' text, lower-cased as like_contains() lowers the
// search, with a newline between fields so that no match spans two.
std::string search_text_of(const Entity& e, const Record& r) {
    std::string out;
    for (const auto& f : e.fields) {
        if (!f.search) continue;
        if (!out.empty()) out += '\n';
        out += ascii_lower(r.text(f.name));
    }
    return out;
}

std::vector<Value> row_values(const Entity& e, const AccountId& account, const Record& r) {
    std::vector<Value> params = {r.id, account.value};
    for (const auto& f : e.fields) {
        const auto v = r.values.find(f.name);
        params.push_back(v == r.values.end() ? Value(nullptr) : value_of(*v));
    }
    params.emplace_back(search_text_of(e, r));
    return params;
}

void apply(db::Filter& f, const ListQuery& q) {
    for (const auto& [condition, value] : q.conditions) f.add(condition, value);
    if (q.search && !q.search->empty())
        f.add("t.search_text LIKE {} ESCAPE '\\'", db::like_contains(*q.search));
}

std::string order_by(const Entity& e, const std::string& ordering) {
    const bool desc = ordering.starts_with('-');
    const std::string name = desc ? ordering.substr(1) : ordering;
    const Field* field = e.field(name);
    const std::string dir = desc ? " DESC" : " ASC";
    if (!field) return " ORDER BY t.created_at DESC, t.id DESC";
    return " ORDER BY t." + field->column() + dir + ", t.id" + dir;
}

// The rows a WHERE, ORDER BY and LIMIT choose, and then what they
// reference: joined for those rows only, not for every row the order
// passes over.
std::string paged_select(const Entity& e, const Shape& s, const std::string& choose,
                         const std::string& order) {
    return s.select + " FROM (SELECT t.* FROM " + e.table() + " t" + choose + ") t" + s.joins +
           order;
}

// A search that few records match: they are found in one pass (counted on
// the way), and the page is read from them by id. A search that misses
// would otherwise be read twice, once to count and once more in the list's
// order looking for a page that is not there. nullopt when there are more.
constexpr std::size_t kFewMatches = 200;

Result<std::optional<db::WindowListing<Record>>> search_few(Connection& c, const Entity& e,
                                                            const Shape& s, const db::Filter& f,
                                                            const std::string& order,
                                                            const db::Paged& page) {
    UJ_ASSIGN(auto found, c.run("SELECT t.id FROM " + e.table() + " t" + f.sql() + " LIMIT " +
                                    std::to_string(kFewMatches + 1),
                                f.params()));
    if (found.rows.size() > kFewMatches) return std::optional<db::WindowListing<Record>>{};
    db::WindowListing<Record> out;
    out.count = static_cast<std::int64_t>(found.rows.size());
    out.more = out.count > page.offset + page.limit;
    std::vector<std::string> ids;
    for (const auto& row : found.rows) ids.push_back(row.text(0));
    const std::string head =
        s.select + " FROM (SELECT t.* FROM " + e.table() + " t" + f.sql() + " AND t.id";
    const std::string tail = order + " LIMIT " + std::to_string(page.limit) + " OFFSET " +
                             std::to_string(page.offset) + ") t" + s.joins + order;
    UJ_TRY(db::for_ids(c, head, tail, f.params(), ids, [&](db::QueryResult& r) -> Status {
        for (const auto& row : r.rows) out.items.push_back(record_from(e, s, row));
        return {};
    }));
    return std::optional<db::WindowListing<Record>>(std::move(out));
}

Result<std::vector<OrderItem>> items_of(Connection& c, const std::string& order_id) {
    return db::all<OrderItem>(
        c.query("SELECT item_name, description, sku, quantity, unit_price, total_price "
                "FROM crm_order_items WHERE order_id = $1 ORDER BY position",
                {order_id}),
        [](const Row& row) {
            return OrderItem{row.text(0), row.text(1), row.text(2),
                             row.i64(3),  row.i64(4),  row.i64(5)};
        });
}

}  // namespace

Status insert(Connection& c, const Entity& e, const AccountId& account, const Record& r) {
    const Shape& s = shape_of(e);
    const auto params = row_values(e, account, r);
    return db::done(
        c.run("INSERT INTO " + e.table() + " (" + s.columns + ") VALUES (" + s.placeholders + ")",
              params));
}

Status update(Connection& c, const Entity& e, const AccountId& account, const Record& r) {
    const Shape& s = shape_of(e);
    const auto params = row_values(e, account, r);
    return db::done(c.run(
        "UPDATE " + e.table() + " SET " + s.assignments + " WHERE id = $1 AND account_id = $2",
        params));
}

Result<bool> remove(Connection& c, const Entity& e, const AccountId& account,
                    const std::string& id) {
    if (e.key == "orders")
        UJ_TRY(
            db::done(c.query("DELETE FROM crm_order_items WHERE order_id = $1 AND "
                             "account_id = $2",
                             {id, account.value})));
    UJ_ASSIGN(auto n, c.execute("DELETE FROM " + e.table() + " WHERE id = $1 AND account_id = $2",
                                {id, account.value}));
    return n > 0;
}

Result<std::vector<std::string>> referenced_by(Connection& c, const Entity& e,
                                               const AccountId& account, const std::string& id) {
    std::vector<std::string> out;
    for (const auto& other : entities()) {
        for (const auto& f : other.fields) {
            // What the server noted (a lead's converted deal) is history, not a link to keep.
            if (f.kind != Kind::kReference || f.target != e.key || f.read_only) continue;
            UJ_ASSIGN(auto row,
                      c.query_one("SELECT 1 FROM " + other.table() + " WHERE account_id = $1 AND " +
                                      f.column() + " = $2 LIMIT 1",
                                  {account.value, id}));
            if (row) {
                out.push_back(other.key);
                break;
            }
        }
    }
    return out;
}

Result<std::optional<Record>> find(Connection& c, const Entity& e, const AccountId& account,
                                   const std::string& id) {
    const Shape& s = shape_of(e);
    UJ_ASSIGN(auto row, c.query_one(s.select + " FROM " + e.table() + " t" + s.joins +
                                        " WHERE t.id = $1 AND t.account_id = $2",
                                    {id, account.value}));
    if (!row) return std::optional<Record>{};
    Record r = record_from(e, s, *row);
    if (e.key == "orders") {
        UJ_ASSIGN(r.items, items_of(c, r.id));
        r.with_items = true;
    }
    return std::optional<Record>(std::move(r));
}

Result<db::WindowListing<Record>> list(Connection& c, const Entity& e, const AccountId& account,
                                       const ListQuery& q, const db::Paged& page) {
    const Shape& s = shape_of(e);
    db::Filter f({account.value});
    f.where("t.account_id = $1");
    apply(f, q);
    const std::string order = order_by(e, q.ordering);
    db::WindowListing<Record> out;
    if (q.search) {
        UJ_ASSIGN(auto few, search_few(c, e, s, f, order, page));
        if (few) return std::move(*few);
        // Counting every match of a common word costs more than the page.
        UJ_TRY(db::count_up_to(c, "FROM " + e.table() + " t", f, kSearchCountCap, out));
    } else {
        UJ_ASSIGN(out.count, db::count_of(c, "SELECT count(*) FROM " + e.table() + " t", f));
    }
    // One row more than the page: whether another follows.
    const std::string limit = db::limit_clause(f, db::Paged{page.limit + 1, page.offset});
    UJ_ASSIGN(out.items,
              db::all<Record>(c.run(paged_select(e, s, f.sql() + order + limit, order), f.params()),
                              [&](const Row& row) { return record_from(e, s, row); }));
    out.more = static_cast<std::int64_t>(out.items.size()) > page.limit;
    if (out.more) out.items.pop_back();
    return out;
}

Result<std::vector<Record>> export_page(Connection& c, const Entity& e, const AccountId& account,
                                        const ListQuery& q, const std::string& after_id,
                                        int limit) {
    const Shape& s = shape_of(e);
    db::Filter f({account.value});
    f.where("t.account_id = $1");
    apply(f, q);
    f.add("t.id > {}", after_id);
    const std::string n = f.bind(static_cast<std::int64_t>(limit));
    const std::string order = " ORDER BY t.id";
    return db::all<Record>(
        c.run(paged_select(e, s, f.sql() + order + " LIMIT " + n, order), f.params()),
        [&](const Row& row) { return record_from(e, s, row); });
}

Result<Stats> stats(Connection& c, const Entity& e, const AccountId& account, const ListQuery& q) {
    db::Filter f({account.value});
    f.where("t.account_id = $1");
    apply(f, q);
    // One pass: counts and sums by every stats field (and currency), added
    // up here by each.
    std::string groups;
    for (const auto& name : e.stats_by)
        groups += (groups.empty() ? "t." : ", t.") + e.field(name)->column();
    const bool money = !e.stats_sums.empty();
    if (money) groups += ", t.currency";
    // Each sum in whole units and the micro-units left over, added up
    // here: no sum the database makes can overflow.
    std::string sums;
    for (const auto& [name, expression] : e.stats_sums)
        sums += ", COALESCE(SUM((" + expression + ") / 1000000), 0), COALESCE(SUM((" + expression +
                ") % 1000000), 0)";
    UJ_ASSIGN(auto rows, c.run("SELECT " + groups + ", count(*)" + sums + " FROM " + e.table() +
                                   " t" + f.sql() + " GROUP BY " + groups,
                               f.params()));
    Stats out;
    std::vector<std::map<std::string, std::int64_t>> by(e.stats_by.size());
    std::map<std::string, std::vector<MoneySum>> per_currency;
    const std::size_t n_by = e.stats_by.size();
    const std::size_t count_at = n_by + (money ? 1 : 0);
    for (const auto& row : rows.rows) {
        const std::int64_t n = row.i64(count_at);
        out.total += n;
        for (std::size_t i = 0; i < n_by; ++i)
            if (!row.is_null(i)) by[i][row.text(i)] += n;
        if (!money) continue;
        auto& sums_of = per_currency[row.text(n_by)];
        sums_of.resize(e.stats_sums.size());
        for (std::size_t i = 0; i < e.stats_sums.size(); ++i)
            sums_of[i] += MoneySum(row.i64(count_at + 1 + 2 * i)) * kMicrosPerUnit +
                          row.i64(count_at + 2 + 2 * i);
    }
    for (std::size_t i = 0; i < n_by; ++i)
        out.by.emplace_back(e.stats_by[i], std::vector<std::pair<std::string, std::int64_t>>(
                                               by[i].begin(), by[i].end()));
    for (auto& [currency, values] : per_currency)
        out.sums.emplace_back(currency, std::move(values));
    return out;
}

Result<bool> exists(Connection& c, const std::string& target, const AccountId& account,
                    const std::string& id) {
    std::string sql;
    if (target == "users")
        sql = "SELECT 1 FROM memberships WHERE user_id = $1 AND account_id = $2";
    else if (target == "contacts")
        sql = "SELECT 1 FROM contacts WHERE id = $1 AND account_id = $2 AND deleted_at IS NULL";
    else
        sql = "SELECT 1 FROM " + entity(target).table() + " WHERE id = $1 AND account_id = $2";
    UJ_ASSIGN(auto row, c.query_one(sql, {id, account.value}));
    return row.has_value();
}

Result<std::int64_t> next_number(Connection& c, const AccountId& account, const std::string& prefix,
                                 int year) {
    UJ_ASSIGN(auto row, c.query_one("INSERT INTO crm_counters (account_id, prefix, year, "
                                    "last_number) VALUES ($1, $2, $3, 1) "
                                    "ON CONFLICT (account_id, prefix, year) DO UPDATE SET "
                                    "last_number = crm_counters.last_number + 1 "
                                    "RETURNING last_number",
                                    {account.value, prefix, static_cast<std::int64_t>(year)}));
    if (!row) return Error::internal("no number was given");
    return row->i64(0);
}

Result<std::string> customer_number(Connection& c, const AccountId& account,
                                    const std::string& customer_id) {
    UJ_ASSIGN(auto row, c.query_one("SELECT COALESCE(k.phone_e164, t.phone) FROM crm_customers t "
                                    "LEFT JOIN contacts k ON k.id = t.contact_id AND "
                                    "k.account_id = t.account_id AND k.deleted_at IS NULL "
                                    "WHERE t.id = $1 AND t.account_id = $2",
                                    {customer_id, account.value}));
    return row ? row->text(0) : std::string();
}

Result<std::vector<AttachedTemplate>> attached_templates(Connection& c, const AccountId& account) {
    return db::all<AttachedTemplate>(
        c.query("SELECT event, template_id, enabled FROM crm_notifications WHERE account_id = $1 "
                "ORDER BY event",
                {account.value}),
        [](const Row& row) {
            return AttachedTemplate{row.text(0), row.text(1), row.boolean(2)};
        });
}

Status set_attached_templates(Connection& c, const AccountId& account,
                              const std::vector<AttachedTemplate>& list, Micros now) {
    UJ_TRY(
        db::done(c.query("DELETE FROM crm_notifications WHERE account_id = $1", {account.value})));
    for (const auto& n : list)
        UJ_TRY(
            db::done(c.query("INSERT INTO crm_notifications (account_id, event, template_id, "
                             "enabled, updated_at) VALUES ($1, $2, $3, $4, $5)",
                             {account.value, n.event, n.template_id, n.enabled, now})));
    return {};
}

Status refresh_statistics(Connection& c) {
    std::string tables = "crm_order_items";
    for (const auto& e : entities()) tables += ", " + e.table();
    if (c.dialect() == db::Dialect::kPostgres) return c.run_script("ANALYZE " + tables);
    // SQLite analyzes one table per statement; a sample of each index is enough.
    std::string script = "PRAGMA analysis_limit = 1000;";
    for (const auto& e : entities()) script += " ANALYZE " + e.table() + ";";
    return c.run_script(script + " ANALYZE crm_order_items;");
}

Status replace_items(Connection& c, const AccountId& account, const std::string& order_id,
                     const std::vector<OrderItem>& items) {
    UJ_TRY(db::done(c.query("DELETE FROM crm_order_items WHERE order_id = $1 AND account_id = $2",
                            {order_id, account.value})));
    constexpr int kWidth = 9;
    return db::for_each_batch(items.size(), 64, [&](std::size_t first, std::size_t n) -> Status {
        std::vector<Value> params;
        params.reserve(n * kWidth);
        for (std::size_t i = first; i < first + n; ++i) {
            const auto& item = items[i];
            params.insert(params.end(), {order_id, account.value, static_cast<std::int64_t>(i),
                                         item.item_name, item.description, item.sku, item.quantity,
                                         item.unit_price, item.total_price});
        }
        return db::done(
            c.run("INSERT INTO crm_order_items (order_id, account_id, position, "
                  "item_name, description, sku, quantity, unit_price, total_price) "
                  "VALUES " +
                      db::value_rows(static_cast<int>(n), kWidth),
                  params));
    });
}

Status refresh_amount_paid(Connection& c, const AccountId& account, const std::string& order_id) {
    return db::done(c.query(
        "UPDATE crm_orders SET amount_paid = (SELECT COALESCE(SUM(CASE WHEN payment_type = "
        "'refund' THEN -amount ELSE amount END), 0) FROM crm_payments WHERE order_id = $1 AND "
        "account_id = $2 AND status = 'completed') WHERE id = $1 AND account_id = $2",
        {order_id, account.value}));
}

Status sync_customer_name(Connection& c, const AccountId& account, const std::string& customer_id,
                          const std::string& name) {
    const Entity& e = entity("activities");
    const Shape& s = shape_of(e);
    UJ_ASSIGN(auto named, db::all<Record>(c.query(s.select + " FROM " + e.table() + " t" + s.joins +
                                                      " WHERE t.account_id = $1 AND "
                                                      "t.customer_id = $2",
                                                  {account.value, customer_id}),
                                          [&](const Row& row) { return record_from(e, s, row); }));
    for (auto& r : named) {
        if (r.text("customer_name") == name) continue;
        r.values["customer_name"] = name;
        UJ_TRY(update(c, e, account, r));
    }
    return {};
}

Result<std::vector<Stage>> stages(Connection& c, const AccountId& account) {
    return db::all<Stage>(c.query("SELECT stage, name, probability FROM crm_pipeline_stages "
                                  "WHERE account_id = $1 ORDER BY position",
                                  {account.value}),
                          [](const Row& row) {
                              return Stage{row.text(0), row.text(1), row.i64(2)};
                          });
}

Status set_stages(Connection& c, const AccountId& account, const std::vector<Stage>& list,
                  Micros now) {
    UJ_TRY(db::done(
        c.query("DELETE FROM crm_pipeline_stages WHERE account_id = $1", {account.value})));
    for (std::size_t i = 0; i < list.size(); ++i)
        UJ_TRY(
            db::done(c.query("INSERT INTO crm_pipeline_stages (account_id, stage, name, "
                             "probability, position, updated_at) VALUES ($1, $2, $3, $4, $5, "
                             "$6)",
                             {account.value, list[i].key, list[i].name, list[i].probability,
                              static_cast<std::int64_t>(i), now})));
    return {};
}

Result<std::int64_t> count_deals_in(Connection& c, const AccountId& account,
                                    const std::vector<std::string>& keys) {
    std::int64_t total = 0;
    UJ_TRY(db::for_ids(c, "SELECT count(*) FROM crm_deals WHERE account_id = $1 AND stage", "",
                       {account.value}, keys, [&](db::QueryResult& r) -> Status {
                           if (!r.rows.empty()) total += r.rows.front().i64(0);
                           return {};
                       }));
    return total;
}

Result<db::WindowListing<Entry>> timeline(Connection& c, const AccountId& account,
                                          const std::string& customer_id, const db::Window& w) {
    const auto part = [](const std::string& kind, const std::string& table,
                         const std::string& title) {
        return "SELECT '" + kind + "' AS kind, id, " + title + " AS title, status, created_at " +
               "FROM " + table + " WHERE account_id = $1 AND customer_id = $2";
    };
    const std::string from =
        "FROM (" + part("activity", "crm_activities", "title") + " UNION ALL " +
        part("order", "crm_orders", "order_number || ' ' || title") + " UNION ALL " +
        part("payment", "crm_payments", "payment_number") + " UNION ALL " +
        part("issue", "crm_issues", "issue_number || ' ' || title") + ") AS e";
    db::Filter f({account.value, customer_id});
    db::WindowListing<Entry> out;
    UJ_ASSIGN(out.count, db::count_of(c, "SELECT count(*) " + from, f));
    const std::string tail = db::window_clause(f, w, "e.created_at", "e.id");
    UJ_ASSIGN(
        out.items,
        db::all<Entry>(
            c.run("SELECT e.kind, e.id, e.title, e.status, e.created_at " + from + f.sql() + tail,
                  f.params()),
            [](const Row& row) {
                return Entry{row.text(0), row.text(1), row.text(2), row.text(3), row.i64(4)};
            }));
    db::settle(out, w, [](const Entry& e) { return db::Position{e.at, e.id}; });
    return out;
}

}  // namespace ujumbe::crm::store
