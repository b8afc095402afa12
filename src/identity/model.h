#pragma once
// The identity domain: accounts (tenants), users, their memberships with a
// role, sessions and API keys. Plain data, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/ids.h"
#include "core/principal.h"

namespace ujumbe::identity {

// Scopes an API key may carry. `read_only` grants every "*:read" scope and
// `full_access` everything (see http::scope_allows).
inline const std::vector<std::string>& known_scopes() {
    static const std::vector<std::string> scopes = {
        "full_access",     "read_only",        "account:read",       "account:write",
        "users:read",      "users:write",      "api_keys:read",      "api_keys:write",
        "messages:read",   "messages:send",    "contacts:read",      "contacts:write",
        "sender_ids:read", "sender_ids:write", "routing:read",       "routing:write",
        "billing:read",    "billing:write",    "smpp:read",          "smpp:write",
        "webhooks:read",   "webhooks:write",   "campaigns:read",     "campaigns:write",
        "channels:read",   "channels:write",   "conversations:read", "conversations:write",
        "crm:read",        "crm:write",        "audit:read",         "analytics:read"};
    return scopes;
}

struct Account {
    AccountId id;
    AccountType type = AccountType::kBusiness;
    std::string name;
    std::string status = "active";  // active | suspended
    std::optional<AccountId> parent_id;
    std::string business_name;
    std::optional<std::string> business_username;
    std::string business_type;
    std::string contact_email;
    std::string contact_phone;
    std::string country;
    // Country assumed for phone numbers written without a country code;
    // empty: the account's `country`.
    std::string default_country;
    std::string account_sid;                    // "AC" + 32 hex, shown to integrators
    nlohmann::json reseller_details = nullptr;  // free-form profile of a reseller
    std::optional<std::int64_t> max_messages_per_day;
    Micros created_at = 0;
    Micros updated_at = 0;
    // Client address of a self-registration (shown to the platform admin).
    std::optional<std::string> registered_ip;
    // Registered while email verification is required and its owner has not
    // verified yet: sends nothing and has no trial credit until then.
    bool awaiting_verification = false;
    // Every user must sign in with two factors (set by an owner).
    bool require_2fa = false;
};

// A self-registered account as the platform admin sees it: how many
// accounts its registering address created that (UTC) day.
struct RegisteredAccount {
    Account account;
    std::int64_t registrations_that_day = 0;
};

struct User {
    UserId id;
    std::string email;  // lower-cased, unique
    std::string name;
    std::string password_hash;
    bool is_active = true;
    std::optional<AccountId> last_account_id;
    Micros created_at = 0;
    Micros updated_at = 0;
    std::optional<Micros> last_login_at;
    // When the user proved the address (a mailed token); cleared when the
    // email changes.
    std::optional<Micros> email_verified_at;
    // When two-factor sign-in was turned on (TOTP); nullopt: off.
    std::optional<Micros> totp_enabled_at;
};

struct Membership {
    AccountId account_id;
    UserId user_id;
    Role role = Role::kAgent;
    bool is_active = true;
    std::optional<std::int64_t> max_messages_per_day;
    Micros created_at = 0;
    Micros updated_at = 0;
};

// A user as a member of one account.
struct Member {
    User user;
    Membership membership;
};

// One of a user's memberships, with the account's headline fields.
struct AccountMembership {
    AccountId account_id;
    std::string account_name;
    AccountType account_type = AccountType::kBusiness;
    std::string account_status;
    Role role = Role::kAgent;
    bool is_active = true;
};

struct ApiKey {
    ApiKeyId id;
    AccountId account_id;
    UserId created_by;
    std::string name;
    std::string prefix;  // first characters of the key, shown to tell keys apart
    std::string key_hash;
    std::vector<std::string> scopes;
    Micros created_at = 0;
    std::optional<Micros> expires_at;
    std::optional<Micros> last_used_at;
    std::optional<Micros> revoked_at;
};

namespace invitation_status {
inline constexpr const char* kPending = "pending";
inline constexpr const char* kAccepted = "accepted";
inline constexpr const char* kDeclined = "declined";
inline constexpr const char* kRevoked = "revoked";
}  // namespace invitation_status

// An invitation to join an account with a role. Only its acceptance
// creates a membership; the token is kept only as its hash.
struct Invitation {
    InvitationId id;
    AccountId account_id;
    std::string account_name;  // filled when read for the invitee
    std::string email;         // lower-cased
    std::optional<std::string> name;
    Role role = Role::kAgent;
    std::optional<std::int64_t> max_messages_per_day;
    UserId invited_by;
    std::string token_hash;
    std::string status = invitation_status::kPending;
    Micros created_at = 0;
    Micros updated_at = 0;
    Micros expires_at = 0;
};

// What login, register, refresh and switch hand back.
struct AuthResult {
    User user;
    Account account;
    Role role = Role::kAgent;
    std::string access;
    std::string refresh;
    std::int64_t expires_in = 0;  // seconds until `access` expires
    // Set instead of the tokens when the user signs in with two factors:
    // the single-use token POST /auth/login/2fa takes with a code.
    std::string challenge;
};

}  // namespace ujumbe::identity
