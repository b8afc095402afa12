#pragma once
// Reading a CRM record from a request body by its entity's declaration:
// every writable field checked by its kind, every problem reported at once
// naming the field; read-only fields and fields of no kind are ignored, as
// seed 003's serializers did.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "crm/record.h"
#include "crm/schema.h"

namespace ujumbe::crm {

struct Input {
    nlohmann::json values = nlohmann::json::object();  // as stored; null clears
    std::optional<std::vector<OrderItem>> items;       // orders: the items given
};

inline constexpr std::size_t kMaxOrderItems = 500;
inline constexpr std::int64_t kMaxQuantity = 1'000'000;

// `create`: required fields must be there and choices take their default.
// `country` is the account's, for phone numbers written without a code.
Result<Input> read_input(const Entity& e, const nlohmann::json& body, bool create,
                         const std::string& country);

// Checks the activity-type fields of a merged activity: those of another
// type refused (when `given` sets them), those its type needs required.
Status check_type_fields(const Entity& e, const nlohmann::json& merged,
                         const std::set<std::string>& given);

}  // namespace ujumbe::crm
