// Campaign schedules: a time of day in a zone, once or recurring, across
// daylight saving changes (skipped local times move past the gap, repeated
// ones take the first), and recurring schedules read with every problem
// named.

#include "campaigns/schedule.h"

#include <gtest/gtest.h>

#include "core/clock.h"

namespace ujumbe::campaigns {
namespace {

Micros at(const char* iso) {
    return *parse_iso8601(iso);
}

std::string iso(std::optional<Micros> t) {
    return t ? format_iso8601(*t) : "none";
}

TEST(Schedule, ATimeOfDayInAZoneWithoutDst) {
    // Dar es Salaam is UTC+3 all year.
    EXPECT_EQ(iso(next_occurrence("09:00", "Africa/Dar_es_Salaam", at("2026-12-04T05:00:00Z"))),
              "2026-12-04T06:00:00Z");
    EXPECT_EQ(iso(next_occurrence("09:00", "Africa/Dar_es_Salaam", at("2026-12-04T06:00:00Z"))),
              "2026-12-05T06:00:00Z");
}

TEST(Schedule, AcrossSpringForward) {
    // New York moves from 02:00 EST to 03:00 EDT on 2026-03-08.
    EXPECT_EQ(iso(next_occurrence("09:00", "America/New_York", at("2026-03-07T15:00:00Z"))),
              "2026-03-08T13:00:00Z");  // 09:00 EDT, not 14:00Z
    EXPECT_EQ(iso(next_occurrence("09:00", "America/New_York", at("2026-03-06T15:00:00Z"))),
              "2026-03-07T14:00:00Z");  // 09:00 EST
    // 02:30 does not exist that day: the first instant after the gap.
    EXPECT_EQ(iso(next_occurrence("02:30", "America/New_York", at("2026-03-08T05:00:00Z"))),
              "2026-03-08T07:00:00Z");
}

TEST(Schedule, AcrossFallBack) {
    // 01:30 happens twice on 2026-11-01 in New York: the first one (EDT).
    EXPECT_EQ(iso(next_occurrence("01:30", "America/New_York", at("2026-11-01T00:00:00Z"))),
              "2026-11-01T05:30:00Z");
    EXPECT_EQ(iso(next_occurrence("09:00", "Europe/London", at("2026-10-25T00:00:00Z"))),
              "2026-10-25T09:00:00Z");  // GMT again
    EXPECT_EQ(iso(next_occurrence("09:00", "Europe/London", at("2026-10-24T00:00:00Z"))),
              "2026-10-24T08:00:00Z");  // still BST
}

TEST(Schedule, WeeklyOnGivenDays) {
    auto r = parse_recurrence({{"frequency", "weekly"}, {"days", {"fri", "mon"}}});
    ASSERT_TRUE(r);
    // 2026-12-04 is a Friday.
    EXPECT_EQ(iso(next_occurrence("10:00", "Africa/Nairobi", at("2026-12-04T06:00:00Z"), *r)),
              "2026-12-04T07:00:00Z");
    EXPECT_EQ(iso(next_occurrence("10:00", "Africa/Nairobi", at("2026-12-04T07:00:00Z"), *r)),
              "2026-12-07T07:00:00Z");
}

TEST(Schedule, MonthlyOnTheLastDayOfShortMonths) {
    auto r = parse_recurrence({{"frequency", "monthly"}, {"day_of_month", 31}});
    ASSERT_TRUE(r);
    EXPECT_EQ(iso(next_occurrence("08:00", "UTC", at("2027-02-01T00:00:00Z"), *r)),
              "2027-02-28T08:00:00Z");
    EXPECT_EQ(iso(next_occurrence("08:00", "UTC", at("2027-02-28T08:00:00Z"), *r)),
              "2027-03-31T08:00:00Z");
}

TEST(Schedule, NothingAfterUntil) {
    auto r = parse_recurrence({{"frequency", "daily"}, {"until", "2026-12-05T00:00:00Z"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(iso(next_occurrence("08:00", "UTC", at("2026-12-04T00:00:00Z"), *r)),
              "2026-12-04T08:00:00Z");
    EXPECT_FALSE(next_occurrence("08:00", "UTC", at("2026-12-04T08:00:00Z"), *r));
}

TEST(Schedule, BadRecurrencesNameTheirKeys) {
    const auto names = [](const nlohmann::json& j) {
        auto r = parse_recurrence(j);
        EXPECT_FALSE(r) << j;
        std::vector<std::string> out;
        if (!r)
            for (const auto& [field, problems] : r.error().errors) out.push_back(field);
        return out;
    };
    EXPECT_EQ(names({{"frequency", "hourly"}}),
              std::vector<std::string>{"recurring_schedule.frequency"});
    EXPECT_EQ(names({{"frequency", "weekly"}, {"days", {"funday"}}}),
              std::vector<std::string>{"recurring_schedule.days"});
    EXPECT_EQ(names({{"frequency", "weekly"}}),
              std::vector<std::string>{"recurring_schedule.days"});
    EXPECT_EQ(names({{"frequency", "monthly"}, {"day_of_month", 32}}),
              std::vector<std::string>{"recurring_schedule.day_of_month"});
    EXPECT_EQ(names({{"frequency", "daily"}, {"every", 2}}),
              std::vector<std::string>{"recurring_schedule.every"});
}

TEST(Schedule, ZonesAndTimesOfDay) {
    EXPECT_TRUE(is_time_zone("Africa/Dar_es_Salaam"));
    EXPECT_FALSE(is_time_zone("Mars/Olympus"));
    EXPECT_FALSE(is_time_zone("../../etc/passwd"));
    EXPECT_TRUE(is_time_of_day("23:59"));
    EXPECT_FALSE(is_time_of_day("24:00"));
    EXPECT_FALSE(is_time_of_day("9:00"));
    EXPECT_TRUE(is_time_of_day("09:00:30"));
    EXPECT_FALSE(is_time_of_day("09:00:60"));
    EXPECT_EQ(iso(next_occurrence("09:00:30", "UTC", at("2026-12-04T09:00:00Z"))),
              "2026-12-04T09:00:30Z");
    EXPECT_EQ(local_date(at("2026-12-04T22:00:00Z"), "Africa/Dar_es_Salaam"), "2026-12-05");
}

}  // namespace
}  // namespace ujumbe::campaigns
