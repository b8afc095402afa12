#include "db/statistics.h"

#include <gtest/gtest.h>

namespace ujumbe::db {
namespace {

constexpr Micros kMinute = 60 * kMicrosPerSecond;

TEST(StatisticsSchedule, DueAsTheTablesGrowFourfold) {
    StatisticsSchedule s;
    EXPECT_FALSE(s.due(999, 1));
    EXPECT_TRUE(s.due(1, 2));  // 1,000
    EXPECT_FALSE(s.due(2'999, 3));
    EXPECT_TRUE(s.due(1, 4));  // 4,000
    // A jump past several thresholds counts once.
    EXPECT_TRUE(s.due(100'000, 5));
    EXPECT_FALSE(s.due(1, 6));
    EXPECT_TRUE(s.due(256'000 - 104'001, 7));  // 256,000
}

TEST(StatisticsSchedule, DueEveryTenMinutesOfTraffic) {
    StatisticsSchedule s;
    ASSERT_TRUE(s.due(1'000, kMinute));
    EXPECT_FALSE(s.due(1, 10 * kMinute));
    EXPECT_TRUE(s.due(1, 12 * kMinute));
    // Nothing added: nothing to refresh, however long it has been.
    EXPECT_FALSE(s.due(0, 60 * kMinute));
    EXPECT_FALSE(s.due(1, 21 * kMinute));
    EXPECT_TRUE(s.due(1, 23 * kMinute));
}

}  // namespace
}  // namespace ujumbe::db
