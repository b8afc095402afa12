// HTTP handlers of the identity module: read and check input, call the
// service, shape the answer. No SQL and no business rules here.

#include "identity/routes.h"

#include <algorithm>

#include "core/validate.h"
#include "http/envelope.h"
#include "http/input.h"
#include "http/pagination.h"
#include "http/schema.h"
#include "identity/views.h"

namespace ujumbe::identity {

namespace {

using http::Fields;
using http::Method;
using http::Need;
using http::Request;
using http::RequestContext;
using http::Response;
using json = nlohmann::json;

constexpr const char* kBase = "/api/v1";

Result<Page> page_of(const Request& req) {
    return http::page_window(req);
}

Response listing(const Request& req, json results, std::int64_t count) {
    return http::page_response(req, std::move(results), count);
}

std::optional<std::string> lower(std::optional<std::string> s) {
    if (s)
        for (auto& c : *s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::optional<std::string> upper(std::optional<std::string> s) {
    if (s)
        for (auto& c : *s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::optional<std::string> read_username(Fields& f, Need need) {
    auto name = lower(f.text("business_username", need, 3, 50));
    if (name && !std::all_of(name->begin(), name->end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
        })) {
        f.fail("business_username", "Use only letters, digits, '_', '.' and '-'.");
        return std::nullopt;
    }
    return name;
}

std::optional<std::string> read_country(Fields& f, Need need, const char* name = "country") {
    auto code = upper(f.text(name, need, 2, 2));
    if (code && !is_country_code(*code)) {
        f.fail(name, "Must be an ISO 3166-1 alpha-2 country code.");
        return std::nullopt;
    }
    return code;
}

std::optional<std::string> read_phone(Fields& f, const std::string& name, Need need) {
    auto phone = f.text(name, need, 0, 32);
    if (phone && !std::all_of(phone->begin(), phone->end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c)) || c == '+' || c == ' ' ||
                   c == '-' || c == '(' || c == ')';
        })) {
        f.fail(name, "Must be a phone number.");
        return std::nullopt;
    }
    return phone;
}

// The account fields a PUT may change; `limits` allows max_messages_per_day.
AccountUpdate read_account_update(Fields& f, bool limits) {
    AccountUpdate u;
    u.name = f.text("name", Need::kOptional, 1, 200);
    u.business_name = f.text("business_name", Need::kOptional, 1, 200);
    u.business_username = read_username(f, Need::kOptional);
    u.business_type = f.text("business_type", Need::kOptional, 0, 50);
    u.contact_email = f.email("contact_email", Need::kOptional);
    u.contact_phone = read_phone(f, "contact_phone", Need::kOptional);
    u.country = read_country(f, Need::kOptional);
    u.default_country = read_country(f, Need::kOptional, "default_country");
    u.reseller_details = f.object("reseller_details", Need::kOptional);
    if (f.has("max_messages_per_day")) {
        if (!limits) {
            f.fail("max_messages_per_day", "Set by the parent account.");
        } else if (f.is_null("max_messages_per_day")) {
            u.clear_max_messages_per_day = true;
        } else {
            u.max_messages_per_day =
                f.integer("max_messages_per_day", Need::kOptional, 0, 1'000'000'000);
        }
    }
    return u;
}

Result<json> body_of(const Request& req) {
    return http::parse_json_object(req);
}

// ---- auth

Result<Response> register_account(IdentityService& s, RequestContext&, const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    RegisterInput in;
    const char* account_field = body.contains("tenant_name") && !body.contains("account_name")
                                    ? "tenant_name"
                                    : "account_name";
    auto account_name = f.text(account_field, Need::kRequired, 1, 200);
    auto name = f.text("name", Need::kRequired, 1, 200);
    auto email = f.email("email", Need::kRequired);
    auto password = f.password("password", Need::kRequired);
    UJ_TRY(f.check());
    in = RegisterInput{*account_name, *name, *email, *password};
    UJ_ASSIGN(auto result, s.register_account(in, req.remote_ip));
    return http::created(auth_json(result));
}

Result<Response> login(IdentityService& s, RequestContext&, const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    auto email = lower(f.text("email", Need::kRequired, 1, 254));
    // Any password is checked (no length rule): a wrong one is simply wrong.
    auto password = f.text("password", Need::kRequired, 1, 1024);
    auto account_id = f.text("account_id", Need::kOptional, 1, 64);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto result, s.login(LoginInput{*email, *password, account_id}, req.remote_ip));
    if (!result.challenge.empty())
        return http::ok(
            {{"two_factor_required", true}, {"challenge", result.challenge}, {"expires_in", 300}},
            200, "Enter a code from your authenticator app (POST /auth/login/2fa).");
    return http::ok(auth_json(result));
}

// POST /auth/login/2fa {challenge, code}: a TOTP code or a recovery code.
Result<Response> login_two_factor(IdentityService& s, RequestContext&, const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    auto challenge = f.text("challenge", Need::kRequired, 1, 200);
    auto code = f.text("code", Need::kRequired, 1, 64);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto result, s.login_two_factor(*challenge, *code, req.remote_ip));
    return http::ok(auth_json(result));
}

Result<Response> two_factor_status(IdentityService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto me, s.me(ctx.who()));
    UJ_ASSIGN(auto left, s.recovery_codes_left(ctx.who()));
    return http::ok(
        {{"enabled", me.user.totp_enabled_at.has_value()},
         {"enabled_at",
          me.user.totp_enabled_at ? json(format_iso8601(*me.user.totp_enabled_at)) : json(nullptr)},
         {"recovery_codes_left", left},
         {"required_by_account", me.account.require_2fa}});
}

