#pragma once
// Dates and months given as request parameters (list filters, statement
// months). Years outside kMinYear..kMaxYear are refused: no business data
// lies there, and far years overflow the arithmetic on them.

#include <optional>
#include <string_view>

#include "core/clock.h"

namespace ujumbe {

inline constexpr int kMinYear = 2000;
inline constexpr int kMaxYear = 2100;
inline constexpr const char* kDateHint =
    "Must be a date (2026-01-15) or an ISO-8601 time, in the years 2000 to 2100.";
inline constexpr const char* kMonthHint =
    "Must be a month such as 2026-11, from 2000-01 to 2100-12.";

// "2026-01-15" (the start of that day, UTC; with `day_end` the start of the
// next) or an ISO-8601 time; nullopt for anything else or out of range.
std::optional<Micros> parse_date_param(std::string_view text, bool day_end = false);

// True for an instant in the years kMinYear..kMaxYear (UTC).
bool in_year_range(Micros at);

struct MonthSpan {
    Micros from = 0, until = 0;  // [first instant, first instant of the next month)
};
// "2026-11" exactly; nullopt for anything else or out of range.
std::optional<MonthSpan> parse_month_param(std::string_view text);

}  // namespace ujumbe
