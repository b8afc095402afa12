#pragma once
// What an API key's scopes allow, and which scopes a role may hand out.
// The rules of http::scope_allows (full_access covers everything,
// read_only every "x:read", "x:write" its "x:read") extended to scopes
// themselves, so a key can only mint keys that are no stronger than it.

#include <string>
#include <vector>

#include "core/principal.h"

namespace ujumbe::identity {

// True when a holder of `held` may do everything `wanted` allows.
bool scope_covers(const std::vector<std::string>& held, const std::string& wanted);

// The scopes a member with `role` can use: owners and admins everything,
// agents reading, sending messages and writing contacts (what the services
// let an agent do). A key's scopes are bounded by its creator's role.
const std::vector<std::string>& role_scopes(Role role);

}  // namespace ujumbe::identity
