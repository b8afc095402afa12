// Registration, login, token rotation, logout, authentication and the
// caller's own profile.

#include "core/crypto.h"
#include "core/log.h"
#include "identity/passwords.h"
#include "identity/service.h"
#include "identity/store.h"
#include "identity/tokens.h"

namespace ujumbe::identity {

namespace {

Error invalid_credentials() {
    return Error::unauthenticated("INVALID_CREDENTIALS", "Invalid email or password");
}
Error suspended() {
    return Error::unauthenticated("ACCOUNT_SUSPENDED", "This account is suspended");
}
Error inactive() {
    return Error::unauthenticated("USER_INACTIVE", "This user is deactivated in this account");
}

constexpr std::size_t kVerifiedTokenCacheSize = 10000;

// The login (email, password) is the user's across accounts: an API key,
// scoped to one account and easy to leak, never changes it.
Status check_session(const Principal& who) {
    if (who.api_key_id)
        return Error::forbidden("Sign in with your password to change your email or password",
                                "SESSION_REQUIRED");
    return {};
}

}  // namespace

std::string new_account_sid() {
    std::string raw(16, '\0');
    random_fill(raw.data(), raw.size());
    return "AC" + to_hex(raw);
}

Account new_account(AccountType type, const std::string& name, Micros now) {
    Account a;
    a.id = AccountId{new_uuid_v7(now)};
    a.type = type;
    a.name = name;
    a.business_name = name;
    a.account_sid = new_account_sid();
    a.created_at = a.updated_at = now;
    return a;
}

User new_user(const std::string& email, const std::string& name, const std::string& password_hash,
              const AccountId& home, Micros now) {
    User u;
    u.id = UserId{new_uuid_v7(now)};
    u.email = email;
    u.name = name;
    u.password_hash = password_hash;
    u.last_account_id = home;
    u.created_at = u.updated_at = now;
    return u;
}

IdentityService::IdentityService(db::Database& db, Clock& clock, IdentityOptions options,
                                 IdentityPorts ports)
    : db_(db),
      clock_(clock),
      options_(std::move(options)),
      jwt_key_(jwt_signing_key(options_.server_secret)),
      throttle_(options_.throttle),
      registrations_(options_.registration),
      reset_requests_(options_.reset_requests),
      reset_mails_(options_.reset_mails),
      verification_mails_(options_.verification_mails),
      hashes_(options_.hash_slots, options_.hash_wait),
      ports_(ports) {}

Result<std::string> IdentityService::hash(const std::string& password) {
    return hashes_.run([&] { return hash_password(password); });
}

Result<bool> IdentityService::verify(const std::string& hash, const std::string& password) {
    return hashes_.run([&] { return verify_password(hash, password); });
}

Status IdentityService::check_current_password(const User& user, const std::string& given,
                                               const std::string& ip) {
    const Micros now = clock_.now();
    if (int wait = throttle_.retry_after(user.email, ip, now); wait > 0)
        return Error::rate_limited(wait);
    UJ_ASSIGN(bool verified, verify(user.password_hash, given));
    if (!verified) {
        throttle_.record_failure(user.email, ip, now);
        return Error::invalid("current_password", "The current password is wrong.");
    }
    return {};
}

Status IdentityService::verify_decoy(const std::string& password) {
    UJ_TRY(hashes_.run([&] {
        verify_password_decoy(password);
        return true;
    }));
    return {};
}

Result<BootstrapResult> IdentityService::ensure_platform_admin(const std::string& email,
                                                               const std::string& password) {
    BootstrapResult out;
    out.email = email;
    UJ_ASSIGN(auto existing,
              db_.read([](db::Connection& c) { return store::find_platform_account(c); }));
    if (existing) return out;
    std::string chosen = password;
    if (chosen.empty()) {
        chosen = random_token(15);
        out.generated_password = chosen;
    }
    const std::string hash = hash_password(chosen);
    const Micros now = clock_.now();
    UJ_TRY(db_.write([&](db::Connection& c) -> Status {
        Account platform = new_account(AccountType::kPlatform, "Platform", now);
        UJ_TRY(store::insert_account(c, platform));
        UJ_ASSIGN(auto user, store::find_user_by_email(c, email));
        if (!user) {
            User u = new_user(email, "Platform Admin", hash, platform.id, now);
            u.email_verified_at = now;  // the operator's own
            UJ_TRY(store::insert_user(c, u));
            user = u;
        } else {
            out.generated_password.reset();  // an existing user keeps their password
        }
        Membership m{platform.id, user->id, Role::kOwner, true, std::nullopt, now, now};
        return store::insert_membership(c, m);
    }));
    out.created = true;
    return out;
}

Result<AuthResult> IdentityService::issue_tokens(User user, const Account& account, Role role,
                                                 const SessionId& session,
                                                 const std::string& refresh) {
    Principal p;
    p.role = role;
    p.account_type = account.type;
    const std::int64_t now_s = clock_.now() / kMicrosPerSecond;
    AccessClaims claims{user.id.value,
                        account.id.value,
                        p.claim_role(),
                        session.value,
                        random_token(12),
                        now_s,
                        now_s + options_.access_ttl_s};
    AuthResult out;
    out.access = sign_access_token(claims, jwt_key_);
    out.refresh = refresh;
    out.expires_in = options_.access_ttl_s;
    out.user = std::move(user);
    out.account = account;
    out.role = role;
    return out;
}

Result<AuthResult> IdentityService::open_session(db::Connection& c, User user,
                                                 const Account& account, Role role,
                                                 const std::string& ip) {
    const Micros now = clock_.now();
    const SessionId session{new_uuid_v7(now)};
    const std::string refresh = new_refresh_token();
    UJ_TRY(store::insert_session(c, session, user.id, account.id, ip, now));
    UJ_TRY(store::insert_refresh_token(c, token_hash(refresh), session, now,
                                       now + options_.refresh_ttl_s * kMicrosPerSecond));
    return issue_tokens(std::move(user), account, role, session, refresh);
}

Result<AuthResult> IdentityService::register_account(const RegisterInput& in,
                                                     const std::string& ip) {
    const Micros now = clock_.now();
    // Counted before hashing: a flood is refused before it costs CPU.
    if (int wait = registrations_.admit(ip, now); wait > 0) return Error::rate_limited(wait);
    // Hash before taking the write lock: argon2id must not hold up writers.
    UJ_ASSIGN(auto hash, this->hash(in.password));
    UJ_ASSIGN(auto registered, db_.write([&](db::Connection& c) -> Result<AuthResult> {
        UJ_ASSIGN(auto taken, store::email_taken(c, in.email, UserId{}));
        if (taken) {
            Error e = Error::conflict("EMAIL_TAKEN", "A user with this email already exists");
            e.errors["email"].push_back("A user with this email already exists.");
            return e;
        }
        Account account = new_account(AccountType::kBusiness, in.account_name, now);
        account.contact_email = in.email;
        account.registered_ip = ip;
        // Held back until the owner verifies the address, when required.
        account.awaiting_verification = options_.require_email_verification;
        UJ_TRY(store::insert_account(c, account));
        User user = new_user(in.email, in.name, hash, account.id, now);
        user.last_login_at = now;
        UJ_TRY(store::insert_user(c, user));
        UJ_TRY(store::insert_membership(
            c, Membership{account.id, user.id, Role::kOwner, true, std::nullopt, now, now}));
        if (ports_.accounts && !account.awaiting_verification)
            UJ_TRY(ports_.accounts->registered(c, account));
        return open_session(c, std::move(user), account, Role::kOwner, ip);
    }));
    mail_email_verification(registered.user);
    return registered;
}

Result<AuthResult> IdentityService::login(const LoginInput& in, const std::string& ip) {
    const Micros started = clock_.now();
    if (int wait = throttle_.retry_after(in.email, ip, started); wait > 0)
        return Error::rate_limited(wait);
    UJ_ASSIGN(auto user,
              db_.read([&](db::Connection& c) { return store::find_user_by_email(c, in.email); }));
    if (!user) {
        UJ_TRY(verify_decoy(in.password));
        throttle_.record_failure(in.email, ip, started);
        return invalid_credentials();
    }
    UJ_ASSIGN(bool verified, verify(user->password_hash, in.password));
    if (!verified) {
        throttle_.record_failure(in.email, ip, started);
        return invalid_credentials();
    }
    throttle_.record_success(in.email, ip);
    if (!user->is_active) return inactive();
    if (user->totp_enabled_at) {
        // The password was right; the second factor finishes the sign-in.
        AuthResult pending;
        UJ_ASSIGN(pending.challenge, open_login_challenge(*user, in.account_id, started));
        pending.user = std::move(*user);
        return pending;
    }
    return finish_login(std::move(*user), in.account_id, ip);
}

Result<AuthResult> IdentityService::finish_login(User signed_in,
                                                 const std::optional<std::string>& account_id,
                                                 const std::string& ip) {
    if (!signed_in.is_active) return inactive();
    auto user = std::optional<User>(std::move(signed_in));
    const std::optional<std::string>& wanted_account = account_id;
    return db_.write([&](db::Connection& c) -> Result<AuthResult> {
        UJ_ASSIGN(auto memberships, store::memberships_of(c, user->id));
        // The requested account, else the last one used, else the first usable.
        const AccountMembership* chosen = nullptr;
        Error why = inactive();
        for (const auto& m : memberships) {
            const bool wanted = wanted_account ? m.account_id.value == *wanted_account
                                               : user->last_account_id == m.account_id;
            if (!wanted) continue;
            chosen = &m;
        }
        if (wanted_account && !chosen) return Error::not_found("Account");
        if (chosen && (!chosen->is_active || chosen->account_status != "active")) {
            if (wanted_account) return chosen->is_active ? suspended() : inactive();
            chosen = nullptr;
        }
        if (!chosen) {
            for (const auto& m : memberships) {
                if (!m.is_active) continue;
                if (m.account_status != "active") {
                    why = suspended();
                    continue;
                }
                chosen = &m;
                break;
            }
        }
        if (!chosen) return why;
        UJ_ASSIGN(auto account, store::find_account(c, chosen->account_id));
        if (!account) return Error::not_found("Account");
        user->last_account_id = account->id;
        user->last_login_at = clock_.now();
        UJ_TRY(store::update_user(c, *user));
        return open_session(c, *user, *account, chosen->role, ip);
    });
}

Result<AuthResult> IdentityService::refresh(const std::string& refresh_token) {
    const std::string hash = token_hash(refresh_token);
    const Micros now = clock_.now();
    // nullopt: the token was already spent; the session revocation commits
    // and the caller gets TOKEN_REUSED.
    UJ_ASSIGN(auto rotated, db_.write([&](db::Connection& c) -> Result<std::optional<AuthResult>> {
        UJ_ASSIGN(auto record, store::find_refresh_token(c, hash));
        if (!record || record->session_revoked)
            return Error::unauthenticated("INVALID_TOKEN", "Invalid refresh token");
        if (record->spent) {
            // A spent token seen again was stolen or replayed: end the whole
            // session so every token of its family stops working.
            UJ_TRY(store::revoke_session(c, record->session_id, now));
            log::warn(
                "refresh token reuse; session revoked",
                {{"session_id", record->session_id.value}, {"user_id", record->user_id.value}});
            return std::optional<AuthResult>{};
        }
        if (record->expires_at <= now)
            return Error::unauthenticated("TOKEN_EXPIRED", "Refresh token has expired");
        UJ_ASSIGN(bool won, store::spend_refresh_token(c, hash));
        if (!won) return std::optional<AuthResult>{};
        UJ_ASSIGN(auto facts, store::session_principal(c, record->session_id, record->user_id,
                                                       record->account_id));
        if (!facts || !facts->user_active || !facts->role || !facts->member_active)
            return inactive();
        if (facts->account_status != "active") return suspended();
        UJ_ASSIGN(auto user, store::find_user(c, record->user_id));
        UJ_ASSIGN(auto account, store::find_account(c, record->account_id));
        if (!user || !account)
            return Error::unauthenticated("INVALID_TOKEN", "Invalid refresh token");
        const std::string next = new_refresh_token();
        UJ_TRY(store::insert_refresh_token(c, token_hash(next), record->session_id, now,
                                           now + options_.refresh_ttl_s * kMicrosPerSecond));
        UJ_ASSIGN(auto tokens,
                  issue_tokens(*user, *account, *facts->role, record->session_id, next));
        return std::optional<AuthResult>(std::move(tokens));
    }));
    if (!rotated)
        return Error::unauthenticated("TOKEN_REUSED",
                                      "Refresh token was already used; the session is revoked");
    return std::move(*rotated);
}

Status IdentityService::logout_session(const SessionId& session) {
    const Micros now = clock_.now();
    return db_.write([&](db::Connection& c) { return store::revoke_session(c, session, now); });
}

Status IdentityService::logout_refresh(const std::string& refresh_token) {
    const std::string hash = token_hash(refresh_token);
    const Micros now = clock_.now();
    return db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto record, store::find_refresh_token(c, hash));
        if (!record) return Error::unauthenticated("INVALID_TOKEN", "Invalid refresh token");
        return store::revoke_session(c, record->session_id, now);
    });
}

