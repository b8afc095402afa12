// Joining the parts of concatenated submits: any order, per message key,
// duplicates and overflow refused, and parts that wait too long returned.

#include "smpp_server/concatenation.h"

#include <gtest/gtest.h>

namespace ujumbe::smpp_server {
namespace {

using Parts = Reassembly<int>;

TEST(Reassembly, PartsInAnyOrderMakeOneTextInPartOrder) {
    Parts parts(10, 60 * kMicrosPerSecond);
    Parts::Whole whole;
    EXPECT_EQ(parts.add("A", "255", 7, 3, 3, "three", 3, 0, whole), Parts::Added::kWaiting);
    EXPECT_EQ(parts.add("A", "255", 7, 3, 1, "one ", 1, 0, whole), Parts::Added::kWaiting);
    EXPECT_EQ(parts.add("A", "255", 7, 3, 2, "two ", 2, 0, whole), Parts::Added::kComplete);
    EXPECT_EQ(whole.text, "one two three");
    EXPECT_EQ(whole.tokens, (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(parts.waiting(), 0u);
}

TEST(Reassembly, MessagesAreKeptApartBySourceDestinationAndReference) {
    Parts parts(10, 60 * kMicrosPerSecond);
    Parts::Whole whole;
    EXPECT_EQ(parts.add("A", "255", 7, 2, 1, "a", 1, 0, whole), Parts::Added::kWaiting);
    EXPECT_EQ(parts.add("B", "255", 7, 2, 2, "b", 2, 0, whole), Parts::Added::kWaiting);
    EXPECT_EQ(parts.add("A", "256", 7, 2, 2, "c", 3, 0, whole), Parts::Added::kWaiting);
    EXPECT_EQ(parts.add("A", "255", 8, 2, 2, "d", 4, 0, whole), Parts::Added::kWaiting);
    EXPECT_EQ(parts.waiting(), 4u);
    EXPECT_EQ(parts.add("A", "255", 7, 2, 2, "e", 5, 0, whole), Parts::Added::kComplete);
    EXPECT_EQ(whole.text, "ae");
}

TEST(Reassembly, ADuplicatePartAndTooManyMessagesAreRefused) {
    Parts parts(1, 60 * kMicrosPerSecond);
    Parts::Whole whole;
    EXPECT_EQ(parts.add("A", "255", 1, 2, 1, "a", 1, 0, whole), Parts::Added::kWaiting);
    EXPECT_EQ(parts.add("A", "255", 1, 2, 1, "a", 2, 0, whole), Parts::Added::kDuplicate);
    EXPECT_EQ(parts.add("A", "255", 2, 2, 1, "x", 3, 0, whole), Parts::Added::kFull);
    EXPECT_EQ(parts.add("A", "255", 1, 2, 2, "b", 4, 0, whole), Parts::Added::kComplete);
    EXPECT_EQ(whole.tokens, (std::vector<int>{1, 4}));
}

TEST(Reassembly, PartsThatWaitTooLongComeBack) {
    Parts parts(10, 60 * kMicrosPerSecond);
    Parts::Whole whole;
    parts.add("A", "255", 1, 3, 1, "a", 1, 0, whole);
    parts.add("A", "255", 1, 3, 2, "b", 2, 10 * kMicrosPerSecond, whole);
    parts.add("A", "255", 2, 2, 1, "x", 3, 30 * kMicrosPerSecond, whole);
    EXPECT_TRUE(parts.expire(59 * kMicrosPerSecond).empty());
    EXPECT_EQ(parts.expire(60 * kMicrosPerSecond), (std::vector<int>{1, 2}));
    EXPECT_EQ(parts.waiting(), 1u);
    EXPECT_EQ(parts.expire(90 * kMicrosPerSecond), std::vector<int>{3});
}

}  // namespace
}  // namespace ujumbe::smpp_server
