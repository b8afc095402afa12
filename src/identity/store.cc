#include "identity/store.h"

#include "db/filter.h"
#include "db/settings_epoch.h"
#include "db/store_support.h"

namespace ujumbe::identity::store {

using db::count_of;
using db::done;
using db::limit_clause;
using db::one;
using db::Row;
using db::Value;

namespace {

// Roles and types are checked by the schema; a value it let through that
// this build does not know reads as the weakest.
Role role_from(const std::string& text) {
    return parse_role(text).value_or(Role::kAgent);
}
std::optional<Role> opt_role_from(const Row& r, std::size_t i) {
    if (r.is_null(i)) return std::nullopt;
    return role_from(r.text(i));
}
AccountType account_type_from(const std::string& text) {
    return parse_account_type(text).value_or(AccountType::kBusiness);
}
std::string name_of(Role r) {
    return std::string(role_name(r));
}
std::string name_of(AccountType t) {
    return std::string(account_type_name(t));
}

constexpr const char* kAccountColumns =
    "id, type, name, status, parent_id, business_name, business_username, business_type, "
    "contact_email, contact_phone, country, account_sid, reseller_details, max_messages_per_day, "
    "created_at, updated_at, default_country, registered_ip, awaiting_verification, require_2fa";

// How many columns a list like kAccountColumns names: rows that join
// several tables find each part's first column by it.
constexpr std::size_t column_count(std::string_view columns) {
    std::size_t n = 1;
    for (char ch : columns) n += ch == ',';
    return n;
}

Account account_from(const Row& r, std::size_t i = 0) {
    Account a;
    a.id = AccountId{r.text(i + 0)};
    a.type = account_type_from(r.text(i + 1));
    a.name = r.text(i + 2);
    a.status = r.text(i + 3);
    a.parent_id = r.opt_id<AccountId>(i + 4);
    a.business_name = r.text(i + 5);
    a.business_username = r.opt_text(i + 6);
    a.business_type = r.text(i + 7);
    a.contact_email = r.text(i + 8);
    a.contact_phone = r.text(i + 9);
    a.country = r.text(i + 10);
    a.account_sid = r.text(i + 11);
    if (!r.is_null(i + 12))
        a.reseller_details = nlohmann::json::parse(r.text(i + 12), nullptr, false);
    if (a.reseller_details.is_discarded()) a.reseller_details = nullptr;
    a.max_messages_per_day = r.opt_i64(i + 13);
    a.created_at = r.i64(i + 14);
    a.updated_at = r.i64(i + 15);
    a.default_country = r.text(i + 16);
    a.registered_ip = r.opt_text(i + 17);
    a.awaiting_verification = r.boolean(i + 18);
    a.require_2fa = r.boolean(i + 19);
    return a;
}

Value details_value(const Account& a) {
    if (a.reseller_details.is_null()) return nullptr;
    return a.reseller_details.dump();
}

constexpr const char* kUserColumns =
    "u.id, u.email, u.name, u.password_hash, u.is_active, u.last_account_id, u.created_at, "
    "u.updated_at, u.last_login_at, u.email_verified_at, u.totp_enabled_at";

User user_from(const Row& r, std::size_t i = 0) {
    User u;
    u.id = UserId{r.text(i + 0)};
    u.email = r.text(i + 1);
    u.name = r.text(i + 2);
    u.password_hash = r.text(i + 3);
    u.is_active = r.boolean(i + 4);
    u.last_account_id = r.opt_id<AccountId>(i + 5);
    u.created_at = r.i64(i + 6);
    u.updated_at = r.i64(i + 7);
    u.last_login_at = r.opt_i64(i + 8);
    u.email_verified_at = r.opt_i64(i + 9);
    u.totp_enabled_at = r.opt_i64(i + 10);
    return u;
}

// A user's spent and expired single-use tokens in `table` (one of ours),
// deleted as a new one comes: the table holds what can still be used.
Status drop_spent_tokens(Connection& c, std::string_view table, const UserId& user, Micros now) {
    return done(c.query("DELETE FROM " + std::string(table) +
                            " WHERE user_id = $1 AND (used_at IS NOT NULL OR expires_at <= $2)",
                        {user.value, now}));
}

constexpr const char* kMembershipColumns =
    "m.account_id, m.user_id, m.role, m.is_active, m.max_messages_per_day, m.created_at, "
    "m.updated_at";

Membership membership_from(const Row& r, std::size_t i) {
    Membership m;
    m.account_id = AccountId{r.text(i + 0)};
    m.user_id = UserId{r.text(i + 1)};
    m.role = role_from(r.text(i + 2));
    m.is_active = r.boolean(i + 3);
    m.max_messages_per_day = r.opt_i64(i + 4);
    m.created_at = r.i64(i + 5);
    m.updated_at = r.i64(i + 6);
    return m;
}

constexpr const char* kKeyColumns =
    "k.id, k.account_id, k.created_by, k.name, k.prefix, k.key_hash, k.scopes, k.created_at, "
    "k.expires_at, k.last_used_at, k.revoked_at";

std::vector<std::string> split_scopes(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find(' ', start);
        if (end == std::string::npos) end = text.size();
        if (end > start) out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

ApiKey key_from(const Row& r, std::size_t i = 0) {
    ApiKey k;
    k.id = ApiKeyId{r.text(i + 0)};
    k.account_id = AccountId{r.text(i + 1)};
    k.created_by = UserId{r.text(i + 2)};
    k.name = r.text(i + 3);
    k.prefix = r.text(i + 4);
    k.key_hash = r.text(i + 5);
    k.scopes = split_scopes(r.text(i + 6));
    k.created_at = r.i64(i + 7);
    k.expires_at = r.opt_i64(i + 8);
    k.last_used_at = r.opt_i64(i + 9);
    k.revoked_at = r.opt_i64(i + 10);
    return k;
}

constexpr const char* kInvitationColumns =
    "i.id, i.account_id, i.email, i.name, i.role, i.max_messages_per_day, i.invited_by, "
    "i.token_hash, i.status, i.created_at, i.updated_at, i.expires_at";

Invitation invitation_from(const Row& r, std::size_t i = 0) {
    Invitation inv;
    inv.id = InvitationId{r.text(i + 0)};
    inv.account_id = AccountId{r.text(i + 1)};
    inv.email = r.text(i + 2);
    inv.name = r.opt_text(i + 3);
    inv.role = role_from(r.text(i + 4));
    inv.max_messages_per_day = r.opt_i64(i + 5);
    inv.invited_by = UserId{r.text(i + 6)};
    inv.token_hash = r.text(i + 7);
    inv.status = r.text(i + 8);
    inv.created_at = r.i64(i + 9);
    inv.updated_at = r.i64(i + 10);
    inv.expires_at = r.i64(i + 11);
    return inv;
}

}  // namespace

// ---- accounts

Status insert_account(Connection& c, const Account& a) {
    return done(c.query(
        std::string("INSERT INTO accounts (") + kAccountColumns +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
            "$18, $19, $20)",
        {a.id.value,
         name_of(a.type),
         a.name,
         a.status,
         db::optional_id(a.parent_id),
         a.business_name,
         db::optional_text(a.business_username),
         a.business_type,
         a.contact_email,
         a.contact_phone,
         a.country,
         a.account_sid,
         details_value(a),
         db::optional_int(a.max_messages_per_day),
         a.created_at,
         a.updated_at,
         a.default_country,
         db::optional_text(a.registered_ip),
         a.awaiting_verification,
         a.require_2fa}));
}

Status update_account(Connection& c, const Account& a) {
    return done(c.query(
        "UPDATE accounts SET name = $2, status = $3, business_name = $4, business_username = $5, "
        "business_type = $6, contact_email = $7, contact_phone = $8, country = $9, "
        "reseller_details = $10, max_messages_per_day = $11, updated_at = $12, default_country = "
        "$13, require_2fa = $14 "
        "WHERE id = $1",
        {a.id.value, a.name, a.status, a.business_name, db::optional_text(a.business_username),
         a.business_type, a.contact_email, a.contact_phone, a.country, details_value(a),
         db::optional_int(a.max_messages_per_day), a.updated_at, a.default_country,
         a.require_2fa}));
}

Result<std::optional<Account>> find_account(Connection& c, const AccountId& id) {
    return one<Account>(
        c.query_one(std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE id = $1",
                    {id.value}),
        [](const Row& r) { return account_from(r); });
}

Result<std::optional<Account>> find_platform_account(Connection& c) {
    return one<Account>(
        c.query_one(std::string("SELECT ") + kAccountColumns +
                    " FROM accounts WHERE type = 'platform' ORDER BY created_at LIMIT 1"),
        [](const Row& r) { return account_from(r); });
}

Result<bool> username_taken(Connection& c, const std::string& username, const AccountId& except) {
    UJ_ASSIGN(auto row,
              c.query_one("SELECT 1 FROM accounts WHERE business_username = $1 AND id <> $2",
                          {username, except.value}));
    return row.has_value();
}

Result<std::pair<std::vector<Account>, std::int64_t>> list_children(Connection& c,
                                                                    const ChildFilter& f,
                                                                    const Paged& page) {
    db::Filter where;
    if (f.parent_id)
        where.add("parent_id = {}", f.parent_id->value);
    else
        where.where("type <> 'platform'");
    if (f.status) where.add("status = {}", *f.status);
    if (f.type) where.add("type = {}", name_of(*f.type));
    if (f.search)
        where.add(
            "(lower(name) LIKE {} ESCAPE '\\' OR lower(business_name) LIKE {} ESCAPE '\\' OR "
            "lower(COALESCE(business_username, '')) LIKE {} ESCAPE '\\' OR "
            "lower(contact_email) LIKE {} ESCAPE '\\')",
            db::like_contains(*f.search));
    UJ_ASSIGN(auto count, count_of(c, "SELECT COUNT(*) FROM accounts", where));
    const std::string sql = std::string("SELECT ") + kAccountColumns + " FROM accounts" +
                            where.sql() + " ORDER BY created_at DESC, id DESC" +
                            limit_clause(where, page);
    UJ_ASSIGN(auto result, c.run(sql, where.params()));
    std::vector<Account> out;
    for (const auto& r : result.rows) out.push_back(account_from(r));
    return std::pair{std::move(out), count};
}

Result<std::int64_t> count_registrations(Connection& c, const std::string& ip, Micros from,
                                         Micros to) {
    UJ_ASSIGN(auto row, c.query_one("SELECT COUNT(*) FROM accounts WHERE registered_ip = $1 AND "
                                    "created_at >= $2 AND created_at < $3",
                                    {ip, from, to}));
    return row ? row->i64(0) : 0;
}

// ---- users

Status insert_user(Connection& c, const User& u) {
    return done(c.query(
        "INSERT INTO users (id, email, name, password_hash, is_active, last_account_id, "
        "created_at, updated_at, last_login_at, email_verified_at) VALUES ($1, $2, $3, $4, $5, "
        "$6, $7, $8, $9, $10)",
        {u.id.value, u.email, u.name, u.password_hash, u.is_active,
         db::optional_id(u.last_account_id), u.created_at, u.updated_at,
         db::optional_int(u.last_login_at), db::optional_int(u.email_verified_at)}));
}

Status update_user(Connection& c, const User& u) {
    return done(
        c.query("UPDATE users SET email = $2, name = $3, password_hash = $4, is_active = $5, "
                "last_account_id = $6, updated_at = $7, last_login_at = $8, email_verified_at = $9 "
                "WHERE id = $1",
                {u.id.value, u.email, u.name, u.password_hash, u.is_active,
                 db::optional_id(u.last_account_id), u.updated_at,
                 db::optional_int(u.last_login_at), db::optional_int(u.email_verified_at)}));
}

Result<std::optional<User>> find_user(Connection& c, const UserId& id) {
    return one<User>(
        c.query_one(std::string("SELECT ") + kUserColumns + " FROM users u WHERE u.id = $1",
                    {id.value}),
        [](const Row& r) { return user_from(r); });
}

Result<std::optional<User>> find_user_by_email(Connection& c, const std::string& email) {
    return one<User>(
        c.query_one(std::string("SELECT ") + kUserColumns + " FROM users u WHERE u.email = $1",
                    {email}),
        [](const Row& r) { return user_from(r); });
}

Result<bool> email_taken(Connection& c, const std::string& email, const UserId& except) {
    UJ_ASSIGN(auto row, c.query_one("SELECT 1 FROM users WHERE email = $1 AND id <> $2",
                                    {email, except.value}));
    return row.has_value();
}

// ---- memberships

Status insert_membership(Connection& c, const Membership& m) {
    return done(c.query(
        "INSERT INTO memberships (account_id, user_id, role, is_active, max_messages_per_day, "
        "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        {m.account_id.value, m.user_id.value, name_of(m.role), m.is_active,
         db::optional_int(m.max_messages_per_day), m.created_at, m.updated_at}));
}

Status update_membership(Connection& c, const Membership& m) {
    return done(
        c.query("UPDATE memberships SET role = $3, is_active = $4, max_messages_per_day = $5, "
                "updated_at = $6 WHERE account_id = $1 AND user_id = $2",
                {m.account_id.value, m.user_id.value, name_of(m.role), m.is_active,
                 db::optional_int(m.max_messages_per_day), m.updated_at}));
}

Status delete_membership(Connection& c, const AccountId& account, const UserId& user) {
    return done(c.query("DELETE FROM memberships WHERE account_id = $1 AND user_id = $2",
                        {account.value, user.value}));
}

Result<std::optional<Member>> find_member(Connection& c, const AccountId& account,
                                          const UserId& user) {
    return one<Member>(
        c.query_one(std::string("SELECT ") + kUserColumns + ", " + kMembershipColumns +
                        " FROM memberships m JOIN users u ON u.id = m.user_id "
                        "WHERE m.account_id = $1 AND m.user_id = $2",
                    {account.value, user.value}),
        [](const Row& r) {
            return Member{user_from(r), membership_from(r, column_count(kUserColumns))};
        });
}

Result<std::pair<std::vector<Member>, std::int64_t>> list_members(Connection& c,
                                                                  const AccountId& account,
                                                                  const MemberFilter& f,
                                                                  const Paged& page) {
    db::Filter where({account.value});
    where.where("m.account_id = $1");
    if (f.role) where.add("m.role = {}", name_of(*f.role));
    if (f.is_active) where.add("m.is_active = {}", *f.is_active);
    if (f.search)
        where.add("(lower(u.name) LIKE {} ESCAPE '\\' OR u.email LIKE {} ESCAPE '\\')",
                  db::like_contains(*f.search));
    const std::string from = " FROM memberships m JOIN users u ON u.id = m.user_id";
    UJ_ASSIGN(auto count, count_of(c, "SELECT COUNT(*)" + from, where));
    const std::string sql = std::string("SELECT ") + kUserColumns + ", " + kMembershipColumns +
                            from + where.sql() + " ORDER BY m.created_at, u.id" +
                            limit_clause(where, page);
    UJ_ASSIGN(auto result, c.run(sql, where.params()));
    std::vector<Member> out;
    for (const auto& r : result.rows)
        out.push_back(Member{user_from(r), membership_from(r, column_count(kUserColumns))});
    return std::pair{std::move(out), count};
}

Result<std::int64_t> count_active_owners(Connection& c, const AccountId& account) {
    UJ_ASSIGN(auto row, c.query_one("SELECT COUNT(*) FROM memberships m JOIN users u ON "
                                    "u.id = m.user_id WHERE m.account_id = $1 AND "
                                    "m.role = 'owner' AND m.is_active = $2 AND u.is_active = $2",
                                    {account.value, true}));
    return row ? row->i64(0) : 0;
}

namespace {
constexpr const char* kMembershipsSql =
    "SELECT a.id, a.name, a.type, a.status, m.role, m.is_active FROM memberships m "
    "JOIN accounts a ON a.id = m.account_id WHERE m.user_id = $1 "
    "ORDER BY m.created_at, m.account_id";

AccountMembership account_membership_from(const Row& r, std::size_t i) {
    return {
        AccountId{r.text(i)},     r.text(i + 1),   account_type_from(r.text(i + 2)), r.text(i + 3),
        role_from(r.text(i + 4)), r.boolean(i + 5)};
}
}  // namespace

Result<std::vector<AccountMembership>> memberships_of(Connection& c, const UserId& user) {
    UJ_ASSIGN(auto result, c.query(kMembershipsSql, {user.value}));
    std::vector<AccountMembership> out;
    for (const auto& r : result.rows) out.push_back(account_membership_from(r, 0));
    return out;
}

Result<std::optional<Profile>> find_profile(Connection& c, const UserId& user,
                                            const AccountId& account) {
    // One query: the user and the active account on every row, one row per
    // membership of the user (the profile page is a hot read).
    std::string account_columns = std::string("a.") + kAccountColumns;
    for (std::size_t at = 0; (at = account_columns.find(", ", at)) != std::string::npos; at += 4)
        account_columns.replace(at, 2, ", a.");
    UJ_ASSIGN(auto result, c.query(std::string("SELECT ") + kUserColumns + ", " + account_columns +
                                       ", ma.id, ma.name, ma.type, ma.status, m.role, m.is_active "
                                       "FROM users u JOIN accounts a ON a.id = $2 "
                                       // Only an account the user belongs to.
                                       "JOIN memberships am ON am.user_id = u.id AND "
                                       "am.account_id = a.id "
                                       "JOIN memberships m ON m.user_id = u.id "
                                       "JOIN accounts ma ON ma.id = m.account_id WHERE u.id = $1 "
                                       "ORDER BY m.created_at, m.account_id",
                                   {user.value, account.value}));
    if (result.rows.empty()) return std::optional<Profile>{};
    constexpr std::size_t account_at = column_count(kUserColumns);
    constexpr std::size_t membership_at = account_at + column_count(kAccountColumns);
    Profile p{user_from(result.rows.front()), account_from(result.rows.front(), account_at), {}};
    for (const auto& r : result.rows)
        p.memberships.push_back(account_membership_from(r, membership_at));
    return std::optional<Profile>(std::move(p));
}

// ---- sessions and refresh tokens

Status insert_session(Connection& c, const SessionId& id, const UserId& user,
                      const AccountId& account, const std::string& ip, Micros now) {
    return done(
        c.query("INSERT INTO sessions (id, user_id, account_id, ip, created_at) VALUES ($1, $2, "
                "$3, $4, $5)",
                {id.value, user.value, account.value, ip, now}));
}

Status revoke_session(Connection& c, const SessionId& id, Micros now) {
    return done(c.query("UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                        {id.value, now}));
}

Status revoke_user_sessions(Connection& c, const UserId& user, const SessionId& keep, Micros now) {
    return done(
        c.query("UPDATE sessions SET revoked_at = $3 WHERE user_id = $1 AND id <> $2 AND "
                "revoked_at IS NULL",
                {user.value, keep.value, now}));
}

Status revoke_member_sessions(Connection& c, const AccountId& account, const UserId& user,
                              Micros now) {
    return done(
        c.query("UPDATE sessions SET revoked_at = $3 WHERE account_id = $1 AND "
                "user_id = $2 AND revoked_at IS NULL",
                {account.value, user.value, now}));
}

Status insert_refresh_token(Connection& c, const std::string& hash, const SessionId& session,
                            Micros now, Micros expires_at) {
    return done(
        c.query("INSERT INTO refresh_tokens (token_hash, session_id, spent, created_at, "
                "expires_at) VALUES ($1, $2, $3, $4, $5)",
                {hash, session.value, false, now, expires_at}));
}

Result<std::optional<RefreshRecord>> find_refresh_token(Connection& c, const std::string& hash) {
    return one<RefreshRecord>(
        c.query_one("SELECT t.session_id, s.user_id, s.account_id, t.spent, t.expires_at, "
                    "s.revoked_at FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id "
                    "WHERE t.token_hash = $1",
                    {hash}),
        [](const Row& r) {
            return RefreshRecord{SessionId{r.text(0)}, UserId{r.text(1)}, AccountId{r.text(2)},
                                 r.boolean(3),         r.i64(4),          !r.is_null(5)};
        });
}

Result<bool> spend_refresh_token(Connection& c, const std::string& hash) {
    UJ_ASSIGN(auto changed, c.execute("UPDATE refresh_tokens SET spent = $2 WHERE token_hash = $1 "
                                      "AND spent = $3",
                                      {hash, true, false}));
    return changed == 1;
}

Result<std::optional<SessionPrincipal>> session_principal(Connection& c, const SessionId& session,
                                                          const UserId& user,
                                                          const AccountId& account) {
    return one<SessionPrincipal>(
        c.query_one(
            std::string(
                "SELECT s.revoked_at, u.is_active, m.role, m.is_active, a.status, a.type, ") +
                db::kSettingsEpochColumn +
                ", a.require_2fa, u.totp_enabled_at FROM sessions s JOIN users u ON u.id = "
                "s.user_id "
                "JOIN accounts a ON a.id = s.account_id "
                "LEFT JOIN memberships m ON m.account_id = s.account_id AND m.user_id = s.user_id "
                "WHERE s.id = $1 AND s.user_id = $2 AND s.account_id = $3",
            {session.value, user.value, account.value}),
        [](const Row& r) {
            return SessionPrincipal{!r.is_null(0),
                                    r.boolean(1),
                                    opt_role_from(r, 2),
                                    r.boolean(3),
                                    r.text(4),
                                    account_type_from(r.text(5)),
                                    r.i64(6),
                                    r.boolean(7) && r.is_null(8)};
        });
}

Result<std::optional<KeyPrincipal>> key_principal(Connection& c, const std::string& key_hash) {
    return one<KeyPrincipal>(
        c.query_one(
            std::string("SELECT ") + kKeyColumns +
                ", u.is_active, m.role, m.is_active, a.status, a.type, " +
                db::kSettingsEpochColumn +
                " FROM api_keys k "
                "JOIN users u ON u.id = k.created_by JOIN accounts a ON a.id = k.account_id "
                "LEFT JOIN memberships m ON m.account_id = k.account_id AND "
                "m.user_id = k.created_by WHERE k.key_hash = $1",
            {key_hash}),
        [](const Row& r) {
            return KeyPrincipal{key_from(r),   r.boolean(11), opt_role_from(r, 12),
                                r.boolean(13), r.text(14),    account_type_from(r.text(15)),
                                r.i64(16)};
        });
}

// ---- API keys

Status insert_api_key(Connection& c, const ApiKey& k) {
    std::string scopes;
    for (const auto& s : k.scopes) scopes += (scopes.empty() ? "" : " ") + s;
    return done(c.query(
        "INSERT INTO api_keys (id, account_id, created_by, name, prefix, key_hash, scopes, "
        "created_at, expires_at, last_used_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
        "$8, $9, $10, $11)",
        {k.id.value, k.account_id.value, k.created_by.value, k.name, k.prefix, k.key_hash, scopes,
         k.created_at, db::optional_int(k.expires_at), db::optional_int(k.last_used_at),
         db::optional_int(k.revoked_at)}));
}

Result<std::optional<ApiKey>> find_api_key(Connection& c, const AccountId& account,
                                           const ApiKeyId& id) {
    return one<ApiKey>(c.query_one(std::string("SELECT ") + kKeyColumns +
                                       " FROM api_keys k WHERE k.account_id = $1 AND k.id = $2",
                                   {account.value, id.value}),
                       [](const Row& r) { return key_from(r); });
}

Result<std::pair<std::vector<ApiKey>, std::int64_t>> list_api_keys(Connection& c,
                                                                   const AccountId& account,
                                                                   const Paged& page) {
    db::Filter where({account.value});
    where.where("k.account_id = $1");
    UJ_ASSIGN(auto count, count_of(c, "SELECT COUNT(*) FROM api_keys k", where));
    const std::string sql = std::string("SELECT ") + kKeyColumns + " FROM api_keys k" +
                            where.sql() + " ORDER BY k.created_at DESC, k.id DESC" +
                            limit_clause(where, page);
    UJ_ASSIGN(auto result, c.run(sql, where.params()));
    std::vector<ApiKey> out;
    for (const auto& r : result.rows) out.push_back(key_from(r));
    return std::pair{std::move(out), count};
}

Status revoke_api_key(Connection& c, const AccountId& account, const ApiKeyId& id, Micros now) {
    return done(
        c.query("UPDATE api_keys SET revoked_at = $3 WHERE account_id = $1 AND id = $2 "
                "AND revoked_at IS NULL",
                {account.value, id.value, now}));
}

Status touch_api_key(Connection& c, const ApiKeyId& id, Micros now) {
    return done(c.query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1", {id.value, now}));
}

// ---- invitations

Status insert_password_reset(Connection& c, const std::string& token_hash, const UserId& user,
                             Micros now, Micros expires_at) {
    UJ_TRY(drop_spent_tokens(c, "password_resets", user, now));
    return done(
        c.query("INSERT INTO password_resets (token_hash, user_id, created_at, "
                "expires_at) VALUES ($1, $2, $3, $4)",
                {token_hash, user.value, now, expires_at}));
}

Result<std::optional<UserId>> live_password_reset(Connection& c, const std::string& token_hash,
                                                  Micros now) {
    UJ_ASSIGN(auto row, c.query_one("SELECT user_id FROM password_resets WHERE token_hash = $1 "
                                    "AND used_at IS NULL AND expires_at > $2",
                                    {token_hash, now}));
    if (!row) return std::optional<UserId>{};
    return std::optional<UserId>(row->id<UserId>(0));
}

Result<bool> spend_password_resets(Connection& c, const UserId& user, const std::string& token_hash,
                                   Micros now) {
    UJ_ASSIGN(auto mine, c.execute("UPDATE password_resets SET used_at = $3 WHERE token_hash = $1 "
                                   "AND user_id = $2 AND used_at IS NULL",
                                   {token_hash, user.value, now}));
    if (mine == 0) return false;
    UJ_TRY(
        done(c.query("UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND "
                     "used_at IS NULL",
                     {user.value, now})));
    return true;
}

Status insert_email_verification(Connection& c, const std::string& token_hash, const User& user,
                                 Micros now, Micros expires_at) {
    UJ_TRY(drop_spent_tokens(c, "email_verifications", user.id, now));
    return done(
        c.query("INSERT INTO email_verifications (token_hash, user_id, email, created_at, "
                "expires_at) VALUES ($1, $2, $3, $4, $5)",
                {token_hash, user.id.value, user.email, now, expires_at}));
}

Result<std::optional<UserId>> spend_email_verification(Connection& c, const std::string& token_hash,
                                                       Micros now) {
    UJ_ASSIGN(auto row, c.query_one("SELECT user_id, email FROM email_verifications WHERE "
                                    "token_hash = $1 AND used_at IS NULL AND expires_at > $2",
                                    {token_hash, now}));
    if (!row) return std::optional<UserId>{};
    const auto user = row->id<UserId>(0);
    const std::string email = row->text(1);
    UJ_ASSIGN(auto spent, c.execute("UPDATE email_verifications SET used_at = $2 WHERE "
                                    "token_hash = $1 AND used_at IS NULL",
                                    {token_hash, now}));
    if (spent == 0) return std::optional<UserId>{};
    // A token proves only the address it was mailed to.
    UJ_ASSIGN(auto still,
              c.query_one("SELECT 1 FROM users WHERE id = $1 AND email = $2", {user.value, email}));
    if (!still) return std::optional<UserId>{};
    return std::optional<UserId>(user);
}

Result<std::vector<Account>> end_verification_wait(Connection& c, const UserId& owner) {
    UJ_ASSIGN(auto rows,
              c.query(std::string("SELECT ") + kAccountColumns +
                          " FROM accounts WHERE awaiting_verification = $2 AND id IN (SELECT "
                          "account_id FROM memberships WHERE user_id = $1 AND role = 'owner')",
                      {owner.value, true}));
    std::vector<Account> out;
    for (const auto& r : rows.rows) {
        out.push_back(account_from(r));
        UJ_TRY(done(c.query("UPDATE accounts SET awaiting_verification = $2 WHERE id = $1",
                            {out.back().id.value, false})));
    }
    return out;
}

Result<TwoFactor> find_two_factor(Connection& c, const UserId& user) {
    UJ_ASSIGN(auto row, c.query_one("SELECT totp_secret, totp_enabled_at, totp_last_step FROM "
                                    "users WHERE id = $1",
                                    {user.value}));
    if (!row) return TwoFactor{};
    return TwoFactor{row->opt_text(0), row->opt_i64(1), row->opt_i64(2)};
}

Status set_pending_totp(Connection& c, const UserId& user, const std::string& sealed) {
    return done(
        c.query("UPDATE users SET totp_secret = $2, totp_enabled_at = NULL, "
                "totp_last_step = NULL WHERE id = $1",
                {user.value, sealed}));
}

Status enable_two_factor(Connection& c, const UserId& user, Micros now, std::int64_t step) {
    return done(c.query(
        "UPDATE users SET totp_enabled_at = $2, totp_last_step = $3, updated_at = $2 WHERE id = $1",
        {user.value, now, step}));
}

Status disable_two_factor(Connection& c, const UserId& user) {
    UJ_TRY(
        done(c.query("UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, "
                     "totp_last_step = NULL WHERE id = $1",
                     {user.value})));
    return done(c.query("DELETE FROM recovery_codes WHERE user_id = $1", {user.value}));
}

Result<bool> use_totp_step(Connection& c, const UserId& user, std::int64_t step) {
    UJ_ASSIGN(auto changed, c.execute("UPDATE users SET totp_last_step = $2 WHERE id = $1 AND "
                                      "(totp_last_step IS NULL OR totp_last_step < $2)",
                                      {user.value, step}));
    return changed == 1;
}

Status replace_recovery_codes(Connection& c, const UserId& user,
                              const std::vector<std::string>& hashes, Micros now) {
    UJ_TRY(done(c.query("DELETE FROM recovery_codes WHERE user_id = $1", {user.value})));
    for (const auto& h : hashes)
        UJ_TRY(
            done(c.query("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES "
                         "($1, $2, $3)",
                         {user.value, h, now})));
    return {};
}

Result<bool> spend_recovery_code(Connection& c, const UserId& user, const std::string& hash,
                                 Micros now) {
    UJ_ASSIGN(auto changed, c.execute("UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 "
                                      "AND code_hash = $2 AND used_at IS NULL",
                                      {user.value, hash, now}));
    return changed == 1;
}

Result<std::int64_t> recovery_codes_left(Connection& c, const UserId& user) {
    UJ_ASSIGN(auto row, c.query_one("SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND "
                                    "used_at IS NULL",
                                    {user.value}));
    return row ? row->i64(0) : 0;
}

Status insert_login_challenge(Connection& c, const std::string& token_hash,
                              const LoginChallenge& ch, Micros now, Micros expires_at) {
    UJ_TRY(drop_spent_tokens(c, "login_challenges", ch.user_id, now));
    return done(
        c.query("INSERT INTO login_challenges (token_hash, user_id, account_id, "
                "created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                {token_hash, ch.user_id.value, db::optional_id(ch.account_id), now, expires_at}));
}

Result<std::optional<LoginChallenge>> live_login_challenge(Connection& c,
                                                           const std::string& token_hash,
                                                           Micros now) {
    UJ_ASSIGN(auto row, c.query_one("SELECT user_id, account_id FROM login_challenges WHERE "
                                    "token_hash = $1 AND used_at IS NULL AND expires_at > $2",
                                    {token_hash, now}));
    if (!row) return std::optional<LoginChallenge>{};
    return std::optional<LoginChallenge>(
        LoginChallenge{row->id<UserId>(0), row->opt_id<AccountId>(1)});
}

Result<bool> spend_login_challenge(Connection& c, const std::string& token_hash, Micros now) {
    UJ_ASSIGN(auto changed, c.execute("UPDATE login_challenges SET used_at = $2 WHERE "
                                      "token_hash = $1 AND used_at IS NULL",
                                      {token_hash, now}));
    return changed == 1;
}

Status insert_invitation(Connection& c, const Invitation& inv) {
    return done(c.query(
        "INSERT INTO invitations (id, account_id, email, name, role, max_messages_per_day, "
        "invited_by, token_hash, status, created_at, updated_at, expires_at) VALUES ($1, $2, $3, "
        "$4, $5, $6, $7, $8, $9, $10, $11, $12)",
        {inv.id.value, inv.account_id.value, inv.email, db::optional_text(inv.name),
         name_of(inv.role), db::optional_int(inv.max_messages_per_day), inv.invited_by.value,
         inv.token_hash, inv.status, inv.created_at, inv.updated_at, inv.expires_at}));
}

Result<std::optional<Invitation>> find_invitation(Connection& c, const AccountId& account,
                                                  const InvitationId& id) {
    return one<Invitation>(
        c.query_one(std::string("SELECT ") + kInvitationColumns +
                        " FROM invitations i WHERE i.account_id = $1 AND i.id = $2",
                    {account.value, id.value}),
        [](const Row& r) { return invitation_from(r); });
}

Result<std::optional<Invitation>> find_pending_invitation(Connection& c, const AccountId& account,
                                                          const std::string& email) {
    return one<Invitation>(
        c.query_one(std::string("SELECT ") + kInvitationColumns +
                        " FROM invitations i WHERE i.account_id = $1 AND i.email = $2 AND "
                        "i.status = 'pending' ORDER BY i.created_at DESC LIMIT 1",
                    {account.value, email}),
        [](const Row& r) { return invitation_from(r); });
}

Result<std::pair<std::vector<Invitation>, std::int64_t>> list_invitations(
    Connection& c, const AccountId& account, const std::optional<std::string>& status,
    const Paged& page) {
    db::Filter where({account.value});
    where.where("i.account_id = $1");
    if (status) where.add("i.status = {}", *status);
    UJ_ASSIGN(auto count, count_of(c, "SELECT COUNT(*) FROM invitations i", where));
    const std::string sql = std::string("SELECT ") + kInvitationColumns + " FROM invitations i" +
                            where.sql() + " ORDER BY i.created_at DESC, i.id DESC" +
                            limit_clause(where, page);
    UJ_ASSIGN(auto result, c.run(sql, where.params()));
    std::vector<Invitation> out;
    for (const auto& r : result.rows) out.push_back(invitation_from(r));
    return std::pair{std::move(out), count};
}

Status update_invitation(Connection& c, const AccountId& account, const Invitation& inv) {
    return done(c.query(
        "UPDATE invitations SET status = $3, token_hash = $4, expires_at = $5, role = $6, "
        "name = $7, max_messages_per_day = $8, updated_at = $9 "
        "WHERE account_id = $1 AND id = $2",
        {account.value, inv.id.value, inv.status, inv.token_hash, inv.expires_at, name_of(inv.role),
         db::optional_text(inv.name), db::optional_int(inv.max_messages_per_day), inv.updated_at}));
}

Result<std::vector<Invitation>> invitations_for_email(Connection& c, const std::string& email,
                                                      Micros now) {
    UJ_ASSIGN(auto result,
              c.query(std::string("SELECT ") + kInvitationColumns +
                          ", a.name FROM invitations i JOIN accounts a ON a.id = i.account_id "
                          "WHERE i.email = $1 AND i.status = 'pending' AND i.expires_at > $2 "
                          "ORDER BY i.created_at DESC, i.id DESC LIMIT 100",
                      {email, now}));
    std::vector<Invitation> out;
    for (const auto& r : result.rows) {
        out.push_back(invitation_from(r));
        out.back().account_name = r.text(column_count(kInvitationColumns));
    }
    return out;
}

Result<std::optional<Invitation>> find_invitation_for_email(Connection& c, const InvitationId& id,
                                                            const std::string& email) {
    return one<Invitation>(
        c.query_one(std::string("SELECT ") + kInvitationColumns +
                        ", a.name FROM invitations i JOIN accounts a ON a.id = i.account_id "
                        "WHERE i.id = $1 AND i.email = $2",
                    {id.value, email}),
        [](const Row& r) {
            Invitation inv = invitation_from(r);
            inv.account_name = r.text(column_count(kInvitationColumns));
            return inv;
        });
}

Result<std::optional<Invitation>> find_invitation_by_token(Connection& c,
                                                           const std::string& token_hash) {
    return one<Invitation>(
        c.query_one(std::string("SELECT ") + kInvitationColumns +
                        ", a.name FROM invitations i JOIN accounts a ON a.id = i.account_id "
                        "WHERE i.token_hash = $1",
                    {token_hash}),
        [](const Row& r) {
            Invitation inv = invitation_from(r);
            inv.account_name = r.text(column_count(kInvitationColumns));
            return inv;
        });
}

}  // namespace ujumbe::identity::store