Result<AuthResult> IdentityService::switch_account(const Principal& who, const AccountId& target,
                                                   const std::string& ip) {
    if (who.api_key_id)
        return Error::forbidden("API keys belong to one account; sign in to switch accounts");
    return db_.write([&](db::Connection& c) -> Result<AuthResult> {
        UJ_ASSIGN(auto member, store::find_member(c, target, who.user_id));
        // Only an active membership counts: a deactivated member is treated
        // like a stranger to the account.
        if (!member || !member->membership.is_active) return Error::not_found("Account");
        UJ_ASSIGN(auto account, store::find_account(c, target));
        if (!account) return Error::not_found("Account");
        if (account->status != "active")
            return Error::forbidden("That account is suspended", "ACCOUNT_SUSPENDED");
        member->user.last_account_id = account->id;
        member->user.updated_at = clock_.now();
        UJ_TRY(store::update_user(c, member->user));
        return open_session(c, member->user, *account, member->membership.role, ip);
    });
}

Result<Principal> IdentityService::authenticate_bearer(std::string_view token) {
    const std::int64_t now_s = clock_.now() / kMicrosPerSecond;
    std::optional<AccessClaims> cached;
    {
        std::lock_guard lock(verified_mutex_);
        if (auto it = verified_.find(std::string(token)); it != verified_.end())
            cached = it->second;
    }
    if (cached && now_s >= cached->exp)
        return Error::unauthenticated("TOKEN_EXPIRED", "Access token has expired");
    if (!cached) {
        UJ_ASSIGN(auto verified, verify_access_token(token, jwt_key_, now_s));
        std::lock_guard lock(verified_mutex_);
        if (verified_.size() >= kVerifiedTokenCacheSize) verified_.clear();
        verified_.emplace(std::string(token), verified);
        cached = std::move(verified);
    }
    const AccessClaims& claims = *cached;
    Principal p;
    p.user_id = UserId{claims.sub};
    p.account_id = AccountId{claims.acc};
    p.session_id = SessionId{claims.sid};
    UJ_ASSIGN(auto facts, db_.read([&](db::Connection& c) {
        return store::session_principal(c, p.session_id, p.user_id, p.account_id);
    }));
    if (!facts || facts->session_revoked)
        return Error::unauthenticated("TOKEN_REVOKED", "This session has ended; sign in again");
    if (!facts->user_active || !facts->role || !facts->member_active) return inactive();
    if (facts->account_status != "active") return suspended();
    p.role = *facts->role;  // the current role, so a role change applies at once
    p.account_type = facts->account_type;
    p.settings_epoch = facts->settings_epoch;
    p.two_factor_setup_required = facts->two_factor_setup_required;
    return p;
}

