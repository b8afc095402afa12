#pragma once
// When campaigns send: a time of day in an IANA time zone, once or on a
// recurring schedule (daily, weekly on given days, monthly on a day), with
// daylight saving time read from the system's zone database. Pure.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/result.h"

namespace ujumbe::campaigns {

// A time zone the system's zone database knows ("Africa/Dar_es_Salaam").
bool is_time_zone(const std::string& name);
// "HH:MM" (or "HH:MM:SS") of a day.
bool is_time_of_day(const std::string& text);

struct Recurrence {
    enum class Frequency { kDaily, kWeekly, kMonthly };
    Frequency frequency = Frequency::kDaily;
    std::vector<int> weekdays;    // weekly: 0 = Sunday .. 6 = Saturday, sorted
    int day_of_month = 1;         // monthly: 1..31; shorter months use their last day
    std::optional<Micros> until;  // no run after it
};

// `recurring_schedule` {"frequency": "daily" | "weekly" | "monthly",
// "days": ["mon", ...] (weekly), "day_of_month": 1..31 (monthly),
// "until": ISO-8601?}: 400 naming recurring_schedule.<key>.
Result<Recurrence> parse_recurrence(const nlohmann::json& schedule);

// The first instant after `after` at `time_of_day` in `zone` on a day the
// recurrence allows (without one: any day). A local time skipped by a
// daylight saving change is sent at the first instant after the gap; a
// repeated one, at its first occurrence. nullopt past `until`.
std::optional<Micros> next_occurrence(const std::string& time_of_day, const std::string& zone,
                                      Micros after,
                                      const std::optional<Recurrence>& recurrence = std::nullopt);

// A country's time zone (ISO 3166-1 alpha-2), from the zone database's
// zone.tab: the first zone listed for it (for the United States, New
// York's). nullopt for a country it does not list.
std::optional<std::string> zone_of_country(const std::string& country);

// An account's quiet hours: no campaign message is sent between `start` and
// `end` (HH:MM, local to each recipient; `end` before `start` spans midnight).
struct QuietHours {
    std::string start, end;
};
// When a message due at `now` in `zone` may go: the end of the quiet hours
// it falls in, or nullopt when it may go now.
std::optional<Micros> quiet_until(const QuietHours& quiet, const std::string& zone, Micros now);

// The local date at `at` in `zone`, as YYYY-MM-DD (names a recurring run).
std::string local_date(Micros at, const std::string& zone);

}  // namespace ujumbe::campaigns