Result<Response> begin_two_factor(IdentityService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto setup, s.begin_two_factor(ctx.who()));
    return http::ok({{"secret", setup.secret}, {"otpauth_uri", setup.otpauth_uri}}, 200,
                    "Add the secret to an authenticator app, then confirm with a code.");
}

Result<Response> confirm_two_factor(IdentityService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    auto code = f.text("code", Need::kRequired, 1, 64);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto codes, s.confirm_two_factor(ctx.who(), *code, req.remote_ip));
    return http::ok({{"enabled", true}, {"recovery_codes", codes}}, 200,
                    "Two-factor sign-in is on. Keep the recovery codes safe: they are shown once.");
}

Result<Response> disable_two_factor(IdentityService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    auto password = f.text("password", Need::kRequired, 1, 1024);
    auto code = f.text("code", Need::kRequired, 1, 64);
    UJ_TRY(f.check());
    UJ_TRY(s.disable_two_factor(ctx.who(), *password, *code, req.remote_ip));
    return http::ok({{"enabled", false}}, 200, "Two-factor sign-in is off.");
}

// The schemas of the two-factor answers above (the OpenAPI document).
void define_two_factor_schemas(http::Router& router) {
    using namespace http::schema;
    router.define_schema("TwoFactorStatus", object({{"enabled", boolean()},
                                                    {"enabled_at", nullable(time())},
                                                    {"recovery_codes_left", integer()},
                                                    {"required_by_account", boolean()}}));
    router.define_schema("TwoFactorSetup", object({{"secret", text()}, {"otpauth_uri", text()}}));
    router.define_schema("TwoFactorEnabled", object({{"enabled", json{{"const", true}}},
                                                     {"recovery_codes", array_of(text())}}));
    router.define_schema("TwoFactorDisabled", object({{"enabled", json{{"const", false}}}}));
}

Result<Response> refresh(IdentityService& s, RequestContext&, const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    auto token = f.text("refresh", Need::kRequired, 1, 512);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto result, s.refresh(*token));
    return http::ok(auth_json(result));
}

Result<Response> logout(IdentityService& s, Authenticator& auth, RequestContext&,
                        const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    auto token = f.text("refresh", Need::kOptional, 1, 512);
    UJ_TRY(f.check());
    if (token) {
        UJ_TRY(s.logout_refresh(*token));
    } else if (req.header("authorization")) {
        UJ_ASSIGN(auto who, auth.authenticate(req));
        if (who.api_key_id)
            return Error::invalid("refresh", "API keys have no session; revoke the key instead.");
        UJ_TRY(s.logout_session(who.session_id));
    } else {
        return Error::invalid("refresh", "Give a refresh token or a Bearer access token.");
    }
    return http::ok(json::object(), 200, "Logged out");
}

Result<Response> get_me(IdentityService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto me, s.me(ctx.who()));
    return http::ok(me_json(me));
}

Result<Response> put_me(IdentityService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    MeUpdate u{f.text("name", Need::kOptional, 1, 200), f.email("email", Need::kOptional)};
    u.current_password = f.text("current_password", Need::kOptional, 1, 1024);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto me, s.update_me(ctx.who(), u, req.remote_ip));
    return http::ok(me_json(me));
}

Result<Response> change_password(IdentityService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    auto current = f.text("current_password", Need::kRequired, 1, 1024);
    auto replacement = f.password("new_password", Need::kRequired);
    UJ_TRY(f.check());
    UJ_TRY(s.change_password(ctx.who(), *current, *replacement, req.remote_ip));
    return http::ok(json::object(), 200, "Password changed; other sessions were signed out");
}

// ---- API keys

Result<Response> create_key(IdentityService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    NewApiKey in;
    auto name = f.text("name", Need::kRequired, 1, 100);
    auto scopes = f.string_list("scopes", Need::kOptional, 20);
    auto expires = f.text("expires_at", Need::kOptional, 1, 40);
    std::optional<Micros> expires_at;
    if (expires) {
        expires_at = parse_iso8601(*expires);
        if (!expires_at) f.fail("expires_at", "Must be an ISO-8601 time.");
    }
    UJ_TRY(f.check());
    in.name = *name;
    if (scopes) in.scopes = *scopes;
    in.expires_at = expires_at;
    UJ_ASSIGN(auto created, s.create_api_key(ctx.who(), in));
    json out = api_key_json(created.key);
    out["key"] = created.raw_key;
    return http::created(out);
}