Result<Principal> IdentityService::authenticate_api_key(std::string_view key) {
    if (key.size() < 8 || key.size() > 200)
        return Error::unauthenticated("INVALID_API_KEY", "Invalid API key");
    const std::string hash = token_hash(key);
    UJ_ASSIGN(auto found,
              db_.read([&](db::Connection& c) { return store::key_principal(c, hash); }));
    const Micros now = clock_.now();
    if (!found || found->key.revoked_at)
        return Error::unauthenticated("INVALID_API_KEY", "Invalid API key");
    if (found->key.expires_at && *found->key.expires_at <= now)
        return Error::unauthenticated("API_KEY_EXPIRED", "This API key has expired");
    if (!found->user_active || !found->role || !found->member_active) return inactive();
    if (found->account_status != "active") return suspended();
    bool touch = false;
    {
        std::lock_guard lock(key_touch_mutex_);
        auto& last = key_touched_[found->key.id.value];
        if (now - last >= 60 * kMicrosPerSecond) {
            last = now;
            touch = true;
        }
    }
    if (touch) {
        // Written at most once a minute per key; the write is small and keeps
        // last_used_at honest without a write per request.
        auto status = db_.write(
            [&](db::Connection& c) { return store::touch_api_key(c, found->key.id, now); });
        if (!status) log::warn("could not record API key use", {{"error", status.error().message}});
    }
    Principal p;
    p.user_id = found->key.created_by;
    p.account_id = found->key.account_id;
    p.role = *found->role;
    p.account_type = found->account_type;
    p.api_key_id = found->key.id;
    p.scopes = found->key.scopes;
    p.settings_epoch = found->settings_epoch;
    return p;
}

