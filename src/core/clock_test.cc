#include "core/clock.h"

#include <gtest/gtest.h>

namespace ujumbe {

TEST(Iso8601, FormatsUtcSeconds) {
    EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_iso8601(1'768'473'005'123'456), "2026-01-15T10:30:05Z");
    EXPECT_EQ(format_iso8601(951'782'400LL * kMicrosPerSecond), "2000-02-29T00:00:00Z");
}

TEST(Iso8601, ExactFormKeepsMicrosecondsAndReadsBack) {
    EXPECT_EQ(format_iso8601_exact(1'768'473'005'000'000), "2026-01-15T10:30:05Z");
    EXPECT_EQ(format_iso8601_exact(1'768'473'005'123'456), "2026-01-15T10:30:05.123456Z");
    EXPECT_EQ(format_iso8601_exact(1'768'473'005'000'007), "2026-01-15T10:30:05.000007Z");
    for (Micros at : {Micros{1'768'473'005'123'456}, Micros{1}, Micros{-1}})
        EXPECT_EQ(parse_iso8601(format_iso8601_exact(at)), at) << at;
}

TEST(Iso8601, ParsesZuluOffsetsAndFractions) {
    EXPECT_EQ(parse_iso8601("2026-01-15T10:30:05Z"), 1'768'473'005'000'000);
    EXPECT_EQ(parse_iso8601("2026-01-15T10:30:05.5Z"), 1'768'473'005'500'000);
    EXPECT_EQ(parse_iso8601("2026-01-15T13:30:05+03:00"), 1'768'473'005'000'000);
    EXPECT_EQ(parse_iso8601("2026-01-15T07:30:05-03:00"), 1'768'473'005'000'000);
}

TEST(Iso8601, RejectsDaysTheMonthDoesNotHave) {
    EXPECT_FALSE(parse_iso8601("2099-02-30T10:00:00Z"));
    EXPECT_FALSE(parse_iso8601("2026-11-31T00:00:00Z"));
    EXPECT_FALSE(parse_iso8601("2026-02-29T00:00:00Z"));
    EXPECT_TRUE(parse_iso8601("2028-02-29T00:00:00Z"));
    EXPECT_TRUE(parse_iso8601("2000-02-29T00:00:00Z"));
    EXPECT_FALSE(parse_iso8601("2100-02-29T00:00:00Z"));
}

TEST(Iso8601, RejectsMalformedText) {
    for (const char* bad : {"", "2026-01-15", "2026-13-01T00:00:00Z", "2026-01-15T10:30:05",
                            "2026-01-15T10:30:05Zjunk", "2026-01-15T25:00:00Z",
                            "2026-01-15T10:30:05.Z", "abcd-01-15T10:30:05Z"})
        EXPECT_FALSE(parse_iso8601(bad)) << bad;
}

TEST(FakeClock, MovesOnlyWhenTold) {
    FakeClock clock(100);
    EXPECT_EQ(clock.now(), 100);
    clock.advance(50);
    EXPECT_EQ(clock.now(), 150);
}

}  // namespace ujumbe
