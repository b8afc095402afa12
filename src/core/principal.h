#pragma once
// The authenticated caller: a user acting in one account, through a session
// (JWT) or an API key. Built once per request by the auth middleware and
// passed to services, which scope every query by its account.

#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"

namespace ujumbe {

struct Principal {
    UserId user_id;
    AccountId account_id;
    std::string role;          // owner, admin, agent (the membership's current role)
    std::string account_type;  // platform, reseller, business
    SessionId session_id;      // empty for API keys
    std::optional<ApiKeyId> api_key_id;
    std::vector<std::string> scopes;  // API keys only

    bool is_platform_admin() const {
        return account_type == "platform" && (role == "owner" || role == "admin");
    }
    bool can_manage() const { return role == "owner" || role == "admin"; }
    // What the caller's reads of account-owned rows cover: every account for
    // the platform admin, its own for anyone else.
    AccountScope visible_accounts() const {
        return is_platform_admin() ? AccountScope::all() : AccountScope::only(account_id);
    }
    // The JWT `role` claim: platform_admin in the platform account, else the role.
    std::string claim_role() const { return is_platform_admin() ? "platform_admin" : role; }
};

}  // namespace ujumbe
