#pragma once
// The authenticated caller: a user acting in one account, through a session
// (JWT) or an API key. Built once per request by the auth middleware and
// passed to services, which scope every query by its account.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"

namespace ujumbe {

// A member's role in an account, as the API and the database spell it
// ("owner", "admin", "agent").
enum class Role : std::uint8_t { kOwner, kAdmin, kAgent };
std::string_view role_name(Role r);
std::optional<Role> parse_role(std::string_view name);
// Every role's name, for choice fields and their error messages.
const std::vector<std::string>& role_names();

// What kind of tenant an account is ("platform", "reseller", "business").
enum class AccountType : std::uint8_t { kPlatform, kReseller, kBusiness };
std::string_view account_type_name(AccountType t);
std::optional<AccountType> parse_account_type(std::string_view name);

// JSON writes roles and types by name, never as numbers.
template <typename Json>
void to_json(Json& j, Role r) {
    j = std::string(role_name(r));
}
template <typename Json>
void to_json(Json& j, AccountType t) {
    j = std::string(account_type_name(t));
}

struct Principal {
    UserId user_id;
    AccountId account_id;
    Role role = Role::kAgent;  // the membership's current role
    AccountType account_type = AccountType::kBusiness;
    SessionId session_id;  // empty for API keys
    std::optional<ApiKeyId> api_key_id;
    std::vector<std::string> scopes;  // API keys only
    // The settings epoch read with the credentials (db/settings_epoch.h):
    // cached settings answer this request only if read at this epoch.
    // Unset for principals built without a credential check.
    std::optional<std::int64_t> settings_epoch;
    // Signed in to an account that requires two factors without having
    // them: only the routes that set them up answer (http RouteOptions).
    bool two_factor_setup_required = false;

    bool can_manage() const { return role == Role::kOwner || role == Role::kAdmin; }
    bool is_platform_admin() const {
        return account_type == AccountType::kPlatform && can_manage();
    }
    // What the caller's reads of account-owned rows cover: every account for
    // the platform admin, its own for anyone else.
    AccountScope visible_accounts() const {
        return is_platform_admin() ? AccountScope::all() : AccountScope::only(account_id);
    }
    // The JWT `role` claim: platform_admin in the platform account, else the role.
    std::string claim_role() const {
        return is_platform_admin() ? "platform_admin" : std::string(role_name(role));
    }
};

}  // namespace ujumbe
