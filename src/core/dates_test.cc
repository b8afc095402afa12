#include "core/dates.h"

#include <gtest/gtest.h>

namespace ujumbe {
namespace {

TEST(Dates, DayOrTimeParametersInTheSupportedYears) {
    EXPECT_EQ(parse_date_param("2026-01-15"), parse_iso8601("2026-01-15T00:00:00Z"));
    EXPECT_EQ(parse_date_param("2026-01-15", true), parse_iso8601("2026-01-16T00:00:00Z"));
    EXPECT_EQ(parse_date_param("2026-01-15T10:30:05Z"), parse_iso8601("2026-01-15T10:30:05Z"));
    EXPECT_EQ(parse_date_param("2100-12-31"), parse_iso8601("2100-12-31T00:00:00Z"));
    EXPECT_EQ(parse_date_param("2000-01-01"), parse_iso8601("2000-01-01T00:00:00Z"));
    for (const char* bad :
         {"9999-12-31", "1999-12-31", "2101-01-01", "0000-01-01", "2026-02-30", "2026-13-01",
          "2026-00-10", "-001-01-01", "20260115", "2026-1-15", "", "yesterday",
          "9999-12-31T00:00:00Z", "1970-01-01T00:00:00Z", "+2026-01-15"})
        EXPECT_FALSE(parse_date_param(bad)) << bad;
}

TEST(Dates, MonthsExactlyYYYYMMInTheSupportedYears) {
    auto m = parse_month_param("2026-11");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->from, *parse_iso8601("2026-11-01T00:00:00Z"));
    EXPECT_EQ(m->until, *parse_iso8601("2026-12-01T00:00:00Z"));
    auto december = parse_month_param("2100-12");
    ASSERT_TRUE(december);
    EXPECT_EQ(december->until, *parse_iso8601("2101-01-01T00:00:00Z"));
    for (const char* bad : {"9999-12", "1999-12", "2101-01", "2026-13", "2026-00", "2026-1",
                            "2026-1a", "202a-11", "2026/11", "2026-11-01", "", "0000-01"})
        EXPECT_FALSE(parse_month_param(bad)) << bad;
}

TEST(Dates, InstantsInTheSupportedYears) {
    EXPECT_TRUE(in_year_range(*parse_iso8601("2026-06-01T00:00:00Z")));
    EXPECT_FALSE(in_year_range(*parse_iso8601("9999-06-01T00:00:00Z")));
    EXPECT_FALSE(in_year_range(0));
}

}  // namespace
}  // namespace ujumbe
