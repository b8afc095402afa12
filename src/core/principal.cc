#include "core/principal.h"

#include <array>
#include <utility>

namespace ujumbe {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 3> kRoles = {{
    {Role::kOwner, "owner"},
    {Role::kAdmin, "admin"},
    {Role::kAgent, "agent"},
}};

constexpr std::array<std::pair<AccountType, std::string_view>, 3> kAccountTypes = {{
    {AccountType::kPlatform, "platform"},
    {AccountType::kReseller, "reseller"},
    {AccountType::kBusiness, "business"},
}};

template <typename Enum, std::size_t N>
std::string_view name_in(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum e) {
    for (const auto& [value, name] : table)
        if (value == e) return name;
    return "unknown";
}

template <typename Enum, std::size_t N>
std::optional<Enum> parse_in(const std::array<std::pair<Enum, std::string_view>, N>& table,
                             std::string_view name) {
    for (const auto& [value, spelled] : table)
        if (spelled == name) return value;
    return std::nullopt;
}

}  // namespace

std::string_view role_name(Role r) {
    return name_in(kRoles, r);
}
std::optional<Role> parse_role(std::string_view name) {
    return parse_in(kRoles, name);
}

const std::vector<std::string>& role_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& [value, name] : kRoles) out.emplace_back(name);
        return out;
    }();
    return names;
}

std::string_view account_type_name(AccountType t) {
    return name_in(kAccountTypes, t);
}
std::optional<AccountType> parse_account_type(std::string_view name) {
    return parse_in(kAccountTypes, name);
}

}  // namespace ujumbe
