#include "identity/registration_throttle.h"

#include <gtest/gtest.h>

namespace ujumbe::identity {

namespace {

constexpr Micros kStart = 1'767'225'600 * kMicrosPerSecond;  // 2026-01-01T00:00:00Z

Micros at(double seconds) {
    return kStart + static_cast<Micros>(seconds * kMicrosPerSecond);
}

RegistrationLimits limits(int per_ip, int global) {
    return RegistrationLimits{per_ip, global, 100 * kMicrosPerSecond};
}

}  // namespace

TEST(RegistrationThrottle, AdmitsUpToThePerAddressLimit) {
    RegistrationThrottle t(limits(2, 100));
    EXPECT_EQ(t.admit("10.0.0.1", at(0)), 0);
    EXPECT_EQ(t.admit("10.0.0.1", at(10)), 0);
    EXPECT_EQ(t.admit("10.0.0.1", at(20)), 80);
    // Refused attempts do not count: the first admitted one leaves at 100.
    EXPECT_EQ(t.admit("10.0.0.1", at(100)), 0);
    // Another address is not affected.
    EXPECT_EQ(t.admit("10.0.0.2", at(20)), 0);
}

TEST(RegistrationThrottle, GlobalLimitSpansAddresses) {
    RegistrationThrottle t(limits(100, 3));
    EXPECT_EQ(t.admit("10.0.0.1", at(0)), 0);
    EXPECT_EQ(t.admit("10.0.0.2", at(1)), 0);
    EXPECT_EQ(t.admit("10.0.0.3", at(2)), 0);
    EXPECT_EQ(t.admit("10.0.0.4", at(3)), 97);
    EXPECT_EQ(t.admit("10.0.0.4", at(100)), 0);
}

TEST(RegistrationThrottle, DefaultsAreFivePerAddressAndHundredPerHour) {
    const RegistrationLimits l;
    EXPECT_EQ(l.max_per_ip, 5);
    EXPECT_EQ(l.max_global, 100);
    EXPECT_EQ(l.window, 3600 * kMicrosPerSecond);
}

}  // namespace ujumbe::identity
