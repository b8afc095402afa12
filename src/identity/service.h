#pragma once
// Identity rules: registration, login and tokens, API keys, accounts and
// their children, users of an account. The only public face of the module.
//
// Every call runs on a database thread (it blocks on the database and, for
// passwords, on argon2id). Reads use the thread's connection; changes go
// through Database::write, one transaction each. Calls acting for a caller
// take its Principal and only ever touch the caller's account (or, for
// children, accounts the caller is the parent of); anything else is 404.

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/principal.h"
#include "core/result.h"
#include "db/database.h"
#include "db/settings_epoch.h"
#include "db/store_support.h"
#include "identity/hash_slots.h"
#include "identity/model.h"
#include "identity/ports.h"
#include "identity/registration_throttle.h"
#include "identity/throttle.h"
#include "identity/tokens.h"

namespace ujumbe::identity {

namespace store {
struct TwoFactor;
}

struct IdentityOptions {
    std::string server_secret;  // signs tokens (UJUMBE_SECRET_KEY)
    std::int64_t access_ttl_s = 15 * 60;
    std::int64_t refresh_ttl_s = 7 * 24 * 3600;
    ThrottleLimits throttle;
    RegistrationLimits registration;
    // Password hashes running at once, and how long a request waits for a
    // free slot before 429 (see hash_slots.h).
    int hash_slots = 1;
    Micros hash_wait = 100 * 1000;
    Micros invitation_ttl = 7 * 24 * 3600 * kMicrosPerSecond;
    Micros password_reset_ttl = 3600 * kMicrosPerSecond;
    Micros email_verification_ttl = 24 * 3600 * kMicrosPerSecond;
    // Accounts registered now wait for their owner's email verification
    // before they send or get the trial credit (UJUMBE_REQUIRE_EMAIL_VERIFICATION).
    bool require_email_verification = false;
    RegistrationLimits verification_mails{.max_per_ip = 3, .max_global = 1000};
    // The address users reach the console at ("https://sms.example.com"):
    // mails carry links to it. Empty: mails carry the token and the API call.
    std::string public_url;
    RegistrationLimits reset_requests{.max_per_ip = 10, .max_global = 1000};
    RegistrationLimits reset_mails{.max_per_ip = 3, .max_global = 1000};
};

using Page = db::Paged;
template <typename T>
using Listing = db::Listing<T>;

struct RegisterInput {
    std::string account_name, name, email, password;
};

struct TwoFactorSetup {
    std::string secret;  // base32, for typing into an app
    std::string otpauth_uri;
};

struct LoginInput {
    std::string email, password;
    std::optional<std::string> account_id;
};

struct Me {
    User user;
    Account account;
    Role role = Role::kAgent;
    std::vector<AccountMembership> accounts;
};

struct MeUpdate {
    std::optional<std::string> name, email;
    // Required to change the email (the login), checked like a password change.
    std::optional<std::string> current_password;
};

struct AccountUpdate {
    std::optional<std::string> name, business_name, business_username, business_type, contact_email,
        contact_phone, country, default_country;
    std::optional<nlohmann::json> reseller_details;
    bool clear_max_messages_per_day = false;
    std::optional<std::int64_t> max_messages_per_day;
    std::optional<bool> require_2fa;  // the current account only; owners only
};

struct ChildInput {
    std::string business_name;
    std::string business_username;
    std::string business_type;
    std::string contact_email;
    std::string contact_phone;
    std::string country;
    AccountType account_type = AccountType::kBusiness;
    nlohmann::json reseller_details = nullptr;
    std::optional<std::int64_t> max_messages_per_day;
    std::string owner_name, owner_email, owner_password;
};

struct CreatedChild {
    Account account;
    User owner;
};

struct ChildQuery {
    std::optional<std::string> search, status;
    std::optional<AccountType> type;
};

struct NewMember {
    std::string email;
    std::optional<std::string> name;
    Role role = Role::kAgent;
    std::optional<std::int64_t> max_messages_per_day;
};

struct IssuedInvitation {
    Invitation invitation;
    std::string token;  // mailed to the invitee; never shown to the inviter
};

// Accepting an invitation by its token, as someone with no user yet.
struct InviteAcceptance {
    std::string token;
    std::optional<std::string> name;
    std::string password;
};

struct MemberUpdate {
    std::optional<std::string> name;
    std::optional<Role> role;
    bool clear_max_messages_per_day = false;
    std::optional<std::int64_t> max_messages_per_day;
};

struct MemberQuery {
    std::optional<std::string> search;
    std::optional<Role> role;
    std::optional<bool> is_active;
};

struct NewApiKey {
    std::string name;
    std::vector<std::string> scopes;
    std::optional<Micros> expires_at;
};

struct CreatedApiKey {
    ApiKey key;
    std::string raw_key;  // shown once
};

struct BootstrapResult {
    bool created = false;
    std::string email;
    std::optional<std::string> generated_password;  // print once, never store
};

// What sending needs to know about the caller: the account (status, default
// country, daily cap) and the caller's own daily cap in it.
struct SendProfile {
    Account account;
    std::optional<std::int64_t> user_max_messages_per_day;
};

// A user the operator's console added (ujumbe admin), and whether it was
// new (an existing user keeps its password).
struct OperatorUser {
    User user;
    bool created = false;
};

class IdentityService {
public:
    IdentityService(db::Database& db, Clock& clock, IdentityOptions options,
                    IdentityPorts ports = {});

