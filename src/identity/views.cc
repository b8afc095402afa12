#include "identity/views.h"

#include "http/schema.h"
#include "http/views_support.h"

namespace ujumbe::identity {

using json = nlohmann::json;

// Objects are filled with emplace(): nlohmann's initializer-list form builds
// a two-element array per field first, which showed in request profiles.

using http::int_or_null;
using http::text_or_null;
using http::time_or_null;

json account_json(const Account& a) {
    json out = json::object();
    out.emplace("id", a.id.value);
    out.emplace("type", a.type);
    out.emplace("name", a.name);
    out.emplace("status", a.status);
    out.emplace("awaiting_verification", a.awaiting_verification);
    out.emplace("require_2fa", a.require_2fa);
    out.emplace("parent_id", text_or_null(a.parent_id));
    out.emplace("business_name", a.business_name);
    out.emplace("business_username", text_or_null(a.business_username));
    out.emplace("business_type", a.business_type);
    out.emplace("contact_email", a.contact_email);
    out.emplace("contact_phone", a.contact_phone);
    out.emplace("country", a.country);
    out.emplace("default_country", a.default_country.empty() ? a.country : a.default_country);
    out.emplace("account_sid", a.account_sid);
    out.emplace("reseller_details", a.reseller_details);
    out.emplace("max_messages_per_day", int_or_null(a.max_messages_per_day));
    out.emplace("created_at", format_iso8601(a.created_at));
    out.emplace("updated_at", format_iso8601(a.updated_at));
    return out;
}

json user_json(const User& u) {
    json out = json::object();
    out.emplace("id", u.id.value);
    out.emplace("email", u.email);
    out.emplace("name", u.name);
    out.emplace("is_active", u.is_active);
    out.emplace("created_at", format_iso8601(u.created_at));
    out.emplace("updated_at", format_iso8601(u.updated_at));
    out.emplace("last_login_at", time_or_null(u.last_login_at));
    out.emplace("email_verified", u.email_verified_at.has_value());
    out.emplace("email_verified_at", time_or_null(u.email_verified_at));
    out.emplace("two_factor_enabled", u.totp_enabled_at.has_value());
    return out;
}

json member_json(const Member& m) {
    json out = json::object();
    out.emplace("id", m.user.id.value);
    out.emplace("email", m.user.email);
    out.emplace("name", m.user.name);
    out.emplace("role", m.membership.role);
    out.emplace("is_active", m.membership.is_active && m.user.is_active);
    out.emplace("max_messages_per_day", int_or_null(m.membership.max_messages_per_day));
    out.emplace("joined_at", format_iso8601(m.membership.created_at));
    out.emplace("created_at", format_iso8601(m.user.created_at));
    out.emplace("last_login_at", time_or_null(m.user.last_login_at));
    return out;
}

namespace {

std::vector<std::string> roles() {
    return {role_names().begin(), role_names().end()};
}

json member_schema() {
    using namespace http::schema;
    return object({{"id", text()},
                   {"email", text()},
                   {"name", text()},
                   {"role", one_of(roles())},
                   {"is_active", boolean()},
                   {"max_messages_per_day", nullable(integer())},
                   {"joined_at", time()},
                   {"created_at", time()},
                   {"last_login_at", nullable(time())}});
}

}  // namespace

json api_key_json(const ApiKey& k) {
    json out = json::object();
    out.emplace("id", k.id.value);
    out.emplace("name", k.name);
    out.emplace("prefix", k.prefix);
    out.emplace("scopes", k.scopes);
    out.emplace("created_by", k.created_by.value);
    out.emplace("created_at", format_iso8601(k.created_at));
    out.emplace("expires_at", time_or_null(k.expires_at));
    out.emplace("last_used_at", time_or_null(k.last_used_at));
    out.emplace("revoked_at", time_or_null(k.revoked_at));
    out.emplace("is_active", !k.revoked_at);
    return out;
}

json auth_json(const AuthResult& r) {
    json out = json::object();
    out.emplace("access", r.access);
    out.emplace("refresh", r.refresh);
    out.emplace("token_type", "Bearer");
    out.emplace("expires_in", r.expires_in);
    out.emplace("user", user_json(r.user));
    out.emplace("account", account_json(r.account));
    out.emplace("role", r.role);
    return out;
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

json invitation_json(const Invitation& inv, Micros now) {
    json out = json::object();
    out.emplace("id", inv.id);
    out.emplace("email", inv.email);
    out.emplace("name", text_or_null(inv.name));
    out.emplace("role", inv.role);
    out.emplace("max_messages_per_day", int_or_null(inv.max_messages_per_day));
    out.emplace("status", inv.status);
    out.emplace("expired", inv.status == invitation_status::kPending && inv.expires_at <= now);
    out.emplace("invited_by", inv.invited_by.value);
    out.emplace("created_at", format_iso8601(inv.created_at));
    out.emplace("expires_at", format_iso8601(inv.expires_at));
    return out;
}

namespace {

const std::vector<std::string> kInvitationStatuses = {
    invitation_status::kPending, invitation_status::kAccepted, invitation_status::kDeclined,
    invitation_status::kRevoked};

// `expired`: still pending, but past `expires_at`.
json invitation_schema() {
    using namespace http::schema;
    return object({{"id", text()},
                   {"email", text()},
                   {"name", nullable(text())},
                   {"role", one_of(roles())},
                   {"max_messages_per_day", nullable(integer())},
                   {"status", one_of(kInvitationStatuses)},
                   {"expired", boolean()},
                   {"invited_by", text()},
                   {"created_at", time()},
                   {"expires_at", time()}});
}

}  // namespace

json my_invitation_json(const Invitation& inv) {
    json out = json::object();
    out.emplace("id", inv.id);
    json account = json::object();
    account.emplace("id", inv.account_id.value);
    account.emplace("name", inv.account_name);
    out.emplace("account", std::move(account));
    out.emplace("role", inv.role);
    out.emplace("status", inv.status);
    out.emplace("created_at", format_iso8601(inv.created_at));
    out.emplace("expires_at", format_iso8601(inv.expires_at));
    return out;
}

namespace {

json my_invitation_schema() {
    using namespace http::schema;
    return object({{"id", text()},
                   {"account", object({{"id", text()}, {"name", text()}})},
                   {"role", one_of(roles())},
                   {"status", one_of(kInvitationStatuses)},
                   {"created_at", time()},
                   {"expires_at", time()}});
}

}  // namespace

json registered_account_json(const RegisteredAccount& r) {
    json out = account_json(r.account);
    out.emplace("registered_ip", text_or_null(r.account.registered_ip));
    out.emplace("registrations_that_day", r.registrations_that_day);
    return out;
}

namespace {

json registered_account_schema() {
    using namespace http::schema;
    return {{"allOf",
             {ref("Account"), object({{"registered_ip", nullable(text())},
                                      {"registrations_that_day", integer()}})}}};
}

}  // namespace

void define_schemas(http::Router& router) {
    using namespace http::schema;
    router.define_schema("Account", object({{"id", text()},
                                            {"type", one_of({"platform", "reseller", "business"})},
                                            {"name", text()},
                                            {"status", one_of({"active", "suspended"})},
                                            {"awaiting_verification", boolean()},
                                            {"require_2fa", boolean()},
                                            {"parent_id", nullable(text())},
                                            {"business_name", text()},
                                            {"business_username", nullable(text())},
                                            {"business_type", text()},
                                            {"contact_email", text()},
                                            {"contact_phone", text()},
                                            {"country", text()},
                                            {"default_country", text()},
                                            {"account_sid", text()},
                                            {"reseller_details", json::object()},
                                            {"max_messages_per_day", nullable(integer())},
                                            {"created_at", time()},
                                            {"updated_at", time()}}));
    router.define_schema("User", object({{"id", text()},
                                         {"email", text()},
                                         {"name", text()},
                                         {"is_active", boolean()},
                                         {"created_at", time()},
                                         {"updated_at", time()},
                                         {"last_login_at", nullable(time())},
                                         {"email_verified", boolean()},
                                         {"email_verified_at", nullable(time())},
                                         {"two_factor_enabled", boolean()}}));
    router.define_schema("ApiKey", object({{"id", text()},
                                           {"name", text()},
                                           {"prefix", text()},
                                           {"scopes", array_of(text())},
                                           {"created_by", text()},
                                           {"created_at", time()},
                                           {"expires_at", nullable(time())},
                                           {"last_used_at", nullable(time())},
                                           {"revoked_at", nullable(time())},
                                           {"is_active", boolean()}}));
    router.define_schema("NewApiKey",
                         {{"allOf", {ref("ApiKey"), object({{"key", text()}})}},
                          {"description", "The key itself is shown here once, never again."}});
    router.define_schema("Auth", object({{"access", text()},
                                         {"refresh", text()},
                                         {"token_type", one_of({"Bearer"})},
                                         {"expires_in", integer()},
                                         {"user", ref("User")},
                                         {"account", ref("Account")},
                                         {"role", text()}}));
    router.define_schema(
        "SignIn",
        {{"oneOf",
          {ref("Auth"), object({{"two_factor_required", json{{"const", true}}},
                                {"challenge", text()},
                                {"expires_in", integer()}})}},
         {"description", "Tokens, or (two-factor sign-in) a challenge for POST /auth/login/2fa."}});
    router.define_schema(
        "Me",
        {{"allOf",
          {ref("User"), object({{"role", text()},
                                {"account", ref("Account")},
                                {"accounts", array_of(object({{"id", text()},
                                                              {"name", text()},
                                                              {"type", text()},
                                                              {"status", text()},
                                                              {"role", one_of(roles())},
                                                              {"is_active", boolean()}}))}})}}});
    router.define_schema("AccountMember", member_schema());
    router.define_schema("Invitation", invitation_schema());
    router.define_schema("MyInvitation", my_invitation_schema());
    router.define_schema("MyInvitations", object({{"results", array_of(ref("MyInvitation"))}}));
    router.define_schema("RegisteredAccount", registered_account_schema());
}

}  // namespace ujumbe::identity
