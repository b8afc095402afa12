#include "core/money.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace ujumbe {

namespace {
constexpr Micros6 kMaxUnits = 9'000'000'000'000;  // 9e12 units: far from int64's limit
__extension__ typedef __int128 int128;            // GCC's, for exact a * b / c
__extension__ typedef unsigned __int128 uint128;
}  // namespace

std::optional<Micros6> parse_money(std::string_view s) {
    bool negative = false;
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    if (s.empty()) return std::nullopt;
    const auto dot = s.find('.');
    const std::string_view whole = s.substr(0, dot);
    const std::string_view fraction = dot == std::string_view::npos ? "" : s.substr(dot + 1);
    if (whole.empty() && fraction.empty()) return std::nullopt;
    if (dot != std::string_view::npos && fraction.empty()) return std::nullopt;  // "12."
    if (fraction.size() > 6 || whole.size() > 13) return std::nullopt;
    Micros6 units = 0;
    for (char c : whole) {
        if (c < '0' || c > '9') return std::nullopt;
        units = units * 10 + (c - '0');
    }
    if (units > kMaxUnits) return std::nullopt;
    Micros6 micros = 0;
    for (std::size_t i = 0; i < 6; ++i) {
        const char c = i < fraction.size() ? fraction[i] : '0';
        if (c < '0' || c > '9') return std::nullopt;
        micros = micros * 10 + (c - '0');
    }
    const Micros6 total = units * kMicrosPerUnit + micros;
    return negative ? -total : total;
}

std::optional<Micros6> money_from_json(const nlohmann::json& v) {
    if (v.is_string()) return parse_money(v.get<std::string>());
    if (v.is_number_integer()) {
        if (v.is_number_unsigned() &&
            v.get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxUnits))
            return std::nullopt;
        const auto n = v.get<std::int64_t>();
        if (n > kMaxUnits || n < -kMaxUnits) return std::nullopt;
        return n * kMicrosPerUnit;
    }
    if (v.is_number_float()) {
        // The shortest decimal text that reads back as this number: what the
        // client wrote, for any amount with up to 15 significant digits.
        const std::string text = v.dump();
        if (text.find_first_of("eE") != std::string::npos) return std::nullopt;
        return parse_money(text);
    }
    return std::nullopt;
}

std::string format_money(Micros6 amount) {
    return format_money_sum(amount);
}

std::string format_money_sum(MoneySum amount) {
    const bool negative = amount < 0;
    const uint128 magnitude =
        negative ? static_cast<uint128>(-(amount + 1)) + 1 : static_cast<uint128>(amount);
    std::string out;
    for (auto units = magnitude / kMicrosPerUnit; out.empty() || units > 0; units /= 10)
        out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(units % 10)));
    std::string fraction = std::to_string(static_cast<std::uint64_t>(magnitude % kMicrosPerUnit));
    fraction.insert(0, 6 - fraction.size(), '0');
    while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
    if (!fraction.empty()) out += "." + fraction;
    return negative ? "-" + out : out;
}

nlohmann::json money_json(Micros6 amount) {
    return money_sum_json(amount);
}

nlohmann::json money_sum_json(MoneySum amount) {
    // Display only: the decimal text parsed by the JSON library, which keeps
    // the shortest double that prints back as that text.
    return nlohmann::json::parse(format_money_sum(amount));
}

std::optional<Micros6> checked_add(Micros6 a, Micros6 b) {
    Micros6 out;
    if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
    return out;
}

std::optional<Micros6> checked_mul(Micros6 a, std::int64_t b) {
    Micros6 out;
    if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
    return out;
}

Error amount_out_of_range(const std::string& field, Micros6 max) {
    Error e = Error::precondition("AMOUNT_OUT_OF_RANGE",
                                  field + ": must be at most " + format_money(max) + ".");
    e.errors[field].push_back("Must be at most " + format_money(max) + ".");
    e.details = {{"field", field}, {"max", format_money(max)}};
    return e;
}

std::optional<std::int64_t> mul_div(std::int64_t a, std::int64_t b, std::int64_t c) {
    const int128 product = static_cast<int128>(a) * b;
    const int128 half = (c < 0 ? -c : c) / 2;
    const bool negative = (product < 0) != (c < 0);
    const int128 magnitude = (product < 0 ? -product : product) + half;
    const int128 q = magnitude / (c < 0 ? -c : c);
    const int128 out = negative ? -q : q;
    if (out > INT64_MAX || out < INT64_MIN) return std::nullopt;
    return static_cast<std::int64_t>(out);
}

bool is_currency_code(std::string_view code) {
    return code.size() == 3 &&
           std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace ujumbe
