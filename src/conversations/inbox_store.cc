#include "conversations/inbox_store.h"

#include <nlohmann/json.hpp>

#include "core/validate.h"

namespace ujumbe::conversations::store {

namespace {

using db::Row;
using db::Value;
using json = nlohmann::json;

constexpr const char* kColumns =
    "id, account_id, channel, customer, contact_id, status, assigned_to, tags, unread_count, "
    "last_message_at, last_message_preview, last_direction, created_at, updated_at";

std::string tags_text(const std::vector<std::string>& tags) {
    return json(tags).dump();
}

std::vector<std::string> tags_of(const std::string& text) {
    std::vector<std::string> out;
    const auto doc = json::parse(text, nullptr, false);  // written by tags_text
    if (doc.is_array())
        for (const auto& t : doc)
            if (t.is_string()) out.push_back(t.get<std::string>());
    return out;
}

Conversation conversation_from(const Row& r) {
    Conversation k;
    k.id = r.id<ConversationId>(0);
    k.account_id = r.id<AccountId>(1);
    k.channel = r.text(2);
    k.customer = r.text(3);
    k.contact_id = r.opt_id<ContactId>(4);
    k.status = r.text(5);
    k.assigned_to = r.opt_id<UserId>(6);
    k.tags = tags_of(r.text(7));
    k.unread_count = r.i64(8);
    k.last_message_at = r.i64(9);
    k.last_message_preview = r.text(10);
    k.last_direction = r.text(11);
    k.created_at = r.i64(12);
    k.updated_at = r.i64(13);
    return k;
}

}  // namespace

Status note_message(Connection& c, const AccountId& account, const std::string& channel,
                    const std::string& customer, const std::optional<ContactId>& contact_id,
                    bool inbound, const std::string& preview, Micros at) {
    // Reopened and counted by the customer's message; read once we answer.
    return db::done(c.query(
        "INSERT INTO conversations (id, account_id, channel, customer, contact_id, status, "
        "tags, unread_count, last_message_at, last_message_preview, last_direction, "
        "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'OPEN', '[]', $6, $7, $8, $9, $7, "
        "$7) ON CONFLICT (account_id, channel, customer) DO UPDATE SET "
        "contact_id = COALESCE(excluded.contact_id, conversations.contact_id), "
        "status = CASE WHEN excluded.last_direction = 'inbound' THEN 'OPEN' "
        "ELSE conversations.status END, "
        "unread_count = CASE WHEN excluded.last_direction = 'inbound' "
        "THEN conversations.unread_count + 1 ELSE 0 END, "
        "last_message_at = CASE WHEN excluded.last_message_at >= conversations.last_message_at "
        "THEN excluded.last_message_at ELSE conversations.last_message_at END, "
        "last_message_preview = CASE WHEN excluded.last_message_at >= "
        "conversations.last_message_at THEN excluded.last_message_preview "
        "ELSE conversations.last_message_preview END, "
        "last_direction = CASE WHEN excluded.last_message_at >= conversations.last_message_at "
        "THEN excluded.last_direction ELSE conversations.last_direction END, "
        "updated_at = excluded.updated_at",
        {new_uuid_v7(at), account.value, channel, customer, db::optional_id(contact_id),
         std::int64_t{inbound ? 1 : 0}, at, preview,
         std::string(inbound ? "inbound" : "outbound")}));
}

Result<db::Listing<Conversation>> list_conversations(Connection& c, const AccountId& account,
                                                     const ConversationQuery& q,
                                                     const db::Paged& page) {
    db::Filter f;
    std::string where = " WHERE account_id = " + f.bind(account.value);
    if (q.status) where += " AND status = " + f.bind(*q.status);
    if (q.channel) where += " AND channel = " + f.bind(*q.channel);
    if (q.assigned_to) {
        if (*q.assigned_to)
            where += " AND assigned_to = " + f.bind((*q.assigned_to)->value);
        else
            where += " AND assigned_to IS NULL";
    }
    if (q.unread) where += *q.unread ? " AND unread_count > 0" : " AND unread_count = 0";
    if (q.visible_to)
        where += " AND (assigned_to IS NULL OR assigned_to = " + f.bind(q.visible_to->value) + ")";
    if (q.tag)
        where += " AND lower(tags) LIKE " + f.bind(db::like_contains(json(*q.tag).dump())) +
                 " ESCAPE '\\'";
    if (q.search) {
        // The number, or the name of the contact the conversation is with.
        const std::string lower = ascii_lower(*q.search);
        where += " AND (customer LIKE " + f.bind(db::like_contains(*q.search)) +
                 " ESCAPE '\\' OR contact_id IN (SELECT id FROM contacts WHERE account_id = " +
                 f.bind(account.value) + " AND lower(name) LIKE " +
                 f.bind(db::like_contains(lower)) + " ESCAPE '\\'))";
    }
    db::Listing<Conversation> out;
    UJ_ASSIGN(out.count, db::count_of(c, "SELECT count(*) FROM conversations" + where, f));
    const std::string sql = std::string("SELECT ") + kColumns + " FROM conversations" + where +
                            " ORDER BY last_message_at DESC, id DESC" + db::limit_clause(f, page);
    UJ_ASSIGN(auto result, c.run(sql, f.params()));
    for (const auto& r : result.rows) out.items.push_back(conversation_from(r));
    return out;
}

Result<std::string> agents_see(Connection& c, const AccountId& account) {
    UJ_ASSIGN(auto row, c.query_one("SELECT agents_see FROM inbox_settings WHERE account_id = $1",
                                    {account.value}));
    return row ? row->text(0) : std::string("all");
}

Status set_agents_see(Connection& c, const AccountId& account, const std::string& value,
                      Micros now) {
    return db::done(c.query(
        "INSERT INTO inbox_settings (account_id, agents_see, updated_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (account_id) DO UPDATE SET agents_see = excluded.agents_see, "
        "updated_at = excluded.updated_at",
        {account.value, value, now}));
}

Result<std::optional<Conversation>> conversation_with(Connection& c, const AccountId& account,
                                                      const std::string& channel,
                                                      const std::string& customer) {
    return db::one<Conversation>(
        c.query_one(std::string("SELECT ") + kColumns +
                        " FROM conversations WHERE account_id = $1 AND channel = $2 AND "
                        "customer = $3",
                    {account.value, channel, customer}),
        conversation_from);
}

Result<std::optional<Conversation>> find_conversation(Connection& c, const AccountId& account,
                                                      const ConversationId& id) {
    return db::one<Conversation>(
        c.query_one(std::string("SELECT ") + kColumns +
                        " FROM conversations WHERE id = $1 AND account_id = $2",
                    {id.value, account.value}),
        conversation_from);
}

Status update_conversation(Connection& c, const Conversation& k) {
    return db::done(c.query(
        "UPDATE conversations SET status = $3, assigned_to = $4, tags = $5, unread_count = $6, "
        "updated_at = $7 WHERE id = $1 AND account_id = $2",
        {k.id.value, k.account_id.value, k.status, db::optional_id(k.assigned_to),
         tags_text(k.tags), k.unread_count, k.updated_at}));
}

Result<ConversationCounts> conversation_counts(Connection& c, const AccountId& account) {
    UJ_ASSIGN(auto row,
              c.query_one("SELECT count(*), "
                          "COALESCE(sum(CASE WHEN status = 'OPEN' THEN 1 ELSE 0 END), 0), "
                          "COALESCE(sum(CASE WHEN unread_count > 0 THEN 1 ELSE 0 END), 0) "
                          "FROM conversations WHERE account_id = $1",
                          {account.value}));
    if (!row) return ConversationCounts{};
    return ConversationCounts{.total = row->i64(0), .open = row->i64(1), .unread = row->i64(2)};
}

}  // namespace ujumbe::conversations::store
