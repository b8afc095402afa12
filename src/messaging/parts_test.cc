#include "messaging/parts.h"

#include <gtest/gtest.h>

namespace ujumbe::messaging {
namespace {

using S = DeliveryStatus;

PartState part(int n, S status, std::optional<Micros> at = std::nullopt) {
    return {n, status, at};
}

TEST(MessageParts, DeliveredOnlyWhenEveryPartIs) {
    EXPECT_EQ(message_status({}), S::kSubmitted);
    EXPECT_EQ(message_status({part(1, S::kDelivered, 10)}), S::kDelivered);
    EXPECT_EQ(message_status(
                  {part(1, S::kDelivered, 10), part(2, S::kSubmitted), part(3, S::kDelivered, 12)}),
              S::kSubmitted);
    EXPECT_EQ(message_status({part(1, S::kDelivered, 10), part(2, S::kDelivered, 11),
                              part(3, S::kDelivered, 12)}),
              S::kDelivered);
}

TEST(MessageParts, TheFirstFailedPartDecides) {
    // A failure is final even while other parts wait.
    EXPECT_EQ(message_status({part(1, S::kSubmitted), part(2, S::kUndelivered, 20)}),
              S::kUndelivered);
    // The earliest failure wins, whatever the part order.
    EXPECT_EQ(message_status(
                  {part(1, S::kExpired, 30), part(2, S::kRejected, 25), part(3, S::kDelivered, 5)}),
              S::kRejected);
    // Same time: the lower part number.
    EXPECT_EQ(message_status({part(2, S::kExpired, 30), part(1, S::kUndelivered, 30)}),
              S::kUndelivered);
}

TEST(MessageParts, StatusNames) {
    for (auto s : {S::kSubmitted, S::kDelivered, S::kUndelivered, S::kExpired, S::kRejected})
        EXPECT_EQ(parse_delivery_status(delivery_status_name(s)), s);
    EXPECT_FALSE(parse_delivery_status("lost"));
    EXPECT_FALSE(is_final(S::kSubmitted));
    EXPECT_TRUE(is_final(S::kExpired));
}

}  // namespace
}  // namespace ujumbe::messaging
