#pragma once
// Money as integer micro-units (1e-6 of the currency unit) with an ISO 4217
// currency. Amounts are read from decimal text and written back as decimal
// text; no arithmetic on money ever uses floating point.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/result.h"

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

// Upper bounds, far past any real business and far below int64's limit
// (9.2e12 units), so that no sum the server makes of them can overflow.
inline constexpr Micros6 kMaxAmount = 1'000'000'000 * kMicrosPerUnit;  // a top-up, transfer,
                                                                       // adjustment, credit limit
inline constexpr Micros6 kMaxBalance = 100'000'000'000 * kMicrosPerUnit;  // a wallet's balance
inline constexpr Micros6 kMaxPrice = 1'000 * kMicrosPerUnit;  // a rate line, per segment

// A sum of many amounts (statements, usage), which may pass int64.
__extension__ typedef __int128 MoneySum;

// Checked arithmetic: nullopt on int64 overflow.
std::optional<Micros6> checked_add(Micros6 a, Micros6 b);
std::optional<Micros6> checked_mul(Micros6 a, std::int64_t b);
// `field` past `max`: 422 AMOUNT_OUT_OF_RANGE naming the field.
Error amount_out_of_range(const std::string& field, Micros6 max);
// A checked result that overflowed: the same answer for `field`.
inline Result<Micros6> checked(std::optional<Micros6> v, const std::string& field, Micros6 max) {
    if (!v) return amount_out_of_range(field, max);
    return *v;
}

std::string format_money_sum(MoneySum amount);
nlohmann::json money_sum_json(MoneySum amount);

// a * b / c rounded half away from zero, without overflow for money-sized
// values (128-bit intermediate). c must not be 0. nullopt when the result
// does not fit int64.
std::optional<std::int64_t> mul_div(std::int64_t a, std::int64_t b, std::int64_t c);

// Three upper-case letters.
bool is_currency_code(std::string_view code);

}  // namespace ujumbe