Result<Me> IdentityService::me(const Principal& who) {
    return db_.read([&](db::Connection& c) -> Result<Me> {
        UJ_ASSIGN(auto found, store::find_profile(c, who.user_id, who.account_id));
        if (!found) return Error::not_found("User");
        return Me{std::move(found->user), std::move(found->account), who.role,
                  std::move(found->memberships)};
    });
}

Result<Me> IdentityService::update_me(const Principal& who, const MeUpdate& update,
                                      const std::string& ip) {
    if (update.email) {
        UJ_TRY(check_session(who));
        if (!update.current_password)
            return Error::invalid("current_password", "Required to change the email.");
        UJ_ASSIGN(auto user,
                  db_.read([&](db::Connection& c) { return store::find_user(c, who.user_id); }));
        if (!user) return Error::not_found("User");
        UJ_TRY(check_current_password(*user, *update.current_password, ip));
    }
    std::optional<User> changed_email;
    UJ_TRY(db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto user, store::find_user(c, who.user_id));
        if (!user) return Error::not_found("User");
        if (update.email && *update.email != user->email) {
            UJ_ASSIGN(bool taken, store::email_taken(c, *update.email, user->id));
            if (taken) {
                Error e = Error::conflict("EMAIL_TAKEN", "A user with this email already exists");
                e.errors["email"].push_back("A user with this email already exists.");
                return e;
            }
            user->email = *update.email;
            user->email_verified_at.reset();  // the new address is not proven yet
            changed_email = *user;
        }
        if (update.name) user->name = *update.name;
        user->updated_at = clock_.now();
        return store::update_user(c, *user);
    }));
    if (changed_email) mail_email_verification(*changed_email);
    return me(who);
}

Status IdentityService::change_password(const Principal& who, const std::string& current,
                                        const std::string& replacement, const std::string& ip) {
    UJ_TRY(check_session(who));
    UJ_ASSIGN(auto user,
              db_.read([&](db::Connection& c) { return store::find_user(c, who.user_id); }));
    if (!user) return Error::not_found("User");
    UJ_TRY(check_current_password(*user, current, ip));
    UJ_ASSIGN(auto hash, this->hash(replacement));
    const Micros now = clock_.now();
    return db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto fresh, store::find_user(c, who.user_id));
        if (!fresh) return Error::not_found("User");
        fresh->password_hash = hash;
        fresh->updated_at = now;
        UJ_TRY(store::update_user(c, *fresh));
        return store::revoke_user_sessions(c, who.user_id, who.session_id, now);
    });
}

}  // namespace ujumbe::identity
