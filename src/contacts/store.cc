#include "contacts/store.h"

#include <span>
#include <unordered_set>

#include "contacts/normalize.h"
#include "contacts/segment_rules.h"
#include "core/validate.h"
#include "db/filter.h"

namespace ujumbe::contacts::store {

using db::Row;
using db::Value;
using json = nlohmann::json;

namespace {

constexpr const char* kContactColumns =
    "c.id, c.account_id, c.name, c.phone_e164, c.email, c.attributes, c.tags, c.is_active, "
    "c.is_opted_in, c.opt_in_at, c.opt_out_at, c.opt_out_reason, c.last_contacted_at, "
    "c.created_at, c.updated_at, c.opted_out_channels";

Contact contact_from(const Row& r) {
    Contact c;
    c.id = r.id<ContactId>(0);
    c.account_id = AccountId{r.text(1)};
    c.name = r.text(2);
    c.phone_e164 = r.opt_text(3);
    c.email = r.opt_text(4);
    c.attributes = json::parse(r.text(5), nullptr, false);
    if (!c.attributes.is_object()) c.attributes = json::object();
    c.tags = split_tags(r.text(6));
    c.is_active = r.boolean(7);
    c.is_opted_in = r.boolean(8);
    c.opt_in_at = r.opt_i64(9);
    c.opt_out_at = r.opt_i64(10);
    c.opt_out_reason = r.opt_text(11);
    c.last_contacted_at = r.opt_i64(12);
    c.created_at = r.i64(13);
    c.updated_at = r.i64(14);
    c.opted_out_channels = split_tags(r.text(15));
    return c;
}

// The 17 values of one contact row, in kInsertColumns order.
constexpr const char* kInsertColumns =
    "id, account_id, name, phone_e164, email, attributes, tags, is_active, is_opted_in, "
    "opt_in_at, opt_out_at, opt_out_reason, last_contacted_at, search_text, created_at, "
    "updated_at, opted_out_channels";
constexpr int kInsertWidth = 17;

void append_values(std::vector<Value>& out, const Contact& c) {
    out.emplace_back(c.id.value);
    out.emplace_back(c.account_id.value);
    out.emplace_back(c.name);
    out.emplace_back(db::optional_text(c.phone_e164));
    out.emplace_back(db::optional_text(c.email));
    out.emplace_back(c.attributes.dump());
    out.emplace_back(join_tags(c.tags));
    out.emplace_back(c.is_active);
    out.emplace_back(c.is_opted_in);
    out.emplace_back(db::optional_int(c.opt_in_at));
    out.emplace_back(db::optional_int(c.opt_out_at));
    out.emplace_back(db::optional_text(c.opt_out_reason));
    out.emplace_back(db::optional_int(c.last_contacted_at));
    out.emplace_back(search_text(c));
    out.emplace_back(c.created_at);
    out.emplace_back(c.updated_at);
    out.emplace_back(join_tags(c.opted_out_channels));
}

// Rows per multi-row INSERT: well under SQLite's 32766 parameters.
constexpr std::size_t kRowsPerInsert = 256;

Status insert_tag_rows(Connection& c, const std::vector<const Contact*>& contacts) {
    std::vector<Value> rows;  // account, tag, contact for each tag
    for (const Contact* contact : contacts)
        for (const auto& tag : contact->tags) {
            rows.emplace_back(contact->account_id.value);
            rows.emplace_back(tag);
            rows.emplace_back(contact->id.value);
        }
    return db::for_each_batch(
        rows.size() / 3, kRowsPerInsert, [&](std::size_t first, std::size_t count) {
            return db::done(c.run("INSERT INTO contact_tags (account_id, tag, contact_id) VALUES " +
                                      db::value_rows(static_cast<int>(count), 3),
                                  std::span<const Value>(rows).subspan(first * 3, count * 3)));
        });
}

// Conditions of a segment's rules on contacts `c`; $1 is the account id.
void apply_rules(db::Filter& f, db::Dialect dialect, const SegmentRules& r) {
    for (const auto& tag : r.tags_all)
        f.add(
            "EXISTS (SELECT 1 FROM contact_tags t WHERE t.account_id = $1 AND t.tag = {} AND "
            "t.contact_id = c.id)",
            tag);
    if (!r.tags_any.empty()) {
        std::string list;
        for (const auto& tag : r.tags_any) list += (list.empty() ? "" : ", ") + f.bind(tag);
        f.where("EXISTS (SELECT 1 FROM contact_tags t WHERE t.account_id = $1 AND t.tag IN (" +
                list + ") AND t.contact_id = c.id)");
    }
    for (const auto& a : r.attributes) {
        std::string value_sql;
        if (dialect == db::Dialect::kPostgres) {
            value_sql = "(c.attributes::jsonb ->> " + f.bind(a.key) + ")";
        } else {
            const auto path = f.bind("$.\"" + a.key + "\"");
            value_sql = "(CASE json_type(c.attributes, " + path +
                        ") WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE "
                        "CAST(json_extract(c.attributes, " +
                        path + ") AS TEXT) END)";
        }
        if (a.op == "contains")
            f.where("lower(" + value_sql + ") LIKE " + f.bind(db::like_contains(a.value)) +
                    " ESCAPE '\\'");
        else
            f.where(value_sql + " = " + f.bind(a.value));
    }
    if (r.opt_in == "opted_in") f.where("c.is_opted_in = " + f.bind(true));
    if (r.opt_in == "opted_out") f.where("c.is_opted_in = " + f.bind(false));
    if (r.is_active) f.add("c.is_active = {}", *r.is_active);
    if (r.created_after) f.add("c.created_at >= {}", *r.created_after);
    if (r.created_before) f.add("c.created_at < {}", *r.created_before);
    if (r.last_contacted_after) f.add("c.last_contacted_at >= {}", *r.last_contacted_after);
    if (r.last_contacted_before) f.add("c.last_contacted_at < {}", *r.last_contacted_before);
}

// Three characters or more use the trigram index (FTS5 on SQLite, pg_trgm
// on PostgreSQL); shorter ones scan.
void add_search(db::Filter& f, db::Dialect dialect, const std::string& text) {
    std::string lowered = text;
    for (auto& ch : lowered) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (dialect == db::Dialect::kSqlite && utf8_length(lowered) >= 3) {
        std::string phrase = "\"";
        for (char ch : lowered) phrase += ch == '"' ? std::string("\"\"") : std::string(1, ch);
        phrase += '"';
        f.add("c.rowid IN (SELECT rowid FROM contacts_search WHERE contacts_search MATCH {})",
              phrase);
        return;
    }
    f.add("c.search_text LIKE {} ESCAPE '\\'", db::like_contains(lowered));
}

db::Filter contact_filter(Connection& c, const AccountId& account, const ContactQuery& q) {
    db::Filter f({account.value});
    // With a search, SQLite must start from the trigram index's few rows, not
    // walk the account's index: '+' keeps it from using the latter.
    const bool searching = q.search && !q.search->empty();
    f.where(searching && c.dialect() == db::Dialect::kSqlite ? "+c.account_id = $1"
                                                             : "c.account_id = $1");
    f.where("c.deleted_at IS NULL");
    if (searching) add_search(f, c.dialect(), *q.search);
    for (const auto& tag : q.tags)
        f.add(
            "EXISTS (SELECT 1 FROM contact_tags t WHERE t.account_id = $1 AND t.tag = {} AND "
            "t.contact_id = c.id)",
            tag);
    if (q.is_active) f.add("c.is_active = {}", *q.is_active);
    if (q.is_opted_in) f.add("c.is_opted_in = {}", *q.is_opted_in);
    if (q.group_id)
        f.add(
            "EXISTS (SELECT 1 FROM contact_group_members m WHERE m.group_id = {} AND "
            "m.contact_id = c.id)",
            q.group_id->value);
    if (q.segment) apply_rules(f, c.dialect(), *q.segment);
    return f;
}

std::string order_clause(const std::string& ordering) {
    static const std::vector<std::pair<std::string, std::string>> known = {
        {"created_at", "c.created_at, c.id"},
        {"-created_at", "c.created_at DESC, c.id DESC"},
        {"name", "c.name, c.id"},
        {"-name", "c.name DESC, c.id DESC"},
        {"updated_at", "c.updated_at, c.id"},
        {"-updated_at", "c.updated_at DESC, c.id DESC"},
        // Never contacted last either way; the engines differ on NULLs.
        {"last_contacted_at", "(c.last_contacted_at IS NULL), c.last_contacted_at, c.id"},
        {"-last_contacted_at",
         "(c.last_contacted_at IS NULL), c.last_contacted_at DESC, c.id DESC"},
    };
    for (const auto& [name, sql] : known)
        if (name == ordering) return " ORDER BY " + sql;
    return " ORDER BY c.created_at DESC, c.id DESC";
}

Result<std::optional<Contact>> find_where(Connection& c, const std::string& condition,
                                          std::initializer_list<Value> params) {
    return db::one<Contact>(c.query_one(std::string("SELECT ") + kContactColumns +
                                            " FROM contacts c WHERE c.account_id = $1 AND "
                                            "c.deleted_at IS NULL AND " +
                                            condition,
                                        params),
                            contact_from);
}

}  // namespace

// ---- contacts

Status insert_contact(Connection& c, const Contact& contact) {
    std::vector<Value> params;
    params.reserve(kInsertWidth);
    append_values(params, contact);
    UJ_TRY(db::done(c.run(std::string("INSERT INTO contacts (") + kInsertColumns + ") VALUES " +
                              db::value_rows(1, kInsertWidth),
                          params)));
    return insert_tag_rows(c, {&contact});
}

Status update_contact(Connection& c, const Contact& k, bool tags_changed) {
    UJ_ASSIGN(
        auto updated,
        c.query(
            "UPDATE contacts SET name = $3, phone_e164 = $4, email = $5, attributes = $6, tags = "
            "$7, "
            "is_active = $8, is_opted_in = $9, opt_in_at = $10, opt_out_at = $11, "
            "opt_out_reason = $12, last_contacted_at = $13, search_text = $14, updated_at = $15, "
            "opted_out_channels = $16 WHERE id = $1 AND account_id = $2 AND deleted_at IS NULL",
            {k.id.value, k.account_id.value, k.name, db::optional_text(k.phone_e164),
             db::optional_text(k.email), k.attributes.dump(), join_tags(k.tags), k.is_active,
             k.is_opted_in, db::optional_int(k.opt_in_at), db::optional_int(k.opt_out_at),
             db::optional_text(k.opt_out_reason), db::optional_int(k.last_contacted_at),
             search_text(k), k.updated_at, join_tags(k.opted_out_channels)}));
    // Tag rows follow only a contact of this account that was updated.
    if (!tags_changed || updated.affected == 0) return {};
    UJ_TRY(db::done(c.query("DELETE FROM contact_tags WHERE contact_id = $1", {k.id.value})));
    return insert_tag_rows(c, {&k});
}

Status refresh_statistics(Connection& c) {
    if (c.dialect() != db::Dialect::kPostgres) return {};
    return c.run_script("ANALYZE contacts, contact_tags");
}

Status tidy_after_import(Connection& c) {
    if (c.dialect() != db::Dialect::kPostgres) return {};
    return c.run_script("VACUUM (ANALYZE) contacts, contact_tags");
}

Status defer_contact_counts(Connection& c) {
    if (c.dialect() != db::Dialect::kPostgres) return {};
    return c.run_script("SET LOCAL ujumbe.defer_contact_counts = 'on'");
}

Status count_deferred_contacts(Connection& c, const AccountId& account, std::int64_t created) {
    if (c.dialect() != db::Dialect::kPostgres || created == 0) return {};
    return db::done(c.query("SELECT contact_counts_add(jsonb_build_object($1::text, $2::bigint))",
                            {account.value, created}));
}

Status release_email(Connection& c, const AccountId& account, const ContactId& id) {
    return db::done(c.query("UPDATE contacts SET email = NULL WHERE id = $1 AND account_id = $2",
                            {id.value, account.value}));
}

Status soft_delete_contact(Connection& c, const AccountId& account, const ContactId& id,
                           Micros now) {
    UJ_ASSIGN(auto deleted, c.query("UPDATE contacts SET deleted_at = $3, updated_at = $3 WHERE id "
                                    "= $1 AND account_id = $2 "
                                    "AND deleted_at IS NULL",
                                    {id.value, account.value, now}));
    if (deleted.affected == 0) return {};  // not this account's, or already gone
    // A deleted contact leaves its groups; tag rows go too (nothing lists them).
    UJ_TRY(
        db::done(c.query("DELETE FROM contact_group_members WHERE contact_id = $1", {id.value})));
    return db::done(c.query("DELETE FROM contact_tags WHERE contact_id = $1", {id.value}));
}

Result<std::optional<Contact>> find_contact(Connection& c, const AccountId& account,
                                            const ContactId& id) {
    return find_where(c, "c.id = $2", {account.value, id.value});
}

Result<std::optional<Contact>> find_by_phone(Connection& c, const AccountId& account,
                                             const std::string& phone_e164) {
    return find_where(c, "c.phone_e164 = $2", {account.value, phone_e164});
}

Result<std::optional<Contact>> find_by_email(Connection& c, const AccountId& account,
                                             const std::string& email) {
    return find_where(c, "c.email = $2", {account.value, email});
}

// The total of a list. Counting a million rows costs more than the page, so
// the common shapes take shortcuts: no filter reads the count the triggers
// keep (contact_counts), tags alone count tag rows (only live contacts have
// them); anything else counts the matching contacts.
Result<std::int64_t> count_listed(Connection& c, const AccountId& account, const ContactQuery& q,
                                  const db::Filter& f) {
    const bool tags_only = !(q.search && !q.search->empty()) && !q.is_active && !q.is_opted_in &&
                           !q.group_id && !q.segment;
    if (tags_only && q.tags.empty()) {
        UJ_ASSIGN(auto row, c.query_one("SELECT live FROM contact_counts WHERE account_id = $1",
                                        {account.value}));
        return row ? row->i64(0) : 0;
    }
    if (tags_only) {
        db::Filter t({account.value});
        t.where("t.account_id = $1");
        t.add("t.tag = {}", q.tags.front());
        for (std::size_t i = 1; i < q.tags.size(); ++i)
            t.add(
                "EXISTS (SELECT 1 FROM contact_tags o WHERE o.account_id = $1 AND o.tag = {} AND "
                "o.contact_id = t.contact_id)",
                q.tags[i]);
        return db::count_of(c, "SELECT count(*) FROM contact_tags t", t);
    }
    return db::count_of(c, "SELECT count(*) FROM contacts c", f);
}

Result<db::Listing<Contact>> list_contacts(Connection& c, const AccountId& account,
                                           const ContactQuery& q, Paged page) {
    auto f = contact_filter(c, account, q);
    UJ_ASSIGN(auto count, count_listed(c, account, q, f));
    const auto order = order_clause(q.ordering);
    const auto limit = db::limit_clause(f, page);
    UJ_ASSIGN(auto items, db::all<Contact>(c.run(std::string("SELECT ") + kContactColumns +
                                                     " FROM contacts c" + f.sql() + order + limit,
                                                 f.params()),
                                           contact_from));
    return db::Listing<Contact>{std::move(items), count};
}

Result<std::int64_t> count_contacts(Connection& c, const AccountId& account,
                                    const ContactQuery& q) {
    return count_listed(c, account, q, contact_filter(c, account, q));
}

Result<std::vector<Contact>> export_page(Connection& c, const AccountId& account,
                                         const ContactQuery& q,
                                         const std::optional<ExportCursor>& after, int limit) {
    auto f = contact_filter(c, account, q);
    if (after) {
        const auto at = f.bind(after->created_at);
        const auto id = f.bind(after->id);
        // A row value, so that both engines seek the (account_id,
        // created_at, id) index instead of filtering an OR.
        f.where("(c.created_at, c.id) > (" + at + ", " + id + ")");
    }
    const auto n = f.bind(static_cast<std::int64_t>(limit));
    return db::all<Contact>(c.run(std::string("SELECT ") + kContactColumns + " FROM contacts c" +
                                      f.sql() + " ORDER BY c.created_at, c.id LIMIT " + n,
                                  f.params()),
                            contact_from);
}

// ---- batches

namespace {}  // namespace

Result<std::vector<Contact>> find_matching(Connection& c, const AccountId& account,
                                           const std::vector<std::string>& phones,
                                           const std::vector<std::string>& emails) {
    // One indexed lookup per column (an OR of both would scan the account
    // on SQLite), in the fixed statement shapes of db::for_ids ('' pads
    // SQLite's lists; no contact has it).
    std::vector<Contact> found;
    std::unordered_set<ContactId> seen;  // a contact may match by both
    for (const auto* column : {"phone_e164", "email"}) {
        const auto& keys = std::string_view(column) == "email" ? emails : phones;
        UJ_TRY(db::for_ids(c,
                           std::string("SELECT ") + kContactColumns +
                               " FROM contacts c WHERE c.account_id = $1 AND "
                               "c.deleted_at IS NULL AND c." +
                               column,
                           "", {account.value}, keys, [&](db::QueryResult& r) -> Status {
                               for (const auto& row : r.rows) {
                                   auto contact = contact_from(row);
                                   if (seen.insert(contact.id).second)
                                       found.push_back(std::move(contact));
                               }
                               return {};
                           }));
    }
    return found;
}

Status insert_contacts(Connection& c, const std::vector<const Contact*>& contacts) {
    std::vector<Value> params;
    params.reserve(kRowsPerInsert * kInsertWidth);
    UJ_TRY(db::for_each_batch(
        contacts.size(), kRowsPerInsert, [&](std::size_t first, std::size_t count) {
            params.clear();
            for (std::size_t i = first; i < first + count; ++i) append_values(params, *contacts[i]);
            return db::done(c.run(std::string("INSERT INTO contacts (") + kInsertColumns +
                                      ") VALUES " +
                                      db::value_rows(static_cast<int>(count), kInsertWidth),
                                  params));
        }));
    return insert_tag_rows(c, contacts);
}

// ---- consent

Result<std::optional<std::string>> keywords_of(Connection& c, const AccountId& account) {
    UJ_ASSIGN(auto row, c.query_one("SELECT keywords FROM consent_keywords WHERE account_id = $1",
                                    {account.value}));
    if (!row) return std::optional<std::string>{};
    return std::optional<std::string>{row->text(0)};
}

Status save_keywords(Connection& c, const AccountId& account, const std::string& keywords,
                     const std::optional<UserId>& by, Micros at) {
    return db::done(c.query(
        "INSERT INTO consent_keywords (account_id, keywords, updated_by, updated_at) VALUES ($1, "
        "$2, $3, $4) ON CONFLICT (account_id) DO UPDATE SET keywords = excluded.keywords, "
        "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        {account.value, keywords, db::optional_id(by), at}));
}

Status insert_consent(Connection& c, const AccountId& account, const ConsentEvent& e) {
    return db::done(c.query(
        "INSERT INTO contact_consents (id, account_id, contact_id, action, channel, source, "
        "reason, actor_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        {e.id, account.value, e.contact_id.value, e.action, e.channel, e.source,
         db::optional_text(e.reason), db::optional_id(e.actor_id), e.created_at}));
}

Result<std::vector<ConsentEvent>> recent_consents(Connection& c, const AccountId& account,
                                                  const ContactId& contact_id, int limit) {
    return db::all<ConsentEvent>(
        c.query("SELECT id, contact_id, action, channel, source, reason, actor_id, created_at "
                "FROM contact_consents WHERE account_id = $1 AND contact_id = $2 "
                "ORDER BY created_at DESC, id DESC LIMIT $3",
                {account.value, contact_id.value, static_cast<std::int64_t>(limit)}),
        [](const Row& r) {
            ConsentEvent e;
            e.id = r.text(0);
            e.contact_id = r.id<ContactId>(1);
            e.action = r.text(2);
            e.channel = r.text(3);
            e.source = r.text(4);
            e.reason = r.opt_text(5);
            e.actor_id = r.opt_id<UserId>(6);
            e.created_at = r.i64(7);
            return e;
        });
}

// ---- groups

namespace {

// Members are counted live, leaving out deleted contacts.
constexpr const char* kGroupColumns =
    "g.id, g.account_id, g.name, g.description, g.created_at, g.updated_at, "
    "(SELECT count(*) FROM contact_group_members m JOIN contacts k ON k.id = m.contact_id "
    "WHERE m.group_id = g.id AND k.deleted_at IS NULL)";

Group group_from(const Row& r) {
    Group g;
    g.id = r.id<GroupId>(0);
    g.account_id = AccountId{r.text(1)};
    g.name = r.text(2);
    g.description = r.text(3);
    g.created_at = r.i64(4);
    g.updated_at = r.i64(5);
    g.contact_count = r.i64(6);
    return g;
}

}  // namespace

Status insert_group(Connection& c, const Group& g) {
    return db::done(c.query(
        "INSERT INTO contact_groups (id, account_id, name, description, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        {g.id.value, g.account_id.value, g.name, g.description, g.created_at, g.updated_at}));
}

Status update_group(Connection& c, const Group& g) {
    return db::done(
        c.query("UPDATE contact_groups SET name = $3, description = $4, updated_at = $5 "
                "WHERE id = $1 AND account_id = $2",
                {g.id.value, g.account_id.value, g.name, g.description, g.updated_at}));
}

Status delete_group(Connection& c, const AccountId& account, const GroupId& id) {
    UJ_TRY(
        db::done(c.query("DELETE FROM contact_group_members WHERE group_id IN "
                         "(SELECT id FROM contact_groups WHERE id = $1 AND account_id = $2)",
                         {id.value, account.value})));
    return db::done(c.query("DELETE FROM contact_groups WHERE id = $1 AND account_id = $2",
                            {id.value, account.value}));
}

Result<std::optional<Group>> find_group(Connection& c, const AccountId& account,
                                        const GroupId& id) {
    return db::one<Group>(c.query_one(std::string("SELECT ") + kGroupColumns +
                                          " FROM contact_groups g WHERE g.account_id = $1 AND "
                                          "g.id = $2",
                                      {account.value, id.value}),
                          group_from);
}

Result<db::Listing<Group>> list_groups(Connection& c, const AccountId& account,
                                       const std::optional<std::string>& search, Paged page) {
    db::Filter f({account.value});
    f.where("g.account_id = $1");
    if (search && !search->empty())
        f.add("lower(g.name) LIKE {} ESCAPE '\\'", db::like_contains(*search));
    UJ_ASSIGN(auto count, db::count_of(c, "SELECT count(*) FROM contact_groups g", f));
    const auto limit = db::limit_clause(f, page);
    UJ_ASSIGN(auto items, db::all<Group>(c.run(std::string("SELECT ") + kGroupColumns +
                                                   " FROM contact_groups g" + f.sql() +
                                                   " ORDER BY g.created_at DESC, g.id DESC" + limit,
                                               f.params()),
                                         group_from));
    return db::Listing<Group>{std::move(items), count};
}

namespace {

// The account condition of a lookup by ids: SQLite would otherwise walk the
// account's contacts by its (account_id, created_at) index and test each
// against the id list (a unary + keeps it off that index); PostgreSQL
// picks the primary key by itself.
std::string by_id_in_account(Connection& c) {
    return c.dialect() == db::Dialect::kSqlite ? "+c.account_id = $1" : "c.account_id = $1";
}

}  // namespace

Result<std::vector<ContactId>> live_contact_ids(Connection& c, const AccountId& account,
                                                const std::vector<ContactId>& ids) {
    std::vector<ContactId> out;
    for (std::size_t start = 0; start < ids.size(); start += kRowsPerInsert) {
        const auto n = std::min(kRowsPerInsert, ids.size() - start);
        std::vector<Value> params{account.value};
        for (std::size_t i = 0; i < n; ++i) params.emplace_back(ids[start + i].value);
        UJ_ASSIGN(auto rows, c.run("SELECT c.id FROM contacts c WHERE " + by_id_in_account(c) +
                                       " AND c.deleted_at IS NULL AND c.id IN (" +
                                       db::placeholders(2, n) + ")",
                                   params));
        for (const auto& r : rows.rows) out.push_back(r.id<ContactId>(0));
    }
    return out;
}

Result<std::vector<Contact>> live_contacts(Connection& c, const AccountId& account,
                                           const std::vector<ContactId>& ids) {
    std::vector<Contact> out;
    UJ_TRY(db::for_ids(c,
                       std::string("SELECT ") + kContactColumns + " FROM contacts c WHERE " +
                           by_id_in_account(c) + " AND c.deleted_at IS NULL AND c.id",
                       "", {account.value}, ids, [&](db::QueryResult& r) -> Status {
                           for (const auto& row : r.rows) out.push_back(contact_from(row));
                           return {};
                       }));
    return out;
}

Result<std::int64_t> add_members(Connection& c, const GroupId& group_id,
                                 const std::vector<ContactId>& contact_ids, Micros now) {
    std::int64_t added = 0;
    for (const auto& id : contact_ids) {
        UJ_ASSIGN(auto r, c.query("INSERT INTO contact_group_members (group_id, contact_id, "
                                  "added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                                  {group_id.value, id.value, now}));
        added += r.affected;
    }
    return added;
}

Result<std::int64_t> remove_members(Connection& c, const GroupId& group_id,
                                    const std::vector<ContactId>& contact_ids) {
    std::int64_t removed = 0;
    for (const auto& id : contact_ids) {
        UJ_ASSIGN(auto r, c.query("DELETE FROM contact_group_members WHERE group_id = $1 AND "
                                  "contact_id = $2",
                                  {group_id.value, id.value}));
        removed += r.affected;
    }
    return removed;
}

// ---- segments

namespace {

constexpr const char* kSegmentColumns =
    "id, account_id, name, description, rules, contact_count, counted_at, created_at, "
    "updated_at";

Segment segment_from(const Row& r) {
    Segment s;
    s.id = r.id<SegmentId>(0);
    s.account_id = AccountId{r.text(1)};
    s.name = r.text(2);
    s.description = r.text(3);
    // Stored rules were valid when written.
    if (auto rules = parse_rules(json::parse(r.text(4), nullptr, false))) s.rules = *rules;
    s.contact_count = r.i64(5);
    s.counted_at = r.opt_i64(6);
    s.created_at = r.i64(7);
    s.updated_at = r.i64(8);
    return s;
}

}  // namespace

Status insert_segment(Connection& c, const Segment& s) {
    return db::done(c.query(
        std::string("INSERT INTO segments (") + kSegmentColumns +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        {s.id.value, s.account_id.value, s.name, s.description, rules_to_json(s.rules).dump(),
         s.contact_count, db::optional_int(s.counted_at), s.created_at, s.updated_at}));
}

Status update_segment(Connection& c, const Segment& s) {
    return db::done(c.query(
        "UPDATE segments SET name = $3, description = $4, rules = $5, contact_count = $6, "
        "counted_at = $7, updated_at = $8 WHERE id = $1 AND account_id = $2",
        {s.id.value, s.account_id.value, s.name, s.description, rules_to_json(s.rules).dump(),
         s.contact_count, db::optional_int(s.counted_at), s.updated_at}));
}

Status delete_segment(Connection& c, const AccountId& account, const SegmentId& id) {
    return db::done(c.query("DELETE FROM segments WHERE id = $1 AND account_id = $2",
                            {id.value, account.value}));
}

Result<std::optional<Segment>> find_segment(Connection& c, const AccountId& account,
                                            const SegmentId& id) {
    return db::one<Segment>(c.query_one(std::string("SELECT ") + kSegmentColumns +
                                            " FROM segments WHERE account_id = $1 AND id = $2",
                                        {account.value, id.value}),
                            segment_from);
}

Result<db::Listing<Segment>> list_segments(Connection& c, const AccountId& account,
                                           const std::optional<std::string>& search, Paged page) {
    db::Filter f({account.value});
    f.where("account_id = $1");
    if (search && !search->empty())
        f.add("lower(name) LIKE {} ESCAPE '\\'", db::like_contains(*search));
    UJ_ASSIGN(auto count, db::count_of(c, "SELECT count(*) FROM segments", f));
    const auto limit = db::limit_clause(f, page);
    UJ_ASSIGN(auto items,
              db::all<Segment>(c.run(std::string("SELECT ") + kSegmentColumns + " FROM segments" +
                                         f.sql() + " ORDER BY created_at DESC, id DESC" + limit,
                                     f.params()),
                               segment_from));
    return db::Listing<Segment>{std::move(items), count};
}

// ---- imports

namespace {

constexpr const char* kImportColumns =
    "id, account_id, created_by, status, file_name, file_path, byte_begin, byte_end, options, "
    "columns, processed_bytes, next_line, rows_processed, created_count, updated_count, "
    "skipped_count, failed_count, error, created_at, started_at, finished_at, updated_at";

json options_json(const ImportOptions& o) {
    return {{"on_existing", o.on_existing}, {"tags", o.tags}, {"mapping", o.mapping}};
}

ImportJob import_from(const Row& r) {
    ImportJob j;
    j.id = r.id<ImportJobId>(0);
    j.account_id = AccountId{r.text(1)};
    j.created_by = r.opt_id<UserId>(2);
    j.status = r.text(3);
    j.file_name = r.text(4);
    j.file_path = r.text(5);
    j.byte_begin = r.i64(6);
    j.byte_end = r.i64(7);
    auto options = json::parse(r.text(8), nullptr, false);
    if (options.is_object()) {
        j.options.on_existing = options.value("on_existing", std::string("update"));
        j.options.tags = options.value("tags", std::vector<std::string>{});
        j.options.mapping = options.value("mapping", json::object());
    }
    if (!r.is_null(9)) j.columns = json::parse(r.text(9), nullptr, false);
    j.processed_bytes = r.i64(10);
    j.next_line = r.i64(11);
    j.rows_processed = r.i64(12);
    j.created = r.i64(13);
    j.updated = r.i64(14);
    j.skipped = r.i64(15);
    j.failed = r.i64(16);
    j.error = r.opt_text(17);
    j.created_at = r.i64(18);
    j.started_at = r.opt_i64(19);
    j.finished_at = r.opt_i64(20);
    j.updated_at = r.i64(21);
    return j;
}

}  // namespace

Status insert_import(Connection& c, const ImportJob& j) {
    return db::done(c.query(
        std::string("INSERT INTO contact_imports (") + kImportColumns +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
            "$17, $18, $19, $20, $21, $22)",
        {j.id.value,
         j.account_id.value,
         db::optional_id(j.created_by),
         j.status,
         j.file_name,
         j.file_path,
         j.byte_begin,
         j.byte_end,
         options_json(j.options).dump(),
         j.columns.is_null() ? Value(nullptr) : Value(j.columns.dump()),
         j.processed_bytes,
         j.next_line,
         j.rows_processed,
         j.created,
         j.updated,
         j.skipped,
         j.failed,
         db::optional_text(j.error),
         j.created_at,
         db::optional_int(j.started_at),
         db::optional_int(j.finished_at),
         j.updated_at}));
}

Status save_import(Connection& c, const ImportJob& j) {
    return db::done(c.query(
        "UPDATE contact_imports SET status = $2, columns = $3, processed_bytes = $4, "
        "next_line = $5, rows_processed = $6, created_count = $7, updated_count = $8, "
        "skipped_count = $9, failed_count = $10, error = $11, started_at = $12, "
        "finished_at = $13, updated_at = $14 WHERE id = $1",
        {j.id.value, j.status, j.columns.is_null() ? Value(nullptr) : Value(j.columns.dump()),
         j.processed_bytes, j.next_line, j.rows_processed, j.created, j.updated, j.skipped,
         j.failed, db::optional_text(j.error), db::optional_int(j.started_at),
         db::optional_int(j.finished_at), j.updated_at}));
}

Result<std::optional<ImportJob>> find_import(Connection& c, const AccountId& account,
                                             const ImportJobId& id) {
    return db::one<ImportJob>(
        c.query_one(std::string("SELECT ") + kImportColumns +
                        " FROM contact_imports WHERE account_id = $1 AND id = $2",
                    {account.value, id.value}),
        import_from);
}

Result<db::Listing<ImportJob>> list_imports(Connection& c, const AccountId& account, Paged page) {
    db::Filter f({account.value});
    f.where("account_id = $1");
    UJ_ASSIGN(auto count, db::count_of(c, "SELECT count(*) FROM contact_imports", f));
    const auto limit = db::limit_clause(f, page);
    UJ_ASSIGN(auto items, db::all<ImportJob>(c.run(std::string("SELECT ") + kImportColumns +
                                                       " FROM contact_imports" + f.sql() +
                                                       " ORDER BY created_at DESC, id DESC" + limit,
                                                   f.params()),
                                             import_from));
    return db::Listing<ImportJob>{std::move(items), count};
}

Result<std::vector<ImportJob>> unfinished_imports(Connection& c) {
    return db::all<ImportJob>(c.query(std::string("SELECT ") + kImportColumns +
                                      " FROM contact_imports WHERE status IN ('pending', "
                                      "'running') ORDER BY created_at, id"),
                              import_from);
}

Result<bool> claim_import(Connection& c, const ImportJobId& id, Micros now) {
    UJ_ASSIGN(auto r, c.query("UPDATE contact_imports SET status = 'running', started_at = $2, "
                              "updated_at = $2 WHERE id = $1 AND status = 'pending'",
                              {id.value, now}));
    return r.affected == 1;
}

Status insert_import_errors(Connection& c, const ImportJobId& import_id,
                            const std::vector<ImportRowError>& errors) {
    std::vector<Value> params;
    for (std::size_t start = 0; start < errors.size(); start += kRowsPerInsert) {
        const auto rows = std::min(kRowsPerInsert, errors.size() - start);
        params.clear();
        for (std::size_t i = 0; i < rows; ++i) {
            const auto& e = errors[start + i];
            params.emplace_back(import_id.value);
            params.emplace_back(e.line);
            params.emplace_back(e.outcome);
            params.emplace_back(e.reason);
            params.emplace_back(e.row_text);
        }
        // A resumed batch may meet the rows it wrote before a crash.
        UJ_TRY(db::done(
            c.run("INSERT INTO contact_import_errors (import_id, line, outcome, "
                  "reason, row_text) VALUES " +
                      db::value_rows(static_cast<int>(rows), 5) + " ON CONFLICT DO NOTHING",
                  params)));
    }
    return {};
}

Result<std::vector<ImportRowError>> import_errors(Connection& c, const ImportJobId& import_id,
                                                  std::int64_t after_line, int limit) {
    return db::all<ImportRowError>(
        c.query("SELECT line, outcome, reason, row_text FROM contact_import_errors "
                "WHERE import_id = $1 AND line > $2 ORDER BY line LIMIT $3",
                {import_id.value, after_line, static_cast<std::int64_t>(limit)}),
        [](const Row& r) {
            return ImportRowError{r.i64(0), r.text(1), r.text(2), r.text(3)};
        });
}

}  // namespace ujumbe::contacts::store
