#pragma once
// SQL of the identity module; the only place its tables appear. Functions
// on tenant-owned rows take the account id first and never touch another
// account's rows. All take a Connection in the caller's transaction.

#include <optional>
#include <string>
#include <vector>

#include "core/principal.h"
#include "core/result.h"
#include "db/connection.h"
#include "db/store_support.h"
#include "identity/model.h"

namespace ujumbe::identity::store {

using db::Connection;

using Paged = db::Paged;

// Accounts
Status insert_account(Connection& c, const Account& a);
Status update_account(Connection& c, const Account& a);
Result<std::optional<Account>> find_account(Connection& c, const AccountId& id);
Result<std::optional<Account>> find_platform_account(Connection& c);
Result<bool> username_taken(Connection& c, const std::string& username, const AccountId& except);

struct ChildFilter {
    std::optional<AccountId> parent_id;  // nullopt: every non-platform account
    std::optional<std::string> search;   // name, business name, username, contact email
    std::optional<std::string> status;
    std::optional<AccountType> type;
};
Result<std::pair<std::vector<Account>, std::int64_t>> list_children(Connection& c,
                                                                    const ChildFilter& f,
                                                                    const Paged& page);

// How many accounts were registered from `ip` between `from` and `to`
// (a platform-wide question, asked for the platform admin only).
Result<std::int64_t> count_registrations(Connection& c, const std::string& ip, Micros from,
                                         Micros to);

// Users
Status insert_user(Connection& c, const User& u);
Status update_user(Connection& c, const User& u);
Result<std::optional<User>> find_user(Connection& c, const UserId& id);
Result<std::optional<User>> find_user_by_email(Connection& c, const std::string& email);
Result<bool> email_taken(Connection& c, const std::string& email, const UserId& except);

// Memberships (the account id leads)
Status insert_membership(Connection& c, const Membership& m);
Status update_membership(Connection& c, const Membership& m);
Status delete_membership(Connection& c, const AccountId& account, const UserId& user);
Result<std::optional<Member>> find_member(Connection& c, const AccountId& account,
                                          const UserId& user);
struct MemberFilter {
    std::optional<std::string> search;  // name or email
    std::optional<Role> role;
    std::optional<bool> is_active;
};
Result<std::pair<std::vector<Member>, std::int64_t>> list_members(Connection& c,
                                                                  const AccountId& account,
                                                                  const MemberFilter& f,
                                                                  const Paged& page);
Result<std::int64_t> count_active_owners(Connection& c, const AccountId& account);
Result<std::vector<AccountMembership>> memberships_of(Connection& c, const UserId& user);
// The user, the account they act in and all their memberships, in one query.
struct Profile {
    User user;
    Account account;
    std::vector<AccountMembership> memberships;
};
Result<std::optional<Profile>> find_profile(Connection& c, const UserId& user,
                                            const AccountId& account);

// Sessions and refresh tokens
Status insert_session(Connection& c, const SessionId& id, const UserId& user,
                      const AccountId& account, const std::string& ip, Micros now);
Status revoke_session(Connection& c, const SessionId& id, Micros now);
// Revokes every session of the user except `keep` (which may be empty).
Status revoke_user_sessions(Connection& c, const UserId& user, const SessionId& keep, Micros now);
Status revoke_member_sessions(Connection& c, const AccountId& account, const UserId& user,
                              Micros now);
Status insert_refresh_token(Connection& c, const std::string& hash, const SessionId& session,
                            Micros now, Micros expires_at);
struct RefreshRecord {
    SessionId session_id;
    UserId user_id;
    AccountId account_id;
    bool spent = false;
    Micros expires_at = 0;
    bool session_revoked = false;
};
Result<std::optional<RefreshRecord>> find_refresh_token(Connection& c, const std::string& hash);
// Marks an unspent token spent; false when someone else spent it first.
Result<bool> spend_refresh_token(Connection& c, const std::string& hash);

// The facts authentication checks on every request, in one query.
struct SessionPrincipal {
    bool session_revoked = false;
    bool user_active = false;
    std::optional<Role> role;  // nullopt: no membership any more
    bool member_active = false;
    std::string account_status;
    AccountType account_type = AccountType::kBusiness;
    std::int64_t settings_epoch = 0;
    // The account requires two factors and the user has not set them up.
    bool two_factor_setup_required = false;
};
Result<std::optional<SessionPrincipal>> session_principal(Connection& c, const SessionId& session,
                                                          const UserId& user,
                                                          const AccountId& account);
struct KeyPrincipal {
    ApiKey key;
    bool user_active = false;
    std::optional<Role> role;
    bool member_active = false;
    std::string account_status;
    AccountType account_type = AccountType::kBusiness;
    std::int64_t settings_epoch = 0;
};
Result<std::optional<KeyPrincipal>> key_principal(Connection& c, const std::string& key_hash);

// API keys (the account id leads)
Status insert_api_key(Connection& c, const ApiKey& k);
Result<std::optional<ApiKey>> find_api_key(Connection& c, const AccountId& account,
                                           const ApiKeyId& id);
Result<std::pair<std::vector<ApiKey>, std::int64_t>> list_api_keys(Connection& c,
                                                                   const AccountId& account,
                                                                   const Paged& page);
Status revoke_api_key(Connection& c, const AccountId& account, const ApiKeyId& id, Micros now);
Status touch_api_key(Connection& c, const ApiKeyId& id, Micros now);

// Invitations (the account id leads, except for the invitee's own look-ups,
// which are keyed by the invitee's email or the token's hash)
// ---- password resets
// Single-use tokens of a user (email verifications, login challenges,
// password resets): inserting one deletes the user's spent and expired
// ones, so each table holds what can still be used.
// Email verifications: a token for the address the user had when it was
// mailed. Spending answers the user only while the address is unchanged.
Status insert_email_verification(Connection& c, const std::string& token_hash, const User& user,
                                 Micros now, Micros expires_at);
Result<std::optional<UserId>> spend_email_verification(Connection& c, const std::string& token_hash,
                                                       Micros now);
// The accounts `owner` owns that waited for a verification, no longer
// waiting.
Result<std::vector<Account>> end_verification_wait(Connection& c, const UserId& owner);

// Two-factor sign-in. The sealed TOTP secret (pending or enabled) and the
// last step a code was used for.
struct TwoFactor {
    std::optional<std::string> sealed_secret;
    std::optional<Micros> enabled_at;
    std::optional<std::int64_t> last_step;
};
Result<TwoFactor> find_two_factor(Connection& c, const UserId& user);
// A new pending secret (two-factor stays off until enable_two_factor).
Status set_pending_totp(Connection& c, const UserId& user, const std::string& sealed);
Status enable_two_factor(Connection& c, const UserId& user, Micros now, std::int64_t step);
// Turns it off: secret, steps and recovery codes gone.
Status disable_two_factor(Connection& c, const UserId& user);
// Records `step` as used; false when it (or a later one) already was.
Result<bool> use_totp_step(Connection& c, const UserId& user, std::int64_t step);
Status replace_recovery_codes(Connection& c, const UserId& user,
                              const std::vector<std::string>& hashes, Micros now);
Result<bool> spend_recovery_code(Connection& c, const UserId& user, const std::string& hash,
                                 Micros now);
Result<std::int64_t> recovery_codes_left(Connection& c, const UserId& user);
struct LoginChallenge {
    UserId user_id;
    std::optional<AccountId> account_id;  // the account asked for at login
};
Status insert_login_challenge(Connection& c, const std::string& token_hash,
                              const LoginChallenge& ch, Micros now, Micros expires_at);
Result<std::optional<LoginChallenge>> live_login_challenge(Connection& c,
                                                           const std::string& token_hash,
                                                           Micros now);
// False when it was spent already.
Result<bool> spend_login_challenge(Connection& c, const std::string& token_hash, Micros now);

Status insert_password_reset(Connection& c, const std::string& token_hash, const UserId& user,
                             Micros now, Micros expires_at);
// The user a reset token is for, when it is unused and not expired.
Result<std::optional<UserId>> live_password_reset(Connection& c, const std::string& token_hash,
                                                  Micros now);
// Spends every unused reset token of the user; false when `token_hash` was
// not among them (another request spent it first).
Result<bool> spend_password_resets(Connection& c, const UserId& user, const std::string& token_hash,
                                   Micros now);

Status insert_invitation(Connection& c, const Invitation& inv);
Result<std::optional<Invitation>> find_invitation(Connection& c, const AccountId& account,
                                                  const InvitationId& id);
// The account's pending invitation for `email`, if any.
Result<std::optional<Invitation>> find_pending_invitation(Connection& c, const AccountId& account,
                                                          const std::string& email);
Result<std::pair<std::vector<Invitation>, std::int64_t>> list_invitations(
    Connection& c, const AccountId& account, const std::optional<std::string>& status,
    const Paged& page);
// Status, token, expiry, role and name as in `inv`.
Status update_invitation(Connection& c, const AccountId& account, const Invitation& inv);
// Pending, unexpired invitations for `email` from any account, with the
// account's name.
Result<std::vector<Invitation>> invitations_for_email(Connection& c, const std::string& email,
                                                      Micros now);
Result<std::optional<Invitation>> find_invitation_for_email(Connection& c, const InvitationId& id,
                                                            const std::string& email);
Result<std::optional<Invitation>> find_invitation_by_token(Connection& c,
                                                           const std::string& token_hash);

}  // namespace ujumbe::identity::store
