// The table of status changes: names round-trip, what a new message may be,
// the pipeline's way through, and nothing out of a final status but a
// delivered message being read.

#include "messaging/status.h"

#include <gtest/gtest.h>

namespace ujumbe::messaging {
namespace {

using enum MessageStatus;

TEST(MessageStatusTest, NamesRoundTripAndUnknownNamesAreNone) {
    for (auto s : all_statuses()) EXPECT_EQ(parse_status(status_name(s)), s);
    EXPECT_EQ(all_statuses().size(), 12u);
    EXPECT_EQ(status_name(kRead), "read");
    EXPECT_EQ(status_name(kUndelivered), "undelivered");
    EXPECT_FALSE(parse_status("submitted"));
    EXPECT_FALSE(parse_status("Queued"));
    EXPECT_FALSE(parse_status(""));
}

TEST(MessageStatusTest, ANewMessageIsScheduledQueuedOrReceived) {
    for (auto s : all_statuses())
        EXPECT_EQ(may_change(std::nullopt, s), s == kScheduled || s == kQueued || s == kReceived)
            << status_name(s);
}

TEST(MessageStatusTest, ThePipelinesWayThroughIsAllowed) {
    EXPECT_TRUE(may_change(kScheduled, kSending));  // claimed when due
    EXPECT_TRUE(may_change(kScheduled, kCanceled));
    EXPECT_TRUE(may_change(kQueued, kSending));
    EXPECT_TRUE(may_change(kQueued, kSent));  // handed over without a claim
    EXPECT_TRUE(may_change(kSending, kSent));
    EXPECT_TRUE(may_change(kSending, kQueued));  // retried later
    EXPECT_TRUE(may_change(kSending, kFailed));
    EXPECT_TRUE(may_change(kSending, kRejected));
    EXPECT_TRUE(may_change(kSent, kDelivered));
    EXPECT_TRUE(may_change(kSent, kUndelivered));
    EXPECT_TRUE(may_change(kSent, kExpired));
    // WhatsApp: read, with or without a delivery receipt first.
    EXPECT_TRUE(may_change(kSent, kRead));
    EXPECT_TRUE(may_change(kDelivered, kRead));
    EXPECT_TRUE(is_final(kRead) && reached(kRead) && reached(kDelivered));
    EXPECT_FALSE(reached(kUndelivered) || reached(kSent));
}

TEST(MessageStatusTest, WhatTheTableRefuses) {
    EXPECT_FALSE(may_change(kQueued, kCanceled));  // only scheduled messages are canceled
    EXPECT_FALSE(may_change(kSending, kSending));
    EXPECT_FALSE(may_change(kSent, kQueued));  // a part that left is never sent again
    EXPECT_FALSE(may_change(kSent, kFailed));
    EXPECT_FALSE(may_change(kQueued, kDelivered));  // receipts follow a sent part
    for (auto from : all_statuses()) {
        if (!is_final(from)) continue;
        for (auto to : all_statuses()) {
            if (from == kDelivered && to == kRead) continue;
            EXPECT_FALSE(may_change(from, to)) << status_name(from) << " -> " << status_name(to);
        }
    }
}

TEST(MessageStatusTest, StatusesBeforeFollowTheTable) {
    EXPECT_EQ(statuses_before(kSending), (std::vector<MessageStatus>{kScheduled, kQueued}));
    EXPECT_EQ(statuses_before(kCanceled), (std::vector<MessageStatus>{kScheduled}));
    EXPECT_TRUE(statuses_before(kReceived).empty());
    EXPECT_EQ(statuses_before(kRead), (std::vector<MessageStatus>{kSent, kDelivered}));
}

TEST(MessageStatusTest, ARefusedChangeIsAnInternalErrorNamingBoth) {
    EXPECT_TRUE(check_change(MessageId{"m1"}, kSending, kSent));
    auto refused = check_change(MessageId{"m1"}, kDelivered, kQueued);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kInternal);
    EXPECT_NE(refused.error().message.find("delivered to queued"), std::string::npos);
    EXPECT_NE(refused.error().message.find("m1"), std::string::npos);
}

}  // namespace
}  // namespace ujumbe::messaging
