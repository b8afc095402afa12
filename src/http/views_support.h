#pragma once
// Small converters every module's views use for optional values.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/ids.h"

namespace ujumbe::http {

inline nlohmann::json time_or_null(const std::optional<Micros>& t) {
    return t ? nlohmann::json(format_iso8601(*t)) : nlohmann::json(nullptr);
}
inline nlohmann::json text_or_null(const std::optional<std::string>& t) {
    return t ? nlohmann::json(*t) : nlohmann::json(nullptr);
}
template <typename Tag>
nlohmann::json text_or_null(const std::optional<Id<Tag>>& id) {
    return id ? nlohmann::json(id->value) : nlohmann::json(nullptr);
}
inline nlohmann::json int_or_null(const std::optional<std::int64_t>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace ujumbe::http