Result<Response> list_keys(IdentityService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto page, page_of(req));
    UJ_ASSIGN(auto keys, s.list_api_keys(ctx.who(), page));
    json results = json::array();
    for (const auto& k : keys.items) results.push_back(api_key_json(k));
    return listing(req, std::move(results), keys.count);
}

Result<Response> get_key(IdentityService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto key, s.get_api_key(ctx.who(), ApiKeyId{ctx.param("id")}));
    return http::ok(api_key_json(key));
}

Result<Response> revoke_key(IdentityService& s, RequestContext& ctx, const Request&) {
    const ApiKeyId id{ctx.param("id")};
    UJ_TRY(s.revoke_api_key(ctx.who(), id));
    UJ_ASSIGN(auto key, s.get_api_key(ctx.who(), id));
    return http::ok(api_key_json(key), 200, "API key revoked");
}

// ---- accounts

Result<Response> get_current(IdentityService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto account, s.current_account(ctx.who()));
    return http::ok(account_json(account));
}

Result<Response> put_current(IdentityService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    auto update = read_account_update(f, false);
    update.require_2fa = f.boolean("require_2fa", Need::kOptional);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto account, s.update_current_account(ctx.who(), update));
    return http::ok(account_json(account));
}

Result<Response> switch_account(IdentityService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    auto id = f.text("account_id", Need::kRequired, 1, 64);
    UJ_TRY(f.check());
    if (!is_uuid(*id)) return Error::not_found("Account");
    UJ_ASSIGN(auto result, s.switch_account(ctx.who(), AccountId{*id}, req.remote_ip));
    return http::ok(auth_json(result));
}

Result<Response> create_child(IdentityService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    ChildInput in;
    auto business_name = f.text("business_name", Need::kRequired, 1, 200);
    auto username = read_username(f, Need::kRequired);
    auto business_type = f.text("business_type", Need::kOptional, 0, 50);
    auto contact_email = f.email("contact_email", Need::kRequired);
    auto contact_phone = read_phone(f, "contact_phone", Need::kOptional);
    auto country = read_country(f, Need::kRequired);
    auto type = f.choice("account_type", Need::kOptional, {"reseller", "business"});
    auto details = f.object("reseller_details", Need::kOptional);
    auto limit = f.integer("max_messages_per_day", Need::kOptional, 0, 1'000'000'000);
    auto owner = f.object("owner", Need::kRequired);
    std::optional<std::string> owner_name, owner_email, owner_password;
    if (owner) {
        Fields of(*owner);
        owner_name = of.text("name", Need::kRequired, 1, 200);
        owner_email = of.email("email", Need::kRequired);
        owner_password = of.password("password", Need::kRequired);
        f.merge(of, "owner");
    }
    UJ_TRY(f.check());
    in.business_name = *business_name;
    in.business_username = *username;
    in.business_type = business_type.value_or("");
    in.contact_email = *contact_email;
    in.contact_phone = contact_phone.value_or("");
    in.country = *country;
    in.account_type = type == "reseller" ? AccountType::kReseller : AccountType::kBusiness;
    in.reseller_details = details ? *details : json(nullptr);
    in.max_messages_per_day = limit;
    in.owner_name = *owner_name;
    in.owner_email = *owner_email;
    in.owner_password = *owner_password;
    UJ_ASSIGN(auto created, s.create_child(ctx.who(), in));
    json out = account_json(created.account);
    out["owner"] = {{"id", created.owner.id.value},
                    {"email", created.owner.email},
                    {"name", created.owner.name}};
    return http::created(out);
}

// The schema of create_child()'s answer: the account and its owner.
json new_child_schema() {
    using namespace http::schema;
    return {{"allOf",
             {ref("Account"),
              object({{"owner", object({{"id", text()}, {"email", text()}, {"name", text()}})}})}}};
}

// The filters of the account lists (a reseller's children, the admin's accounts).
std::vector<http::QueryDoc> account_filters() {
    return {{"search"}, {"status"}, {"type", {"platform", "reseller", "business"}}};
}

Result<ChildQuery> child_query(const Request& req) {
    ChildQuery q{req.query_param("search"), req.query_param("status"), std::nullopt};
    if (auto type = req.query_param("type")) {
        q.type = parse_account_type(*type);
        if (!q.type) return Error::invalid("type", "Must be platform, reseller or business.");
    }
    return q;
}

Result<Response> list_children(IdentityService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto page, page_of(req));
    UJ_ASSIGN(auto q, child_query(req));
    UJ_ASSIGN(auto children, s.list_children(ctx.who(), q, page));
    json results = json::array();
    for (const auto& a : children.items) results.push_back(account_json(a));
    return listing(req, std::move(results), children.count);
}

Result<Response> get_child(IdentityService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto account, s.get_child(ctx.who(), AccountId{ctx.param("id")}));
    return http::ok(account_json(account));
}

Result<Response> put_child(IdentityService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    auto update = read_account_update(f, true);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto account, s.update_child(ctx.who(), AccountId{ctx.param("id")}, update));
    return http::ok(account_json(account));
}

