// The usage fold: rows by day (every day of the range), by user or by
// channel; cost as charges less refunds of messages, by the user who
// caused them; API requests and media bytes only where they belong.

#include "analytics/usage.h"

#include <gtest/gtest.h>

namespace ujumbe::analytics {
namespace {

constexpr std::int64_t kDay = 20'792;  // 2026-12-05

UsageSources sources() {
    UsageSources in;
    in.messages = {
        {.day = kDay - 1, .user_id = "u1", .channel = "sms", .messages = 3, .segments = 4},
        {.day = kDay, .user_id = "u2", .channel = "whatsapp", .messages = 2, .segments = 2},
        {.day = kDay - 9, .user_id = "u1", .channel = "sms", .messages = 99, .segments = 99}};
    in.ledger = {
        {.day = kDay - 1,
         .type = "charge",
         .channel = "sms",
         .actor_id = "u1",
         .amount = -3'000'000},
        {.day = kDay - 1,
         .type = "refund",
         .channel = "sms",
         .actor_id = "u1",
         .amount = 1'000'000},
        {.day = kDay, .type = "topup", .channel = "", .actor_id = "u1", .amount = 50'000'000},
        {.day = kDay,
         .type = "charge",
         .channel = "whatsapp",
         .actor_id = "u2",
         .amount = -500'000}};
    in.requests = {{.day = kDay - 1, .user_id = "u1", .requests = 7},
                   {.day = kDay, .user_id = "u2", .requests = 5}};
    in.media = {{.day = kDay, .user_id = "u1", .bytes = 1024}};
    return in;
}

TEST(UsageTest, ByDayEveryDayOfTheRangeHasARow) {
    const auto r = fold_usage({.first_day = kDay - 2, .last_day = kDay}, sources());
    ASSERT_EQ(r.rows.size(), 3u);
    EXPECT_EQ(r.rows[0].key, "2026-12-03");
    EXPECT_EQ(r.rows[0].figures.messages, 0);
    EXPECT_EQ(r.rows[0].figures.api_requests, 0);
    EXPECT_EQ(r.rows[1].figures.messages, 3);
    EXPECT_TRUE(r.rows[1].figures.cost == 2'000'000);
    EXPECT_EQ(r.rows[1].figures.api_requests, 7);
    EXPECT_EQ(r.rows[2].figures.media_bytes, 1024);
    EXPECT_EQ(r.total.messages, 5);  // the day before the range is left out
    EXPECT_EQ(r.total.segments, 6);
    EXPECT_TRUE(r.total.cost == 2'500'000);  // a top-up is no cost
    EXPECT_EQ(r.total.api_requests, 12);
}

TEST(UsageTest, ByUserAndByChannel) {
    const auto users = fold_usage(
        {.first_day = kDay - 2, .last_day = kDay, .group_by = UsageGroup::kUser}, sources());
    ASSERT_EQ(users.rows.size(), 2u);
    EXPECT_EQ(users.rows[0].key, "u1");
    EXPECT_EQ(users.rows[0].figures.messages, 3);
    EXPECT_EQ(users.rows[0].figures.media_bytes, 1024);
    EXPECT_EQ(users.rows[1].key, "u2");
    EXPECT_TRUE(users.rows[1].figures.cost == 500'000);
    EXPECT_EQ(users.rows[1].figures.api_requests, 5);
    const auto channels = fold_usage(
        {.first_day = kDay - 2, .last_day = kDay, .group_by = UsageGroup::kChannel}, sources());
    ASSERT_EQ(channels.rows.size(), 2u);
    EXPECT_EQ(channels.rows[0].key, "sms");
    EXPECT_FALSE(channels.rows[0].figures.api_requests);
    EXPECT_FALSE(channels.total.media_bytes);
    EXPECT_EQ(channels.rows[1].key, "whatsapp");
    EXPECT_EQ(channels.rows[1].figures.segments, 2);
}

}  // namespace
}  // namespace ujumbe::analytics
