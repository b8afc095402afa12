#include "http/rate_limit.h"

#include <gtest/gtest.h>

namespace ujumbe::http {

namespace {

constexpr RateLimits kLimits = {4, 120, 2, 60};  // auth, send, bulk, default

}  // namespace

TEST(RateLimiter, AllowsTheMinutesAllowanceThenRefusesUntilItRefills) {
    FakeClock clock;
    RateLimiter limiter(clock, kLimits);
    for (int i = 0; i < 60; ++i) {
        auto v = limiter.take(RateClass::kDefault, "acct", "", "");
        ASSERT_TRUE(v.allowed) << i;
        EXPECT_EQ(v.limit, 60);
        EXPECT_EQ(v.remaining, 59 - i);
    }
    auto refused = limiter.take(RateClass::kDefault, "acct", "", "");
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.retry_after_s, 1);  // one request a second comes back
    EXPECT_EQ(refused.reset_s, 60);
    clock.advance(kMicrosPerSecond);
    EXPECT_TRUE(limiter.take(RateClass::kDefault, "acct", "", "").allowed);
    EXPECT_FALSE(limiter.take(RateClass::kDefault, "acct", "", "").allowed);
}

TEST(RateLimiter, ClassesAccountsAndAddressesHaveTheirOwnBuckets) {
    FakeClock clock;
    RateLimiter limiter(clock, kLimits);
    EXPECT_TRUE(limiter.take(RateClass::kBulk, "a", "", "").allowed);
    EXPECT_TRUE(limiter.take(RateClass::kBulk, "a", "", "").allowed);
    EXPECT_FALSE(limiter.take(RateClass::kBulk, "a", "", "").allowed);
    EXPECT_TRUE(limiter.take(RateClass::kSend, "a", "", "").allowed);
    EXPECT_TRUE(limiter.take(RateClass::kBulk, "b", "", "").allowed);
    for (int i = 0; i < 4; ++i)
        EXPECT_TRUE(limiter.take(RateClass::kAuth, "", "", "10.0.0.1").allowed);
    EXPECT_FALSE(limiter.take(RateClass::kAuth, "", "", "10.0.0.1").allowed);
    EXPECT_TRUE(limiter.take(RateClass::kAuth, "", "", "10.0.0.2").allowed);
    EXPECT_FALSE(limiter.take(RateClass::kNone, "a", "", "").limited);
}

TEST(RateLimiter, AnApiKeyDrawsOnItsAccountToo) {
    FakeClock clock;
    RateLimiter limiter(clock, kLimits);
    EXPECT_TRUE(limiter.take(RateClass::kBulk, "a", "key-1", "").allowed);
    EXPECT_TRUE(limiter.take(RateClass::kBulk, "a", "", "").allowed);
    EXPECT_FALSE(limiter.take(RateClass::kBulk, "a", "key-2", "").allowed);
}

TEST(RateLimiter, APlanSetsItsAccountsLimitsAndZeroTurnsAClassOff) {
    FakeClock clock;
    int asked = 0;
    RateLimiter limiter(clock, kLimits, [&asked](const std::string& account) {
        ++asked;
        return account == "big" ? std::optional<RateLimits>(RateLimits{4, 120, 0, 600})
                                : std::nullopt;
    });
    for (int i = 0; i < 100; ++i)
        EXPECT_TRUE(limiter.take(RateClass::kDefault, "big", "", "").allowed);
    auto off = limiter.take(RateClass::kBulk, "big", "", "");
    EXPECT_TRUE(off.allowed);
    EXPECT_FALSE(off.limited);
    EXPECT_EQ(limiter.take(RateClass::kDefault, "small", "", "").limit, 60);
    EXPECT_EQ(asked, 2);  // once per account while the answer is fresh
    clock.advance(11 * kMicrosPerSecond);
    limiter.take(RateClass::kDefault, "big", "", "");
    EXPECT_EQ(asked, 3);
}

}  // namespace ujumbe::http