Result<Response> set_child_status(IdentityService& s, const std::string& status,
                                  RequestContext& ctx) {
    UJ_ASSIGN(auto account, s.set_child_status(ctx.who(), AccountId{ctx.param("id")}, status));
    return http::ok(account_json(account));
}

// ---- users

Result<Response> list_users(IdentityService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto page, page_of(req));
    MemberQuery q;
    q.search = req.query_param("search");
    if (auto role = req.query_param("role")) {
        q.role = parse_role(*role);
        if (!q.role) return Error::invalid("role", "Must be owner, admin or agent.");
    }
    if (auto active = req.query_param("is_active")) {
        if (*active != "true" && *active != "false")
            return Error::invalid("is_active", "Must be true or false.");
        q.is_active = *active == "true";
    }
    UJ_ASSIGN(auto members, s.list_members(ctx.who(), q, page));
    json results = json::array();
    for (const auto& m : members.items) results.push_back(member_json(m));
    return listing(req, std::move(results), members.count);
}

// POST /users invites: the answer is the invitation, the same whether or
// not the email has a user.
Result<Response> add_user(IdentityService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    NewMember in;
    auto email = f.email("email", Need::kRequired);
    in.name = f.text("name", Need::kOptional, 1, 200);
    if (f.has("password"))
        f.fail("password", "Not accepted: the invitee chooses a password when accepting.");
    auto role = f.choice("role", Need::kRequired, role_names());
    in.max_messages_per_day = f.integer("max_messages_per_day", Need::kOptional, 0, 1'000'000'000);
    UJ_TRY(f.check());
    in.email = *email;
    in.role = *parse_role(*role);
    UJ_ASSIGN(auto issued, s.invite(ctx.who(), in));
    return http::ok(invitation_json(issued.invitation, SystemClock::instance().now()), 201,
                    "Invitation sent");
}

// ---- invitations

Result<Response> list_invitations(IdentityService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto page, page_of(req));
    auto status = req.query_param("status");
    if (status && *status != "pending" && *status != "accepted" && *status != "declined" &&
        *status != "revoked")
        return Error::invalid("status", "Must be pending, accepted, declined or revoked.");
    UJ_ASSIGN(auto invitations, s.list_invitations(ctx.who(), status, page));
    const Micros now = SystemClock::instance().now();
    json results = json::array();
    for (const auto& inv : invitations.items) results.push_back(invitation_json(inv, now));
    return listing(req, std::move(results), invitations.count);
}

Result<Response> revoke_invitation(IdentityService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto inv, s.revoke_invitation(ctx.who(), InvitationId{ctx.param("id")}));
    return http::ok(invitation_json(inv, SystemClock::instance().now()), 200, "Invitation revoked");
}

Result<Response> resend_invitation(IdentityService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto issued, s.resend_invitation(ctx.who(), InvitationId{ctx.param("id")}));
    return http::ok(invitation_json(issued.invitation, SystemClock::instance().now()), 200,
                    "Invitation sent again");
}

Result<Response> my_invitations(IdentityService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto invitations, s.my_invitations(ctx.who()));
    json results = json::array();
    for (const auto& inv : invitations) results.push_back(my_invitation_json(inv));
    return http::ok(json{{"results", std::move(results)}});
}

Result<Response> answer_invitation(IdentityService& s, bool accept, RequestContext& ctx) {
    UJ_ASSIGN(auto inv, accept ? s.accept_invitation(ctx.who(), InvitationId{ctx.param("id")})
                               : s.decline_invitation(ctx.who(), InvitationId{ctx.param("id")}));
    return http::ok(my_invitation_json(inv), 200,
                    accept ? "Invitation accepted" : "Invitation declined");
}

Result<Response> accept_invite_token(IdentityService& s, RequestContext&, const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    auto token = f.text("token", Need::kRequired, 1, 200);
    auto name = f.text("name", Need::kOptional, 1, 200);
    auto password = f.password("password", Need::kRequired);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto result, s.accept_invitation_token({*token, name, *password}, req.remote_ip));
    return http::created(auth_json(result));
}

// POST /auth/password/reset {email}: the same answer for every address.
Result<Response> request_password_reset(IdentityService& s, RequestContext&, const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    auto email = f.email("email", Need::kRequired);
    UJ_TRY(f.check());
    UJ_TRY(s.request_password_reset(*email, req.remote_ip));
    return http::ok(json::object(), 200,
                    "If a user has this email, a reset token is on its way to it.");
}

// POST /auth/password/reset/confirm {token, password}
Result<Response> confirm_password_reset(IdentityService& s, RequestContext&, const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    auto token = f.text("token", Need::kRequired, 1, 200);
    auto password = f.password("password", Need::kRequired);
    UJ_TRY(f.check());
    UJ_TRY(s.reset_password(*token, *password));
    return http::ok(json::object(), 200, "Password changed; sign in with it.");
}

// POST /auth/verify-email {token}
Result<Response> verify_email(IdentityService& s, RequestContext&, const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    auto token = f.text("token", Need::kRequired, 1, 200);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto user, s.verify_email(*token));
    return http::ok(user_json(user), 200, "Email verified.");
}

