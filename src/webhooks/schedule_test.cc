// The retry schedule: the documented waits, each varied by up to 20%,
// nothing after the sixteenth attempt, and the unit tests shorten.

#include "webhooks/schedule.h"

#include <gtest/gtest.h>

#include <array>

namespace ujumbe::webhooks {
namespace {

// docs/webhooks.md, in seconds: 10 s, 30 s, 1 min, 2 min, 5 min, 10 min,
// 20 min, 40 min, 1 h, 2 h, 3 h, 4 h, 6 h, 8 h, 8 h.
constexpr std::array<Micros, 15> kDocumented = {10,   30,   60,    120,   300,   600,   1200, 2400,
                                                3600, 7200, 10800, 14400, 21600, 28800, 28800};

TEST(WebhookSchedule, SixteenAttemptsInAll) {
    EXPECT_EQ(kMaxAttempts, 16);
}

TEST(WebhookSchedule, EachWaitIsWithinTwentyPercentOfTheDocumentedOne) {
    for (int attempt = 1; attempt <= 15; ++attempt) {
        const Micros base = kDocumented[attempt - 1] * kMicrosPerSecond;
        for (double spread : {0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0}) {
            const auto delay = retry_delay(attempt, kMicrosPerSecond, spread);
            ASSERT_TRUE(delay) << attempt;
            EXPECT_GE(*delay, base * 8 / 10) << attempt << " " << spread;
            EXPECT_LE(*delay, base * 12 / 10) << attempt << " " << spread;
        }
    }
}

TEST(WebhookSchedule, TheSpreadPicksThePlaceInTheRange) {
    for (int attempt = 1; attempt <= 15; ++attempt) {
        const Micros base = kDocumented[attempt - 1] * kMicrosPerSecond;
        EXPECT_EQ(retry_delay(attempt, kMicrosPerSecond, 0.0), base * 8 / 10) << attempt;
        EXPECT_EQ(retry_delay(attempt, kMicrosPerSecond, 0.5), base) << attempt;
        EXPECT_EQ(retry_delay(attempt, kMicrosPerSecond, 1.0), base * 12 / 10) << attempt;
    }
    EXPECT_LT(*retry_delay(3, kMicrosPerSecond, 0.3), *retry_delay(3, kMicrosPerSecond, 0.7));
}

TEST(WebhookSchedule, ASpreadOutsideZeroToOneIsClamped) {
    EXPECT_EQ(retry_delay(1, kMicrosPerSecond, -3.0), retry_delay(1, kMicrosPerSecond, 0.0));
    EXPECT_EQ(retry_delay(1, kMicrosPerSecond, 7.0), retry_delay(1, kMicrosPerSecond, 1.0));
}

TEST(WebhookSchedule, WaitsNeverShrink) {
    for (int attempt = 2; attempt <= 15; ++attempt)
        EXPECT_GE(*retry_delay(attempt, kMicrosPerSecond, 0.5),
                  *retry_delay(attempt - 1, kMicrosPerSecond, 0.5))
            << attempt;
}

TEST(WebhookSchedule, NoWaitAfterTheLastAttemptOrBeforeTheFirst) {
    EXPECT_EQ(retry_delay(16, kMicrosPerSecond, 0.5), std::nullopt);
    EXPECT_EQ(retry_delay(17, kMicrosPerSecond, 0.5), std::nullopt);
    EXPECT_EQ(retry_delay(1000, kMicrosPerSecond, 0.5), std::nullopt);
    EXPECT_EQ(retry_delay(0, kMicrosPerSecond, 0.5), std::nullopt);
    EXPECT_EQ(retry_delay(-1, kMicrosPerSecond, 0.5), std::nullopt);
}

TEST(WebhookSchedule, EvenTheShortestWaitsAddUpToMoreThanADay) {
    Micros shortest = 0, longest = 0;
    for (int attempt = 1; attempt < kMaxAttempts; ++attempt) {
        shortest += *retry_delay(attempt, kMicrosPerSecond, 0.0);
        longest += *retry_delay(attempt, kMicrosPerSecond, 1.0);
    }
    const Micros hour = 3600 * kMicrosPerSecond;
    EXPECT_GE(shortest, 24 * hour);
    EXPECT_GE(shortest, 266 * hour / 10);  // "at least 26.6 h"
    EXPECT_LE(longest, 41 * hour);
    const auto middle = [&] {
        Micros total = 0;
        for (int attempt = 1; attempt < kMaxAttempts; ++attempt)
            total += *retry_delay(attempt, kMicrosPerSecond, 0.5);
        return total;
    }();
    EXPECT_GE(middle, 33 * hour);  // "about 33 hours"
    EXPECT_LE(middle, 34 * hour);
}

TEST(WebhookSchedule, TheUnitScalesEveryWait) {
    EXPECT_EQ(retry_delay(1, 1000, 0.5), 10 * 1000);
    EXPECT_EQ(retry_delay(15, 1000, 0.5), 28800 * 1000);
    EXPECT_EQ(retry_delay(1, 1, 0.5), 10);
    for (int attempt = 1; attempt <= 15; ++attempt)
        EXPECT_EQ(*retry_delay(attempt, kMicrosPerSecond, 0.5),
                  *retry_delay(attempt, 1000, 0.5) * 1000)
            << attempt;
}

}  // namespace
}  // namespace ujumbe::webhooks
