#pragma once
// One CRM record of any kind: its id and its values by field name, as the
// store keeps them (money in micro-units, times in Unix microseconds, dates
// as "YYYY-MM-DD", null when unset), with the names of what it references
// ("customer_name" beside "customer"). Orders carry their line items.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/ids.h"

namespace ujumbe::crm {

struct OrderItem {
    std::string item_name;
    std::string description;
    std::string sku;
    std::int64_t quantity = 1;
    std::int64_t unit_price = 0;   // micro-units
    std::int64_t total_price = 0;  // quantity x unit_price
};

struct Record {
    std::string id;
    nlohmann::json values = nlohmann::json::object();
    std::vector<OrderItem> items;  // orders read one by one (with_items)
    bool with_items = false;
    std::int64_t items_count = 0;  // orders

    // A value as text, or "" when it is null or missing.
    std::string text(const std::string& name) const {
        const auto v = values.find(name);
        return v != values.end() && v->is_string() ? v->get<std::string>() : std::string();
    }
    // A number (money, integer, time), or 0.
    std::int64_t number(const std::string& name) const {
        const auto v = values.find(name);
        return v != values.end() && v->is_number_integer() ? v->get<std::int64_t>() : 0;
    }
    bool has(const std::string& name) const {
        const auto v = values.find(name);
        return v != values.end() && !v->is_null();
    }
};

}  // namespace ujumbe::crm