// POST /auth/verify-email/resend
Result<Response> resend_email_verification(IdentityService& s, RequestContext& ctx,
                                           const Request&) {
    UJ_TRY(s.resend_email_verification(ctx.who()));
    return http::ok(json::object(), 200, "A new verification token is on its way.");
}

// ---- the platform's accounts

Result<Response> list_accounts(IdentityService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto page, page_of(req));
    UJ_ASSIGN(auto q, child_query(req));
    UJ_ASSIGN(auto accounts, s.list_accounts(ctx.who(), q, page));
    json results = json::array();
    for (const auto& a : accounts.items) results.push_back(registered_account_json(a));
    return listing(req, std::move(results), accounts.count);
}

Result<Response> get_user(IdentityService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto member, s.get_member(ctx.who(), UserId{ctx.param("id")}));
    return http::ok(member_json(member));
}

Result<Response> put_user(IdentityService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, body_of(req));
    Fields f(body);
    MemberUpdate u;
    u.name = f.text("name", Need::kOptional, 1, 200);
    if (auto role = f.choice("role", Need::kOptional, role_names())) u.role = parse_role(*role);
    if (f.is_null("max_messages_per_day"))
        u.clear_max_messages_per_day = true;
    else
        u.max_messages_per_day =
            f.integer("max_messages_per_day", Need::kOptional, 0, 1'000'000'000);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto member, s.update_member(ctx.who(), UserId{ctx.param("id")}, u));
    return http::ok(member_json(member));
}

Result<Response> set_user_active(IdentityService& s, bool active, RequestContext& ctx) {
    UJ_ASSIGN(auto member, s.set_member_active(ctx.who(), UserId{ctx.param("id")}, active));
    return http::ok(member_json(member));
}

Result<Response> remove_user(IdentityService& s, RequestContext& ctx, const Request&) {
    UJ_TRY(s.remove_member(ctx.who(), UserId{ctx.param("id")}));
    return http::ok(json::object(), 200, "User removed from the account");
}

// The schemas of the bodies the handlers above read, and of the answers
// they make here rather than in views.cc.
void define_route_schemas(http::Router& router) {
    using namespace http::schema;
    define_two_factor_schemas(router);
    router.define_schema("NewChildAccount", new_child_schema());
    router.define_schema("IdentityEmpty",
                         {{"type", "object"},
                          {"maxProperties", 0},
                          {"description", "An empty object: the message says what was done."}});
    // The parser reads a null field as an absent one.
    const auto maybe = [](json s) { return nullable(std::move(s)); };
    const std::vector<std::string> roles(role_names().begin(), role_names().end());

    json register_body = object({{"account_name", text()},
                                 {"tenant_name", text()},
                                 {"name", text()},
                                 {"email", text()},
                                 {"password", text()}},
                                {"account_name", "tenant_name"});
    register_body["anyOf"] = json::array({{{"required", json::array({"account_name"})}},
                                          {{"required", json::array({"tenant_name"})}}});
    register_body["description"] = "tenant_name is the older name of account_name.";
    router.define_schema("RegisterRequest", std::move(register_body));
    router.define_schema(
        "LoginRequest",
        object({{"email", text()}, {"password", text()}, {"account_id", maybe(text())}},
               {"account_id"}));
    router.define_schema("TwoFactorLoginRequest",
                         object({{"challenge", text()}, {"code", text()}}));
    router.define_schema("TwoFactorCodeRequest", object({{"code", text()}}));
    router.define_schema("TwoFactorDisableRequest",
                         object({{"password", text()}, {"code", text()}}));
    router.define_schema("RefreshRequest", object({{"refresh", text()}}));
    router.define_schema("LogoutRequest", object({{"refresh", maybe(text())}}, {"refresh"}));
    router.define_schema(
        "InvitationAcceptRequest",
        object({{"token", text()}, {"name", maybe(text())}, {"password", text()}}, {"name"}));
    router.define_schema("PasswordResetRequest", object({{"email", text()}}));
    router.define_schema("PasswordResetConfirmRequest",
                         object({{"token", text()}, {"password", text()}}));
    router.define_schema("EmailVerifyRequest", object({{"token", text()}}));
    router.define_schema("MeUpdateRequest", object({{"name", maybe(text())},
                                                    {"email", maybe(text())},
                                                    {"current_password", maybe(text())}},
                                                   {"name", "email", "current_password"}));
    router.define_schema("PasswordChangeRequest",
                         object({{"current_password", text()}, {"new_password", text()}}));
    router.define_schema("ApiKeyCreateRequest",
                         object({{"name", text()},
                                 {"scopes", maybe(array_of(one_of(known_scopes())))},
                                 {"expires_at", maybe(time())}},
                                {"scopes", "expires_at"}));

    // read_account_update()'s fields; all optional.
    const json account_update =
        object({{"name", maybe(text())},
                {"business_name", maybe(text())},
                {"business_username", maybe(text())},
                {"business_type", maybe(text())},
                {"contact_email", maybe(text())},
                {"contact_phone", maybe(text())},
                {"country", maybe(text())},
                {"default_country", maybe(text())},
                {"reseller_details", maybe({{"type", "object"}})}},
               {"name", "business_name", "business_username", "business_type", "contact_email",
                "contact_phone", "country", "default_country", "reseller_details"});
    json current_update = account_update;
    current_update["properties"]["require_2fa"] = maybe(boolean());
    router.define_schema("AccountUpdateRequest", std::move(current_update));
    json child_update = account_update;
    // null lifts the limit.
    child_update["properties"]["max_messages_per_day"] = nullable(integer());
    router.define_schema("ChildAccountUpdateRequest", std::move(child_update));
    router.define_schema(
        "ChildAccountCreateRequest",
        object({{"business_name", text()},
                {"business_username", text()},
                {"business_type", maybe(text())},
                {"contact_email", text()},
                {"contact_phone", maybe(text())},
                {"country", text()},
                {"account_type", maybe(one_of({"reseller", "business"}))},
                {"reseller_details", maybe({{"type", "object"}})},
                {"max_messages_per_day", maybe(integer())},
                {"owner", object({{"name", text()}, {"email", text()}, {"password", text()}})}},
               {"business_type", "contact_phone", "account_type", "reseller_details",
                "max_messages_per_day"}));
    router.define_schema("AccountSwitchRequest", object({{"account_id", text()}}));
    router.define_schema("UserInviteRequest", object({{"email", text()},
                                                      {"name", maybe(text())},
                                                      {"role", one_of(roles)},
                                                      {"max_messages_per_day", maybe(integer())}},
                                                     {"name", "max_messages_per_day"}));
    router.define_schema("UserUpdateRequest",
                         object({{"name", maybe(text())},
                                 {"role", maybe(one_of(roles))},
                                 // null lifts the limit.
                                 {"max_messages_per_day", nullable(integer())}},
                                {"name", "role", "max_messages_per_day"}));
}

}  // namespace

