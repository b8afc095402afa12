#include "identity/throttle.h"

#include <gtest/gtest.h>

namespace ujumbe::identity {

namespace {

constexpr Micros kStart = 1'767'225'600 * kMicrosPerSecond;  // 2026-01-01T00:00:00Z
constexpr Micros kSecond = kMicrosPerSecond;

Micros at(double seconds) {
    return kStart + static_cast<Micros>(seconds * kMicrosPerSecond);
}

ThrottleLimits limits(int per_email, int per_ip, Micros window = 60 * kSecond) {
    ThrottleLimits l;
    l.max_failures_per_email = per_email;
    l.max_failures_per_ip = per_ip;
    l.window = window;
    return l;
}

}  // namespace

TEST(LoginThrottle, FreshKeysMayProceed) {
    LoginThrottle t(ThrottleLimits{});
    EXPECT_EQ(t.retry_after("amina@example.com", "10.0.0.1", at(0)), 0);
}

TEST(LoginThrottle, DefaultsAreFivePerEmailAndIpInOneMinute) {
    const ThrottleLimits l;
    EXPECT_EQ(l.max_failures_per_email, 5);
    EXPECT_EQ(l.max_failures_per_ip, 5);
    EXPECT_EQ(l.window, 60 * kSecond);
}

TEST(LoginThrottle, AllowsUpToLimitFailuresThenAsksToWait) {
    LoginThrottle t(limits(3, 100));
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(i)), 0) << i;
        t.record_failure("a@example.com", "10.0.0.1", at(i));
    }
    // Three failures at t=0,1,2 s; the oldest leaves the 60 s window at t=60.
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(3)), 57);
}

TEST(LoginThrottle, RetryAfterRoundsUpToWholeSeconds) {
    LoginThrottle t(limits(1, 100));
    t.record_failure("a@example.com", "10.0.0.1", at(0));
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(0)), 60);
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(0.5)), 60);
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(59.001)), 1);
}

TEST(LoginThrottle, WindowSlidesAsOldFailuresExpire) {
    LoginThrottle t(limits(3, 100));
    t.record_failure("a@example.com", "10.0.0.1", at(0));
    t.record_failure("a@example.com", "10.0.0.1", at(10));
    t.record_failure("a@example.com", "10.0.0.1", at(20));
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(30)), 30);
    EXPECT_GT(t.retry_after("a@example.com", "10.0.0.1", at(59.9)), 0);

    // At t=60 the first failure leaves the window: one more attempt may proceed.
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(60)), 0);
    t.record_failure("a@example.com", "10.0.0.1", at(60));
    // Now failures at 10, 20, 60: wait until the one at 10 expires at 70.
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(61)), 9);
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(70)), 0);
}

TEST(LoginThrottle, EveryFailureExpiresAfterTheWindow) {
    LoginThrottle t(limits(2, 100, 10 * kSecond));
    t.record_failure("a@example.com", "10.0.0.1", at(0));
    t.record_failure("a@example.com", "10.0.0.1", at(1));
    EXPECT_GT(t.retry_after("a@example.com", "10.0.0.1", at(5)), 0);
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(11)), 0);
    // Both are gone: two more failures are needed to block again.
    t.record_failure("a@example.com", "10.0.0.1", at(12));
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(12)), 0);
    t.record_failure("a@example.com", "10.0.0.1", at(12));
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(12)), 10);
}

TEST(LoginThrottle, EmailLimitIsPerEmail) {
    LoginThrottle t(limits(2, 100));
    t.record_failure("a@example.com", "10.0.0.1", at(0));
    t.record_failure("a@example.com", "10.0.0.2", at(0));
    // Blocked from any IP for that email...
    EXPECT_GT(t.retry_after("a@example.com", "10.0.0.3", at(1)), 0);
    // ...but another email from the same IPs may proceed.
    EXPECT_EQ(t.retry_after("b@example.com", "10.0.0.1", at(1)), 0);
}

TEST(LoginThrottle, IpLimitCountsFailuresAcrossEmails) {
    LoginThrottle t(limits(100, 3));
    t.record_failure("a@example.com", "10.0.0.1", at(0));
    t.record_failure("b@example.com", "10.0.0.1", at(1));
    EXPECT_EQ(t.retry_after("c@example.com", "10.0.0.1", at(2)), 0);
    t.record_failure("c@example.com", "10.0.0.1", at(2));
    // A fresh email from that IP is refused too.
    EXPECT_EQ(t.retry_after("d@example.com", "10.0.0.1", at(3)), 57);
    // The same email from another IP is not.
    EXPECT_EQ(t.retry_after("d@example.com", "10.0.0.2", at(3)), 0);
}

TEST(LoginThrottle, LongerOfTheTwoWaitsWins) {
    LoginThrottle t(limits(2, 2));
    t.record_failure("a@example.com", "10.0.0.5", at(0));
    t.record_failure("a@example.com", "10.0.0.9", at(30));  // email blocked until 60
    t.record_failure("y@example.com", "10.0.0.1", at(40));
    t.record_failure("z@example.com", "10.0.0.1", at(45));  // IP .1 blocked until 100
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(50)), 50);
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.2", at(50)), 10);
    EXPECT_EQ(t.retry_after("b@example.com", "10.0.0.1", at(50)), 50);
}

TEST(LoginThrottle, SuccessClearsTheEmailButNotTheIp) {
    LoginThrottle t(limits(2, 3));
    t.record_failure("a@example.com", "10.0.0.1", at(0));
    t.record_failure("a@example.com", "10.0.0.1", at(1));
    EXPECT_GT(t.retry_after("a@example.com", "10.0.0.2", at(2)), 0);

    t.record_success("a@example.com");
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.2", at(2)), 0);

    // The IP still holds its two failures: one more from any email blocks it.
    t.record_failure("b@example.com", "10.0.0.1", at(3));
    EXPECT_GT(t.retry_after("c@example.com", "10.0.0.1", at(4)), 0);
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.2", at(4)), 0);
}

TEST(LoginThrottle, SuccessForUnknownEmailIsHarmless) {
    LoginThrottle t(limits(1, 1));
    t.record_success("nobody@example.com");
    EXPECT_EQ(t.retry_after("nobody@example.com", "10.0.0.1", at(0)), 0);
}

TEST(LoginThrottle, OldFailuresDoNotCountAfterALongPause) {
    LoginThrottle t(limits(1, 100));
    t.record_failure("old@example.com", "10.0.0.1", at(0));
    // A much later failure sweeps keys whose failures all left the window.
    t.record_failure("new@example.com", "10.0.0.2", at(200));
    EXPECT_EQ(t.retry_after("old@example.com", "10.0.0.1", at(200)), 0);
    EXPECT_EQ(t.retry_after("new@example.com", "10.0.0.3", at(200)), 60);
    // A key that failed again since is kept.
    t.record_failure("old@example.com", "10.0.0.1", at(230));
    t.record_failure("other@example.com", "10.0.0.4", at(261));
    EXPECT_EQ(t.retry_after("old@example.com", "10.0.0.1", at(261)), 29);
}

}  // namespace ujumbe::identity