    // First start: the platform account and its admin. Idempotent.
    Result<BootstrapResult> ensure_platform_admin(const std::string& email,
                                                  const std::string& password);

    // ---- authentication (auth.cc)
    Result<AuthResult> register_account(const RegisterInput& in, const std::string& ip);
    // 429 before hashing when throttled; 401 INVALID_CREDENTIALS alike for an
    // unknown email and a wrong password.
    Result<AuthResult> login(const LoginInput& in, const std::string& ip);
    // ---- two-factor sign-in (service_two_factor.cc)
    // The second step of a sign-in whose answer held a challenge: a TOTP
    // code or a recovery code. 401 INVALID_CHALLENGE (expired, used) or
    // INVALID_CODE; throttled like a login.
    Result<AuthResult> login_two_factor(const std::string& challenge, const std::string& code,
                                        const std::string& ip);
    // A new secret for the caller (pending until confirmed); 409 when on.
    Result<TwoFactorSetup> begin_two_factor(const Principal& who);
    // Turns it on with a first code; answers ten recovery codes, shown once.
    Result<std::vector<std::string>> confirm_two_factor(const Principal& who,
                                                        const std::string& code,
                                                        const std::string& ip);
    // Turns it off with the password and a code (or a recovery code).
    Status disable_two_factor(const Principal& who, const std::string& password,
                              const std::string& code, const std::string& ip);
    Result<std::int64_t> recovery_codes_left(const Principal& who);
    // Rotates: the presented token is spent and a new one issued in the same
    // session. A spent token presented again revokes the whole session.
    Result<AuthResult> refresh(const std::string& refresh_token);
    Status logout_session(const SessionId& session);
    Status logout_refresh(const std::string& refresh_token);
    Result<AuthResult> switch_account(const Principal& who, const AccountId& target,
                                      const std::string& ip);
    Result<Principal> authenticate_bearer(std::string_view token);
    Result<Principal> authenticate_api_key(std::string_view key);

    // ---- the caller (auth.cc)
    Result<Me> me(const Principal& who);
    // Changing the email needs a session (not an API key) and the current
    // password.
    // A wrong current password counts as a failed login from `ip`.
    Result<Me> update_me(const Principal& who, const MeUpdate& update, const std::string& ip);
    // Needs a session (not an API key). Revokes every other session of the user.
    Status change_password(const Principal& who, const std::string& current,
                           const std::string& replacement, const std::string& ip);

    // ---- accounts and children (accounts.cc)
    Result<Account> current_account(const Principal& who);
    Result<SendProfile> send_profile(const Principal& who);
    // The platform account (inbound messages nobody else claims land there).
    Result<Account> platform_account();
    // Any account by id, for other services' own checks (404 when missing).
    Result<Account> account_by_id(const AccountId& id);
    Result<Account> update_current_account(const Principal& who, const AccountUpdate& update);
    Result<CreatedChild> create_child(const Principal& who, const ChildInput& in);
    Result<Listing<Account>> list_children(const Principal& who, const ChildQuery& q, Page page);
    Result<Account> get_child(const Principal& who, const AccountId& id);
    Result<Account> update_child(const Principal& who, const AccountId& id,
                                 const AccountUpdate& update);
    // active <-> suspended; 409 INVALID_STATUS when already there.
    Result<Account> set_child_status(const Principal& who, const AccountId& id,
                                     const std::string& status);

