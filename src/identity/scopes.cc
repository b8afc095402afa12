#include "identity/scopes.h"

#include <algorithm>

#include "identity/model.h"

namespace ujumbe::identity {

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() > suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool has(const std::vector<std::string>& scopes, const std::string& s) {
    return std::find(scopes.begin(), scopes.end(), s) != scopes.end();
}

// A single, concrete "resource:action" scope.
bool allows(const std::vector<std::string>& held, const std::string& needed) {
    if (has(held, "full_access") || has(held, needed)) return true;
    if (!ends_with(needed, ":read")) return false;
    if (has(held, "read_only")) return true;
    const std::string write = needed.substr(0, needed.size() - 5) + ":write";
    return has(held, write);
}

}  // namespace

bool scope_covers(const std::vector<std::string>& held, const std::string& wanted) {
    if (has(held, "full_access")) return true;
    if (wanted == "full_access") return false;
    if (wanted == "read_only") {
        // read_only grows with every new "x:read": only read_only itself covers it.
        return has(held, "read_only");
    }
    return allows(held, wanted);
}

const std::vector<std::string>& role_scopes(Role role) {
    static const std::vector<std::string> everything = {"full_access"};
    static const std::vector<std::string> agent = {"read_only", "messages:send", "contacts:write"};
    static const std::vector<std::string> none;
    if (role == Role::kOwner || role == Role::kAdmin) return everything;
    if (role == Role::kAgent) return agent;
    return none;
}

}  // namespace ujumbe::identity
