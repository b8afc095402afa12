#include "identity/throttle.h"

#include <gtest/gtest.h>

namespace ujumbe::identity {

namespace {

constexpr Micros kStart = 1'767'225'600 * kMicrosPerSecond;  // 2026-01-01T00:00:00Z
constexpr Micros kSecond = kMicrosPerSecond;

Micros at(double seconds) {
    return kStart + static_cast<Micros>(seconds * kMicrosPerSecond);
}

ThrottleLimits limits(int per_email, int per_ip, Micros window = 60 * kSecond,
                      Micros max_backoff = 3600 * kSecond) {
    ThrottleLimits l;
    l.max_failures_per_email = per_email;
    l.max_failures_per_ip = per_ip;
    l.window = window;
    l.max_backoff = max_backoff;
    return l;
}

}  // namespace

TEST(LoginThrottle, FreshKeysMayProceed) {
    LoginThrottle t(ThrottleLimits{});
    EXPECT_EQ(t.retry_after("amina@example.com", "10.0.0.1", at(0)), 0);
}

TEST(LoginThrottle, DefaultsAreFivePerEmailAndIpInOneMinuteBackingOffToAnHour) {
    const ThrottleLimits l;
    EXPECT_EQ(l.max_failures_per_email, 5);
    EXPECT_EQ(l.max_failures_per_ip, 5);
    EXPECT_EQ(l.window, 60 * kSecond);
    EXPECT_EQ(l.max_backoff, 3600 * kSecond);
}

TEST(LoginThrottle, AllowsUpToLimitFailuresThenAsksToWaitAWindow) {
    LoginThrottle t(limits(3, 100));
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(i)), 0) << i;
        t.record_failure("a@example.com", "10.0.0.1", at(i));
    }
    // The third failure at t=2 s blocks the pair for one window.
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(3)), 59);
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(62)), 0);
}

TEST(LoginThrottle, RetryAfterRoundsUpToWholeSeconds) {
    LoginThrottle t(limits(1, 100));
    t.record_failure("a@example.com", "10.0.0.1", at(0));
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(0)), 60);
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(0.5)), 60);
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(59.001)), 1);
}

TEST(LoginThrottle, EveryFurtherFailureDoublesTheWaitUpToTheCap) {
    LoginThrottle t(limits(2, 1000, 10 * kSecond, 50 * kSecond));
    t.record_failure("a@example.com", "10.0.0.1", at(0));
    t.record_failure("a@example.com", "10.0.0.1", at(1));
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(1)), 10);
    t.record_failure("a@example.com", "10.0.0.1", at(11));
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(11)), 20);
    t.record_failure("a@example.com", "10.0.0.1", at(31));
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(31)), 40);
    t.record_failure("a@example.com", "10.0.0.1", at(71));
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(71)), 50);  // capped
    t.record_failure("a@example.com", "10.0.0.1", at(121));
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(121)), 50);
}

TEST(LoginThrottle, FailuresAreForgottenAWindowAfterTheWaitEnds) {
    LoginThrottle t(limits(2, 1000, 10 * kSecond));
    t.record_failure("a@example.com", "10.0.0.1", at(0));
    t.record_failure("a@example.com", "10.0.0.1", at(1));  // blocked until 11
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(11)), 0);
    // Quiet until 21 (a window after the wait): the count starts afresh.
    t.record_failure("a@example.com", "10.0.0.1", at(21));
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(21)), 0);
    t.record_failure("a@example.com", "10.0.0.1", at(22));
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(22)), 10);
}

TEST(LoginThrottle, GuessesFromOneAddressDoNotLockTheOwnerOutElsewhere) {
    LoginThrottle t(limits(2, 100));
    t.record_failure("a@example.com", "10.0.0.1", at(0));
    t.record_failure("a@example.com", "10.0.0.1", at(0));
    EXPECT_GT(t.retry_after("a@example.com", "10.0.0.1", at(1)), 0);
    // The same email from an address with no failures may proceed...
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.3", at(1)), 0);
    // ...and so may another email from the guessing address.
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

TEST(LoginThrottle, IpWindowSlidesAsOldFailuresExpire) {
    LoginThrottle t(limits(100, 3));
    t.record_failure("a@example.com", "10.0.0.1", at(0));
    t.record_failure("b@example.com", "10.0.0.1", at(10));
    t.record_failure("c@example.com", "10.0.0.1", at(20));
    EXPECT_EQ(t.retry_after("x@example.com", "10.0.0.1", at(30)), 30);
    EXPECT_EQ(t.retry_after("x@example.com", "10.0.0.1", at(60)), 0);
    t.record_failure("d@example.com", "10.0.0.1", at(60));
    EXPECT_EQ(t.retry_after("x@example.com", "10.0.0.1", at(61)), 9);
}

TEST(LoginThrottle, LongerOfTheTwoWaitsWins) {
    LoginThrottle t(limits(2, 3));
    t.record_failure("a@example.com", "10.0.0.1", at(0));
    t.record_failure("a@example.com", "10.0.0.1", at(30));  // pair blocked until 90
    t.record_failure("z@example.com", "10.0.0.1", at(45));  // IP blocked until 60
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(50)), 40);
    EXPECT_EQ(t.retry_after("b@example.com", "10.0.0.1", at(50)), 10);
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.2", at(50)), 0);
}

TEST(LoginThrottle, SuccessClearsThePairButNotTheIp) {
    LoginThrottle t(limits(2, 3));
    t.record_failure("a@example.com", "10.0.0.1", at(0));
    t.record_success("a@example.com", "10.0.0.1");
    t.record_failure("a@example.com", "10.0.0.1", at(1));
    EXPECT_EQ(t.retry_after("a@example.com", "10.0.0.1", at(2)), 0);
    // The IP still holds its two failures: one more from any email blocks it.
    t.record_failure("b@example.com", "10.0.0.1", at(3));
    EXPECT_GT(t.retry_after("c@example.com", "10.0.0.1", at(4)), 0);
}

TEST(LoginThrottle, SuccessForUnknownEmailIsHarmless) {
    LoginThrottle t(limits(1, 1));
    t.record_success("nobody@example.com", "10.0.0.1");
    EXPECT_EQ(t.retry_after("nobody@example.com", "10.0.0.1", at(0)), 0);
}

TEST(LoginThrottle, OldFailuresDoNotCountAfterALongPause) {
    LoginThrottle t(limits(1, 100));
    t.record_failure("old@example.com", "10.0.0.1", at(0));
    // A much later failure sweeps keys that no longer count.
    t.record_failure("new@example.com", "10.0.0.2", at(200));
    EXPECT_EQ(t.retry_after("old@example.com", "10.0.0.1", at(200)), 0);
    EXPECT_EQ(t.retry_after("new@example.com", "10.0.0.2", at(200)), 60);
    // A forgotten pair starts again at one window.
    t.record_failure("old@example.com", "10.0.0.1", at(230));
    EXPECT_EQ(t.retry_after("old@example.com", "10.0.0.1", at(231)), 59);
}

}  // namespace ujumbe::identity
