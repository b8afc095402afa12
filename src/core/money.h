#pragma once
// Money as integer micro-units (1e-6 of the currency unit) with an ISO 4217
// currency. Amounts are read from decimal text and written back as decimal
// text; no arithmetic on money ever uses floating point.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ujumbe {

using Micros6 = std::int64_t;  // money in millionths of the currency unit
constexpr Micros6 kMicrosPerUnit = 1'000'000;

// "12.5", "-0.000001", "1000" -> micro-units; nullopt for anything else
// (more than six decimals, exponents, overflow past 9e12 units).
std::optional<Micros6> parse_money(std::string_view text);
// A JSON amount: a decimal string, an integer, or a number whose shortest
// decimal form has at most six decimals. nullopt otherwise.
std::optional<Micros6> money_from_json(const nlohmann::json& value);
// "12.500000" style without trailing zeros: "12.5", "0.000001", "-3".
std::string format_money(Micros6 amount);
// The amount as a JSON number for display (exact for amounts under a
// billion units, where every six-decimal value has a double that prints
// back as the same decimal text).
nlohmann::json money_json(Micros6 amount);

// a * b / c rounded half away from zero, without overflow for money-sized
// values (128-bit intermediate). c must not be 0.
std::int64_t mul_div(std::int64_t a, std::int64_t b, std::int64_t c);

// Three upper-case letters.
bool is_currency_code(std::string_view code);

}  // namespace ujumbe
