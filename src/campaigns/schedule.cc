#include "campaigns/schedule.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <date/tz.h>

#include "core/dates.h"
#include "http/input.h"

namespace ujumbe::campaigns {

namespace {

using json = nlohmann::json;
using std::chrono::microseconds;

const date::time_zone* zone_of(const std::string& name) {
    if (name.empty() || name.size() > 64 || name.find("..") != std::string::npos) return nullptr;
    try {
        return date::locate_zone(name);
    } catch (const std::exception&) {
        return nullptr;
    }
}

constexpr const char* kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

bool day_allowed(const date::year_month_day& day, const std::optional<Recurrence>& r) {
    if (!r) return true;
    switch (r->frequency) {
        case Recurrence::Frequency::kDaily:
            return true;
        case Recurrence::Frequency::kWeekly: {
            const int wd = static_cast<int>(date::weekday(date::sys_days(day)).c_encoding());
            return std::find(r->weekdays.begin(), r->weekdays.end(), wd) != r->weekdays.end();
        }
        case Recurrence::Frequency::kMonthly: {
            const auto last =
                date::year_month_day_last(day.year(), date::month_day_last(day.month()));
            const unsigned wanted =
                std::min(static_cast<unsigned>(r->day_of_month), static_cast<unsigned>(last.day()));
            return static_cast<unsigned>(day.day()) == wanted;
        }
    }
    return false;
}

}  // namespace

bool is_time_zone(const std::string& name) {
    return zone_of(name) != nullptr;
}

bool is_time_of_day(const std::string& s) {
    if ((s.size() != 5 && s.size() != 8) || s[2] != ':' || (s.size() == 8 && s[5] != ':'))
        return false;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (i % 3 != 2 && !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    return std::stoi(s.substr(0, 2)) < 24 && std::stoi(s.substr(3, 2)) < 60 &&
           (s.size() == 5 || std::stoi(s.substr(6, 2)) < 60);
}

Result<Recurrence> parse_recurrence(const json& schedule) {
    FieldErrors errors;
    Recurrence r;
    const auto fail = [&](const std::string& key, std::string problem) {
        errors["recurring_schedule." + key].push_back(std::move(problem));
    };
    for (const auto& [key, value] : schedule.items())
        if (key != "frequency" && key != "days" && key != "day_of_month" && key != "until")
            fail(http::echo_of(key), "Unknown key: use frequency, days, day_of_month or until.");
    const auto f = schedule.find("frequency");
    const std::string frequency =
        f != schedule.end() && f->is_string() ? f->get<std::string>() : "";
    if (frequency == "daily")
        r.frequency = Recurrence::Frequency::kDaily;
    else if (frequency == "weekly")
        r.frequency = Recurrence::Frequency::kWeekly;
    else if (frequency == "monthly")
        r.frequency = Recurrence::Frequency::kMonthly;
    else
        fail("frequency", "One of daily, weekly, monthly.");
    if (r.frequency == Recurrence::Frequency::kWeekly) {
        const auto d = schedule.find("days");
        bool ok = d != schedule.end() && d->is_array() && !d->empty() && d->size() <= 7;
        if (ok)
            for (const auto& v : *d) {
                const std::string name = v.is_string() ? v.get<std::string>() : "";
                const auto it = std::find(std::begin(kDays), std::end(kDays), name);
                if (it == std::end(kDays)) {
                    ok = false;
                    break;
                }
                r.weekdays.push_back(static_cast<int>(it - std::begin(kDays)));
            }
        if (!ok) fail("days", "A list of days: sun, mon, tue, wed, thu, fri, sat.");
        std::sort(r.weekdays.begin(), r.weekdays.end());
        r.weekdays.erase(std::unique(r.weekdays.begin(), r.weekdays.end()), r.weekdays.end());
    }
    if (r.frequency == Recurrence::Frequency::kMonthly) {
        const auto d = schedule.find("day_of_month");
        if (d == schedule.end() || !d->is_number_integer() || d->get<std::int64_t>() < 1 ||
            d->get<std::int64_t>() > 31)
            fail("day_of_month", "A day of the month, 1 to 31 (the last day of shorter months).");
        else
            r.day_of_month = static_cast<int>(d->get<std::int64_t>());
    }
    if (const auto u = schedule.find("until"); u != schedule.end() && !u->is_null()) {
        const auto t = u->is_string() ? parse_iso8601(u->get<std::string>()) : std::nullopt;
        if (!t || !in_year_range(*t))
            fail("until", "An ISO-8601 time such as 2026-12-31T00:00:00Z.");
        else
            r.until = t;
    }
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    return r;
}

std::optional<Micros> next_occurrence(const std::string& time_of_day, const std::string& zone,
                                      Micros after, const std::optional<Recurrence>& recurrence) {
    const auto* tz = zone_of(zone);
    if (!tz || !is_time_of_day(time_of_day)) return std::nullopt;
    auto at = std::chrono::hours(std::stoi(time_of_day.substr(0, 2))) +
              std::chrono::minutes(std::stoi(time_of_day.substr(3, 2))) + std::chrono::seconds(0);
    if (time_of_day.size() == 8) at += std::chrono::seconds(std::stoi(time_of_day.substr(6, 2)));
    const date::sys_time<microseconds> after_tp{microseconds(after)};
    // The local day of `after`, then the days after it: at most a year and
    // a day ahead finds any allowed day (a monthly day 31 falls on the last
    // day of every month).
    auto day = date::floor<date::days>(tz->to_local(after_tp));
    for (int i = 0; i < 400; ++i, day += date::days(1)) {
        const date::year_month_day ymd{day};
        if (!day_allowed(ymd, recurrence)) continue;
        const auto local = date::local_time<microseconds>(day + at);
        const auto instant = tz->to_sys(local, date::choose::earliest);
        if (instant <= after_tp) continue;
        const Micros out = instant.time_since_epoch().count();
        if (recurrence && recurrence->until && out > *recurrence->until) return std::nullopt;
        return out;
    }
    return std::nullopt;
}

std::optional<std::string> zone_of_country(const std::string& country) {
    static const std::map<std::string, std::string> zones = [] {
        std::map<std::string, std::string> out;
        std::ifstream in("/usr/share/zoneinfo/zone.tab");
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#') continue;
            std::istringstream fields(line);
            std::string code, coordinates, zone;
            if (fields >> code >> coordinates >> zone) out.emplace(code, zone);  // first wins
        }
        return out;
    }();
    const auto it = zones.find(country);
    if (it == zones.end()) return std::nullopt;
    return it->second;
}

std::optional<Micros> quiet_until(const QuietHours& quiet, const std::string& zone, Micros now) {
    const auto* tz = zone_of(zone);
    if (!tz || !is_time_of_day(quiet.start) || !is_time_of_day(quiet.end) ||
        quiet.start == quiet.end)
        return std::nullopt;
    const date::sys_time<microseconds> tp{microseconds(now)};
    const auto local = tz->to_local(tp);
    const auto time = date::hh_mm_ss(local - date::floor<date::days>(local));
    char text[9];
    std::snprintf(text, sizeof text, "%02d:%02d:%02d", static_cast<int>(time.hours().count()),
                  static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));
    const std::string now_text(text);
    const auto& start = quiet.start;
    const auto& end = quiet.end;
    // Compared as text: "HH:MM" sorts before any "HH:MM:SS" of that minute.
    const bool inside =
        start < end ? (now_text >= start && now_text < end) : (now_text >= start || now_text < end);
    if (!inside) return std::nullopt;
    return next_occurrence(end, zone, now);
}

std::string local_date(Micros at, const std::string& zone) {
    const auto* tz = zone_of(zone);
    const date::sys_time<microseconds> tp{microseconds(at)};
    const auto local =
        tz ? tz->to_local(tp) : date::local_time<microseconds>(tp.time_since_epoch());
    return date::format("%F", date::floor<date::days>(local));
}

}  // namespace ujumbe::campaigns