Result<Principal> Authenticator::authenticate(const http::Request& request) {
    const auto header = request.header("authorization");
    if (!header)
        return Error::unauthenticated("UNAUTHENTICATED",
                                      "Authentication credentials were not provided");
    const std::string_view value = *header;
    const auto space = value.find(' ');
    const std::string_view scheme = value.substr(0, space);
    const std::string_view credential =
        space == std::string_view::npos ? std::string_view{} : value.substr(space + 1);
    const auto is = [&](std::string_view name) {
        return scheme.size() == name.size() &&
               std::equal(scheme.begin(), scheme.end(), name.begin(), [](char a, char b) {
                   return std::tolower(static_cast<unsigned char>(a)) == b;
               });
    };
    if (is("bearer") && !credential.empty()) return service_.authenticate_bearer(credential);
    if (is("apikey") && !credential.empty()) return service_.authenticate_api_key(credential);
    return Error::unauthenticated("UNAUTHENTICATED",
                                  "Use 'Authorization: Bearer <token>' or 'ApiKey <key>'");
}

void add_routes(http::Router& router, IdentityService& s) {
    using std::placeholders::_1;
    using std::placeholders::_2;
    const auto bind = [&s](auto fn) {
        return [&s, fn](RequestContext& ctx, const Request& req) { return fn(s, ctx, req); };
    };
    const std::string b = kBase;
    const http::RouteOptions open{.authenticated = false};
    const auto scoped = [](const char* scope) { return http::RouteOptions{.scope = scope}; };
    using http::documented;

    define_schemas(router);
    define_route_schemas(router);
    router.add(Method::kPost, b + "/auth/register", bind(register_account),
               documented(open, {.summary = "Register an account and its owner",
                                 .response = "Auth",
                                 .success = {201},
                                 .request = "RegisterRequest"}));
    router.add(Method::kPost, b + "/auth/login", bind(login),
               documented(open, {.summary = "Sign in with an email and a password",
                                 .response = "SignIn",
                                 .success = {200},
                                 .request = "LoginRequest",
                                 .errors = {{401, "INVALID_CREDENTIALS"}}}));
    router.add(Method::kPost, b + "/auth/login/2fa", bind(login_two_factor),
               documented(open, {.summary = "Finish a two-factor sign-in with a code",
                                 .response = "Auth",
                                 .success = {200},
                                 .request = "TwoFactorLoginRequest"}));
    // What a user of an account that requires two factors may reach first.
    const auto setup = [](const char* scope) {
        return http::RouteOptions{.scope = scope, .before_two_factor = true};
    };
    router.add(Method::kGet, b + "/auth/2fa", bind(two_factor_status),
               documented(setup("account:read"), {.summary = "Show the user's two-factor sign-in",
                                                  .response = "TwoFactorStatus"}));
    router.add(Method::kPost, b + "/auth/2fa/setup", bind(begin_two_factor),
               documented(setup("account:write"),
                          {.summary = "Start setting up two-factor sign-in (a new secret)",
                           .response = "TwoFactorSetup",
                           .success = {200},
                           .no_body = true}));
    router.add(Method::kPost, b + "/auth/2fa/confirm", bind(confirm_two_factor),
               documented(setup("account:write"),
                          {.summary = "Turn two-factor sign-in on with a first code",
                           .response = "TwoFactorEnabled",
                           .success = {200},
                           .request = "TwoFactorCodeRequest"}));
    router.add(Method::kPost, b + "/auth/2fa/disable", bind(disable_two_factor),
               documented(scoped("account:write"), {.summary = "Turn two-factor sign-in off",
                                                    .response = "TwoFactorDisabled",
                                                    .success = {200},
                                                    .request = "TwoFactorDisableRequest"}));
    router.add(Method::kPost, b + "/auth/token/refresh", bind(refresh),
               documented(open, {.summary = "Trade a refresh token for new tokens",
                                 .response = "Auth",
                                 .success = {200},
                                 .request = "RefreshRequest"}));
    auto auth = std::make_shared<Authenticator>(s);
    router.add(
        Method::kPost, b + "/auth/logout",
        [&s, auth](RequestContext& ctx, const Request& req) { return logout(s, *auth, ctx, req); },
        documented(open, {.summary = "End a session (by its refresh or its access token)",
                          .response = "IdentityEmpty",
                          .success = {200},
                          .request = "LogoutRequest"}));
    router.add(Method::kPost, b + "/auth/invite/accept", bind(accept_invite_token),
               documented(open, {.summary = "Accept an emailed invitation and sign in",
                                 .response = "Auth",
                                 .success = {201},
                                 .request = "InvitationAcceptRequest"}));
    router.add(Method::kPost, b + "/auth/password/reset", bind(request_password_reset),
               documented(open, {.summary = "Ask for a password reset token by email",
                                 .response = "IdentityEmpty",
                                 .success = {200},
                                 .request = "PasswordResetRequest"}));
    router.add(Method::kPost, b + "/auth/password/reset/confirm", bind(confirm_password_reset),
               documented(open, {.summary = "Set a new password with a reset token",
                                 .response = "IdentityEmpty",
                                 .success = {200},
                                 .request = "PasswordResetConfirmRequest"}));
    router.add(Method::kPost, b + "/auth/verify-email", bind(verify_email),
               documented(open, {.summary = "Verify an email address with its token",
                                 .response = "User",
                                 .success = {200},
                                 .request = "EmailVerifyRequest"}));
    router.add(Method::kPost, b + "/auth/verify-email/resend", bind(resend_email_verification),
               documented(scoped("account:read"), {.summary = "Send a new email verification token",
                                                   .response = "IdentityEmpty",
                                                   .success = {200},
                                                   .no_body = true}));
    router.add(
        Method::kGet, b + "/auth/me", bind(get_me),
        documented(setup("account:read"),
                   {.summary = "Show the signed-in user and their accounts", .response = "Me"}));
    router.add(Method::kPut, b + "/auth/me", bind(put_me),
               documented(scoped("account:write"), {.summary = "Change the user's name or email",
                                                    .response = "Me",
                                                    .request = "MeUpdateRequest"}));
    router.add(Method::kPost, b + "/auth/password/change", bind(change_password),
               documented(scoped("account:write"), {.summary = "Change the user's password",
                                                    .response = "IdentityEmpty",
                                                    .success = {200},
                                                    .request = "PasswordChangeRequest"}));

    router.add(
        Method::kGet, b + "/api-keys", bind(list_keys),
        documented(scoped("api_keys:read"),
                   {.summary = "List the account's API keys", .response = "ApiKey", .list = true}));
    router.add(Method::kPost, b + "/api-keys", bind(create_key),
               documented(scoped("api_keys:write"), {.summary = "Create an API key",
                                                     .response = "NewApiKey",
                                                     .success = {201},
                                                     .request = "ApiKeyCreateRequest"}));
    router.add(
        Method::kGet, b + "/api-keys/{id}", bind(get_key),
        documented(scoped("api_keys:read"), {.summary = "Show an API key", .response = "ApiKey"}));
    router.add(Method::kDelete, b + "/api-keys/{id}", bind(revoke_key),
               documented(scoped("api_keys:write"),
                          {.summary = "Revoke an API key", .response = "ApiKey"}));

    router.add(Method::kGet, b + "/accounts", bind(list_accounts),
               documented(scoped("account:read"),
                          {.summary = "List every account of the platform (platform admin)",
                           .response = "RegisteredAccount",
                           .list = true,
                           .query = account_filters()}));
    router.add(Method::kGet, b + "/accounts/current", bind(get_current),
               documented(scoped("account:read"),
                          {.summary = "Show the current account", .response = "Account"}));
    router.add(Method::kPut, b + "/accounts/current", bind(put_current),
               documented(scoped("account:write"), {.summary = "Change the current account",
                                                    .response = "Account",
                                                    .request = "AccountUpdateRequest"}));
    router.add(Method::kPost, b + "/accounts/switch", bind(switch_account),
               documented(scoped("account:write"),
                          {.summary = "Switch to another account of the user (new tokens)",
                           .response = "Auth",
                           .success = {200},
                           .request = "AccountSwitchRequest"}));
    router.add(Method::kGet, b + "/accounts/children", bind(list_children),
               documented(scoped("account:read"), {.summary = "List the account's client accounts",
                                                   .response = "Account",
                                                   .list = true,
                                                   .query = account_filters()}));
    router.add(
        Method::kPost, b + "/accounts/children", bind(create_child),
        documented(scoped("account:write"), {.summary = "Create a client account with its owner",
                                             .response = "NewChildAccount",
                                             .success = {201},
                                             .request = "ChildAccountCreateRequest"}));
    router.add(Method::kGet, b + "/accounts/children/{id}", bind(get_child),
               documented(scoped("account:read"),
                          {.summary = "Show a client account", .response = "Account"}));
    router.add(Method::kPut, b + "/accounts/children/{id}", bind(put_child),
               documented(scoped("account:write"), {.summary = "Change a client account",
                                                    .response = "Account",
                                                    .request = "ChildAccountUpdateRequest"}));
    const auto child_action = [&](const char* summary) {
        return documented(
            scoped("account:write"),
            {.summary = summary, .response = "Account", .success = {200}, .no_body = true});
    };
    router.add(
        Method::kPost, b + "/accounts/children/{id}/suspend",
        [&s](RequestContext& ctx, const Request&) { return set_child_status(s, "suspended", ctx); },
        child_action("Suspend a client account"));
    router.add(
        Method::kPost, b + "/accounts/children/{id}/resume",
        [&s](RequestContext& ctx, const Request&) { return set_child_status(s, "active", ctx); },
        child_action("Resume a suspended client account"));

    // Before /users/{id}: the first matching route wins.
    router.add(Method::kGet, b + "/users/invitations", bind(list_invitations),
               documented(scoped("users:read"),
                          {.summary = "List the account's invitations",
                           .response = "Invitation",
                           .list = true,
                           .query = {{"status", {"pending", "accepted", "declined", "revoked"}}}}));
    router.add(Method::kDelete, b + "/users/invitations/{id}", bind(revoke_invitation),
               documented(scoped("users:write"),
                          {.summary = "Revoke an invitation", .response = "Invitation"}));
    router.add(Method::kPost, b + "/users/invitations/{id}/resend", bind(resend_invitation),
               documented(scoped("users:write"), {.summary = "Send an invitation again",
                                                  .response = "Invitation",
                                                  .success = {200},
                                                  .no_body = true}));
    router.add(Method::kGet, b + "/invitations", bind(my_invitations),
               documented(scoped("account:read"),
                          {.summary = "List the invitations the signed-in user received",
                           .response = "MyInvitations"}));
    const auto answer = [&](const char* summary) {
        return documented(
            scoped("account:write"),
            {.summary = summary, .response = "MyInvitation", .success = {200}, .no_body = true});
    };
    router.add(
        Method::kPost, b + "/invitations/{id}/accept",
        [&s](RequestContext& ctx, const Request&) { return answer_invitation(s, true, ctx); },
        answer("Accept an invitation (join its account)"));
    router.add(
        Method::kPost, b + "/invitations/{id}/decline",
        [&s](RequestContext& ctx, const Request&) { return answer_invitation(s, false, ctx); },
        answer("Decline an invitation"));
    router.add(
        Method::kGet, b + "/users", bind(list_users),
        documented(scoped("users:read"),
                   {.summary = "List the account's users",
                    .response = "AccountMember",
                    .list = true,
                    .query = {{"search"}, {"role", role_names()}, {"is_active", {}, "boolean"}}}));
    router.add(Method::kPost, b + "/users", bind(add_user),
               documented(scoped("users:write"), {.summary = "Invite a user to the account",
                                                  .response = "Invitation",
                                                  .success = {201},
                                                  .request = "UserInviteRequest"}));
    router.add(Method::kGet, b + "/users/{id}", bind(get_user),
               documented(scoped("users:read"),
                          {.summary = "Show a user of the account", .response = "AccountMember"}));
    router.add(
        Method::kPut, b + "/users/{id}", bind(put_user),
        documented(scoped("users:write"), {.summary = "Change a user's name, role or daily limit",
                                           .response = "AccountMember",
                                           .request = "UserUpdateRequest"}));
    router.add(Method::kDelete, b + "/users/{id}", bind(remove_user),
               documented(scoped("users:write"), {.summary = "Remove a user from the account",
                                                  .response = "IdentityEmpty"}));
    const auto user_action = [&](const char* summary) {
        return documented(
            scoped("users:write"),
            {.summary = summary, .response = "AccountMember", .success = {200}, .no_body = true});
    };
    router.add(
        Method::kPost, b + "/users/{id}/activate",
        [&s](RequestContext& ctx, const Request&) { return set_user_active(s, true, ctx); },
        user_action("Let a user of the account in again"));
    router.add(
        Method::kPost, b + "/users/{id}/deactivate",
        [&s](RequestContext& ctx, const Request&) { return set_user_active(s, false, ctx); },
        user_action("Keep a user out of the account"));
}

}  // namespace ujumbe::identity
