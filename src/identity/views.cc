#include "identity/views.h"

namespace ujumbe::identity {

using json = nlohmann::json;

namespace {
json time_or_null(const std::optional<Micros>& t) {
    return t ? json(format_iso8601(*t)) : json(nullptr);
}
json text_or_null(const std::optional<std::string>& t) {
    return t ? json(*t) : json(nullptr);
}
json int_or_null(const std::optional<std::int64_t>& v) {
    return v ? json(*v) : json(nullptr);
}
}  // namespace

json account_json(const Account& a) {
    return {{"id", a.id.value},
            {"type", a.type},
            {"name", a.name},
            {"status", a.status},
            {"parent_id", text_or_null(a.parent_id)},
            {"business_name", a.business_name},
            {"business_username", text_or_null(a.business_username)},
            {"business_type", a.business_type},
            {"contact_email", a.contact_email},
            {"contact_phone", a.contact_phone},
            {"country", a.country},
            {"account_sid", a.account_sid},
            {"reseller_details", a.reseller_details},
            {"max_messages_per_day", int_or_null(a.max_messages_per_day)},
            {"created_at", format_iso8601(a.created_at)},
            {"updated_at", format_iso8601(a.updated_at)}};
}

json user_json(const User& u) {
    return {{"id", u.id.value},
            {"email", u.email},
            {"name", u.name},
            {"is_active", u.is_active},
            {"created_at", format_iso8601(u.created_at)},
            {"updated_at", format_iso8601(u.updated_at)},
            {"last_login_at", time_or_null(u.last_login_at)}};
}

json member_json(const Member& m) {
    return {{"id", m.user.id.value},
            {"email", m.user.email},
            {"name", m.user.name},
            {"role", m.membership.role},
            {"is_active", m.membership.is_active && m.user.is_active},
            {"max_messages_per_day", int_or_null(m.membership.max_messages_per_day)},
            {"joined_at", format_iso8601(m.membership.created_at)},
            {"created_at", format_iso8601(m.user.created_at)},
            {"last_login_at", time_or_null(m.user.last_login_at)}};
}

json api_key_json(const ApiKey& k) {
    return {{"id", k.id.value},
            {"name", k.name},
            {"prefix", k.prefix},
            {"scopes", k.scopes},
            {"created_by", k.created_by.value},
            {"created_at", format_iso8601(k.created_at)},
            {"expires_at", time_or_null(k.expires_at)},
            {"last_used_at", time_or_null(k.last_used_at)},
            {"revoked_at", time_or_null(k.revoked_at)},
            {"is_active", !k.revoked_at}};
}

json auth_json(const AuthResult& r) {
    return {{"access", r.access},
            {"refresh", r.refresh},
            {"token_type", "Bearer"},
            {"expires_in", r.expires_in},
            {"user", user_json(r.user)},
            {"account", account_json(r.account)},
            {"role", r.role}};
}

json me_json(const Me& me) {
    json out = user_json(me.user);
    out["role"] = me.role;
    out["account"] = account_json(me.account);
    json accounts = json::array();
    for (const auto& m : me.accounts)
        accounts.push_back({{"id", m.account_id.value},
                            {"name", m.account_name},
                            {"type", m.account_type},
                            {"status", m.account_status},
                            {"role", m.role},
                            {"is_active", m.is_active}});
    out["accounts"] = std::move(accounts);
    return out;
}

}  // namespace ujumbe::identity
