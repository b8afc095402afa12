// The overview's fold of rollup rows: which days count for the range, the
// week and the month; outbound messages split into delivered, undelivered
// and pending (mail's `sent` reached); spend as charges less refunds of
// messages only; one channel alone when asked.

#include "analytics/overview.h"

#include <gtest/gtest.h>

namespace ujumbe::analytics {
namespace {

// 2026-12-05 is a Saturday: its week began on Monday the 30th of November.
constexpr std::int64_t kSaturday = 20'792;

messaging::DailyCount count(std::int64_t day, const char* status, std::int64_t n,
                            const char* channel = "sms", const char* direction = "outbound") {
    return {.day = day,
            .direction = direction,
            .channel = channel,
            .status = status,
            .messages = n,
            .segments = 2 * n};
}

billing::DailyLedger ledger(std::int64_t day, const char* type, const char* channel,
                            MoneySum amount) {
    return {.day = day, .type = type, .channel = channel, .country = "TZ", .amount = amount};
}

TEST(OverviewTest, DaysAreNamedAndTheWeekAndMonthStartWhereTheCalendarSays) {
    EXPECT_EQ(day_date(kSaturday), "2026-12-05");
    EXPECT_EQ(day_date(0), "1970-01-01");
    const OverviewQuery q{.days = 30, .today = kSaturday};
    EXPECT_EQ(day_date(q.week_start()), "2026-11-30");
    EXPECT_EQ(day_date(q.month_start()), "2026-12-01");
    EXPECT_EQ(day_date(q.first_day()), "2026-11-06");
    EXPECT_EQ(q.earliest_day(), q.first_day());
    const OverviewQuery short_range{.days = 1, .today = kSaturday};
    EXPECT_EQ(short_range.earliest_day(), q.week_start());
    const OverviewQuery monday{.days = 1, .today = q.week_start()};
    EXPECT_EQ(monday.week_start(), monday.today);
}

TEST(OverviewTest, RowsFoldIntoTotalsDaysChannelsAndTheCalendarFigures) {
    const OverviewQuery q{.days = 7, .today = kSaturday};
    const std::vector<messaging::DailyCount> rows = {
        count(kSaturday - 20, "delivered", 1000),  // before the range and the month
        count(kSaturday - 6, "delivered", 10),     // 2026-11-29: in range, not this week
        count(kSaturday - 4, "undelivered", 3),    // 2026-12-01
        count(kSaturday - 4, "queued", 2),
        count(kSaturday - 4, "canceled", 1),
        count(kSaturday - 4, "received", 5, "sms", "inbound"),
        count(kSaturday, "read", 4, "whatsapp"),
        count(kSaturday, "sent", 6, "email"),
    };
    const std::vector<billing::DailyLedger> spend = {
        ledger(kSaturday - 6, "charge", "sms", -2'500'000),
        ledger(kSaturday - 4, "refund", "sms", 500'000),
        ledger(kSaturday - 4, "topup", "", 100'000'000),      // not spend
        ledger(kSaturday - 20, "charge", "sms", -9'000'000),  // before the range
        ledger(kSaturday, "charge", "whatsapp", -1'000'000),
    };
    const Overview o = fold_overview(q, rows, spend);
    EXPECT_EQ(o.total.sent, 10 + 3 + 2 + 1 + 4 + 6);
    EXPECT_EQ(o.total.received, 5);
    EXPECT_EQ(o.total.delivered, 20);
    EXPECT_EQ(o.total.undelivered, 3);
    EXPECT_EQ(o.total.pending, 2);
    EXPECT_EQ(o.total.segments, 2 * 26);
    EXPECT_TRUE(o.total.spend == 3'000'000);
    ASSERT_TRUE(o.total.delivery_rate());
    EXPECT_DOUBLE_EQ(*o.total.delivery_rate(), 20.0 / 23.0);
    EXPECT_EQ(o.sent_today, 10);
    EXPECT_EQ(o.sent_this_week, 6 + 10);
    EXPECT_EQ(o.sent_this_month, 6 + 10);
    EXPECT_EQ(o.by_status.at("received"), 5);
    EXPECT_EQ(o.by_status.count("delivered"), 1u);
    EXPECT_EQ(o.by_status.at("delivered"), 10);
    ASSERT_EQ(o.daily.size(), 7u);
    EXPECT_EQ(o.daily.front().day, kSaturday - 6);
    EXPECT_EQ(o.daily.front().tally.delivered, 10);
    EXPECT_TRUE(o.daily.front().tally.spend == 2'500'000);
    EXPECT_EQ(o.daily[2].tally.sent, 6);
    EXPECT_TRUE(o.daily[2].tally.spend == -500'000);
    EXPECT_EQ(o.daily.back().tally.sent, 10);
    EXPECT_EQ(o.by_channel.at("email").delivered, 6);
    EXPECT_TRUE(o.by_channel.at("whatsapp").spend == 1'000'000);
}

TEST(OverviewTest, OneChannelLeavesTheOthersOutAndNothingFinishedHasNoRate) {
    const OverviewQuery q{.days = 30, .today = kSaturday, .channel = "whatsapp"};
    const Overview o = fold_overview(
        q, {count(kSaturday, "delivered", 10), count(kSaturday, "sent", 4, "whatsapp")},
        {ledger(kSaturday, "charge", "sms", -1'000'000)});
    EXPECT_EQ(o.total.sent, 4);
    EXPECT_EQ(o.total.pending, 4);
    EXPECT_FALSE(o.total.delivery_rate());
    EXPECT_TRUE(o.total.spend == 0);
    EXPECT_EQ(o.by_channel.size(), 1u);
    EXPECT_EQ(o.sent_today, 4);
}

}  // namespace
}  // namespace ujumbe::analytics
