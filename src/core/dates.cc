#include "core/dates.h"

#include <cstdio>
#include <string>

namespace ujumbe {

namespace {

bool digits(std::string_view s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return !s.empty();
}

// The year of a parameter starting "YYYY-", when it is in range.
bool year_in_range(std::string_view text) {
    if (text.size() < 5 || !digits(text.substr(0, 4)) || text[4] != '-') return false;
    const int year = std::stoi(std::string(text.substr(0, 4)));
    return year >= kMinYear && year <= kMaxYear;
}

}  // namespace

std::optional<Micros> parse_date_param(std::string_view text, bool day_end) {
    if (!year_in_range(text)) return std::nullopt;
    if (text.size() == 10) {
        auto t = parse_iso8601(std::string(text) + "T00:00:00Z");
        if (!t) return std::nullopt;
        return day_end ? *t + 86'400 * kMicrosPerSecond : *t;
    }
    return parse_iso8601(text);
}

bool in_year_range(Micros at) {
    static const Micros first = *parse_iso8601("2000-01-01T00:00:00Z");
    static const Micros past = *parse_iso8601("2101-01-01T00:00:00Z");
    return at >= first && at < past;
}

std::optional<MonthSpan> parse_month_param(std::string_view text) {
    if (text.size() != 7 || !year_in_range(text) || !digits(text.substr(5, 2))) return std::nullopt;
    const int year = std::stoi(std::string(text.substr(0, 4)));
    const int month = std::stoi(std::string(text.substr(5, 2)));
    if (month < 1 || month > 12) return std::nullopt;
    char next[40];
    std::snprintf(next, sizeof next, "%04d-%02d-01T00:00:00Z", month == 12 ? year + 1 : year,
                  month == 12 ? 1 : month + 1);
    auto from = parse_iso8601(std::string(text) + "-01T00:00:00Z");
    auto until = parse_iso8601(next);
    if (!from || !until) return std::nullopt;
    return MonthSpan{*from, *until};
}

}  // namespace ujumbe
