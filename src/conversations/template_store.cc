#include "conversations/template_store.h"

namespace ujumbe::conversations::store {

namespace {

using db::Row;

constexpr const char* kColumns =
    "id, account_id, meta_id, name, language, category, components, body_text, "
    "header_parameters, body_parameters, status, reason, created_by, created_at, updated_at";

WhatsAppTemplate template_from(const Row& r) {
    WhatsAppTemplate t;
    t.id = r.id<WhatsAppTemplateId>(0);
    t.account_id = r.id<AccountId>(1);
    t.meta_id = r.opt_text(2);
    t.name = r.text(3);
    t.language = r.text(4);
    t.category = r.text(5);
    t.components = r.text(6);
    t.body_text = r.text(7);
    t.header_parameters = static_cast<int>(r.i64(8));
    t.body_parameters = static_cast<int>(r.i64(9));
    t.status = r.text(10);
    t.reason = r.opt_text(11);
    t.created_by = r.opt_id<UserId>(12);
    t.created_at = r.i64(13);
    t.updated_at = r.i64(14);
    return t;
}

Result<std::optional<WhatsAppTemplate>> one(Connection& c, const std::string& where,
                                            std::initializer_list<db::Value> params) {
    return db::one<WhatsAppTemplate>(
        c.query_one(std::string("SELECT ") + kColumns + " FROM whatsapp_templates WHERE " + where,
                    params),
        template_from);
}

}  // namespace

Status insert_template(Connection& c, const WhatsAppTemplate& t) {
    return db::done(c.query(
        std::string("INSERT INTO whatsapp_templates (") + kColumns +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        {t.id.value, t.account_id.value, db::optional_text(t.meta_id), t.name, t.language,
         t.category, t.components, t.body_text, static_cast<std::int64_t>(t.header_parameters),
         static_cast<std::int64_t>(t.body_parameters), t.status, db::optional_text(t.reason),
         db::optional_id(t.created_by), t.created_at, t.updated_at}));
}

Status update_template(Connection& c, const WhatsAppTemplate& t) {
    return db::done(c.query(
        "UPDATE whatsapp_templates SET meta_id = $3, category = $4, components = $5, "
        "body_text = $6, header_parameters = $7, body_parameters = $8, status = $9, reason = $10, "
        "updated_at = $11 WHERE id = $1 AND account_id = $2",
        {t.id.value, t.account_id.value, db::optional_text(t.meta_id), t.category, t.components,
         t.body_text, static_cast<std::int64_t>(t.header_parameters),
         static_cast<std::int64_t>(t.body_parameters), t.status, db::optional_text(t.reason),
         t.updated_at}));
}

Status delete_template(Connection& c, const AccountId& account, const WhatsAppTemplateId& id) {
    return db::done(c.query("DELETE FROM whatsapp_templates WHERE id = $1 AND account_id = $2",
                            {id.value, account.value}));
}

Result<std::optional<WhatsAppTemplate>> find_template(Connection& c, const AccountId& account,
                                                      const WhatsAppTemplateId& id) {
    return one(c, "id = $1 AND account_id = $2", {id.value, account.value});
}

Result<std::optional<WhatsAppTemplate>> template_named(Connection& c, const AccountId& account,
                                                       const std::string& name,
                                                       const std::string& language) {
    return one(c, "account_id = $1 AND name = $2 AND language = $3",
               {account.value, name, language});
}

Result<std::optional<WhatsAppTemplate>> template_of_meta(Connection& c, const AccountId& account,
                                                         const std::string& meta_id,
                                                         const std::string& name,
                                                         const std::string& language) {
    if (!meta_id.empty()) {
        UJ_ASSIGN(auto found, one(c, "account_id = $1 AND meta_id = $2", {account.value, meta_id}));
        if (found) return found;
    }
    return template_named(c, account, name, language);
}

Result<db::Listing<WhatsAppTemplate>> list_templates(Connection& c, const AccountId& account,
                                                     const TemplateQuery& q,
                                                     const db::Paged& page) {
    db::Filter f;
    std::string where = " WHERE account_id = " + f.bind(account.value);
    if (q.status) where += " AND status = " + f.bind(*q.status);
    if (q.category) where += " AND category = " + f.bind(*q.category);
    if (q.search)
        where += " AND name LIKE " + f.bind(db::like_contains(*q.search)) + " ESCAPE '\\'";
    db::Listing<WhatsAppTemplate> out;
    UJ_ASSIGN(out.count, db::count_of(c, "SELECT count(*) FROM whatsapp_templates" + where, f));
    // Built before f.params() is read: the limit binds parameters too.
    const std::string sql = std::string("SELECT ") + kColumns + " FROM whatsapp_templates" + where +
                            " ORDER BY name, language" + db::limit_clause(f, page);
    UJ_ASSIGN(auto result, c.run(sql, f.params()));
    for (const auto& r : result.rows) out.items.push_back(template_from(r));
    return out;
}

}  // namespace ujumbe::conversations::store