    // Every non-platform account with where it registered from (platform
    // admin only).
    Result<Listing<RegisteredAccount>> list_accounts(const Principal& who, const ChildQuery& q,
                                                     Page page);

    // ---- users of the caller's account (users.cc)
    Result<Listing<Member>> list_members(const Principal& who, const MemberQuery& q, Page page);
    Result<Member> get_member(const Principal& who, const UserId& id);

    // ---- password resets (service_password_reset.cc)
    // Mails a single-use reset token, valid an hour, to the user with
    // `email`; the same answer whether or not there is one. Throttled per
    // client address (429) and per email (silently: no more mails).
    Status request_password_reset(const std::string& email, const std::string& ip);
    // Sets the password of the token's user, spends the token (and any other
    // of the user's), and revokes every session and refresh token of the
    // user. 400 INVALID_TOKEN for a token unknown, spent or expired.
    Status reset_password(const std::string& token, const std::string& password);

    // ---- email verification (service_email_verification.cc)
    // Marks the token's user verified (the address the token was mailed to
    // must still be theirs) and ends the wait of the accounts they own that
    // waited for it (their trial credit comes then). 400 INVALID_TOKEN.
    Result<User> verify_email(const std::string& token);
    // Mails the signed-in user a new token; 409 EMAIL_ALREADY_VERIFIED, 429
    // past 3 mails an hour.
    Status resend_email_verification(const Principal& who);

    // ---- invitations (invitations.cc)
    // Invites `in.email` into the caller's account and mails the token. The
    // answer never depends on whether the email has a user. Inviting an
    // email with a pending invitation renews that one (new token).
    Result<IssuedInvitation> invite(const Principal& who, const NewMember& in);
    Result<Listing<Invitation>> list_invitations(const Principal& who,
                                                 const std::optional<std::string>& status,
                                                 Page page);
    Result<Invitation> revoke_invitation(const Principal& who, const InvitationId& id);
    // A new token and expiry; the old token stops working.
    Result<IssuedInvitation> resend_invitation(const Principal& who, const InvitationId& id);
    // The caller's own pending invitations (by their email); sessions only.
    Result<std::vector<Invitation>> my_invitations(const Principal& who);
    Result<Invitation> accept_invitation(const Principal& who, const InvitationId& id);
    Result<Invitation> decline_invitation(const Principal& who, const InvitationId& id);
    // Creates the user and the membership, and signs the new user in.
    Result<AuthResult> accept_invitation_token(const InviteAcceptance& in, const std::string& ip);
    Result<Member> update_member(const Principal& who, const UserId& id, const MemberUpdate& u);
    Result<Member> set_member_active(const Principal& who, const UserId& id, bool active);
    Status remove_member(const Principal& who, const UserId& id);

    // ---- the operator's console, `ujumbe admin` (service_operator.cc): run by
    // whoever holds the configuration and its database, so no caller checks.
    // The acting owner of `account` (its first active owner), for work the
    // console does there through the ordinary service calls.
    Result<Principal> owner_principal(const AccountId& account);
    // The platform admin (the platform account's first active owner).
    Result<Principal> platform_principal();
    // Makes `email` an owner of the platform account, creating the platform
    // account and the user as needed (a new user gets `password`). 409
    // ALREADY_MEMBER when it is one already.
    Result<OperatorUser> add_platform_admin(const std::string& email, const std::string& name,
                                            const std::string& password);
    // Sets the password of `email`, an owner or admin of the platform
    // account, and ends every session and refresh token of the user (404
    // otherwise).
    Result<User> reset_admin_password(const std::string& email, const std::string& password);
    // Adds `email` to `account` with `role`, without an invitation: a new
    // user gets `password`. 409 ALREADY_MEMBER when it is one already.
    Result<OperatorUser> add_member_directly(const AccountId& account, const std::string& email,
                                             const std::string& name, Role role,
                                             const std::string& password);

    // ---- API keys of the caller's account (api_keys.cc)
    Result<CreatedApiKey> create_api_key(const Principal& who, const NewApiKey& in);
    Result<Listing<ApiKey>> list_api_keys(const Principal& who, Page page);
    Result<ApiKey> get_api_key(const Principal& who, const ApiKeyId& id);
    Status revoke_api_key(const Principal& who, const ApiKeyId& id);

private:
    // Password hashing, bounded by hashes_ (429 when no slot frees up).
    Result<std::string> hash(const std::string& password);
    Result<bool> verify(const std::string& hash, const std::string& password);
    Status verify_decoy(const std::string& password);
    // The caller's current password, throttled like a login: guessing it
    // with a stolen session is as slow as guessing it at login.
    Status check_current_password(const User& user, const std::string& given,
                                  const std::string& ip);
    // Adds the membership an accepted invitation grants (plan limits apply).
    Status join(db::Connection& c, const Invitation& inv, const UserId& user, Micros now);
    Status mail_invitation(const Invitation& inv, const std::string& token,
                           const std::string& inviter_name, const std::string& account_name);
    // "Open <public_url>/<page>?token=...", a paragraph of a mail; "" when
    // no public address is set.
    std::string console_link(std::string_view page, const std::string& token) const;
    // The tokens of a sign-in whose factors all passed: the account asked
    // for, else the last one used, else the first usable.
    Result<AuthResult> finish_login(User user, const std::optional<std::string>& account_id,
                                    const std::string& ip);
    Result<std::string> open_login_challenge(const User& user,
                                             const std::optional<std::string>& account, Micros now);
    // A TOTP code (its step unused so far) or an unused recovery code of
    // `user`, spent in this transaction.
    Result<bool> second_factor(db::Connection& c, const User& user, const std::string& code,
                               Micros now);
    Result<std::optional<std::string>> open_totp_secret(const store::TwoFactor& tf);
    std::string recovery_code_hash(const UserId& user, const std::string& code) const;
    // Stores a verification token for the user's current address and mails
    // it; a mail that cannot be sent is logged (the user can ask again).
    void mail_email_verification(const User& user);
    // A new session with its first refresh token and an access token.
    Result<AuthResult> open_session(db::Connection& c, User user, const Account& account, Role role,
                                    const std::string& ip);
    Result<AuthResult> issue_tokens(User user, const Account& account, Role role,
                                    const SessionId& session, const std::string& refresh);
    Result<Account> access_child(db::Connection& c, const Principal& who, const AccountId& id);
    Status check_manager(const Principal& who) const;
    Result<Member> access_member(db::Connection& c, const Principal& who, const UserId& id);
    Status check_can_change(db::Connection& c, const Principal& who, const Member& target,
                            bool removes_owner, bool self_allowed);

    db::Database& db_;
    Clock& clock_;
    IdentityOptions options_;
    std::string jwt_key_;
    LoginThrottle throttle_;
    RegistrationThrottle registrations_;
    // Password reset requests in a sliding window, as registrations are:
    // per client address, and per email (the mails one inbox gets).
    RegistrationThrottle reset_requests_;
    RegistrationThrottle reset_mails_;
    RegistrationThrottle verification_mails_;  // per email
    HashSlots hashes_;
    IdentityPorts ports_;
    // Claims of access tokens whose signature was already verified with
    // jwt_key_, so a client's repeated token costs a lookup, not an HMAC and
    // a JSON parse. Expiry and the session are still checked every time.
    // Bounded: emptied when full.
    std::mutex verified_mutex_;
    std::unordered_map<std::string, AccessClaims> verified_;
    // When each API key's last_used_at was last written (written at most
    // once a minute per key, so a busy key does not become a hot write).
    std::mutex key_touch_mutex_;
    std::unordered_map<std::string, Micros> key_touched_;
    // Send profiles by (account, user), at the settings epoch they were read.
    db::SettingsCache<std::pair<std::string, std::string>, SendProfile> send_profiles_;
};

std::string new_account_sid();
// Rows not yet stored: fresh ids and a new account SID, stamped `now`.
Account new_account(AccountType type, const std::string& name, Micros now);
User new_user(const std::string& email, const std::string& name, const std::string& password_hash,
              const AccountId& home, Micros now);

}  // namespace ujumbe::identity
