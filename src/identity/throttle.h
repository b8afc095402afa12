#pragma once
// Login throttle: counts failed logins per email and per client IP in a
// sliding window, in memory on this node. Checked before any password is
// hashed, so a flood of guesses costs no CPU. Thread safe.

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.h"

namespace ujumbe::identity {

struct ThrottleLimits {
    int max_failures_per_email = 5;
    int max_failures_per_ip = 5;
    Micros window = 60 * kMicrosPerSecond;
};

class LoginThrottle {
public:
    explicit LoginThrottle(ThrottleLimits limits) : limits_(limits) {}

    // Seconds to wait before trying again, or 0 when an attempt may proceed.
    int retry_after(const std::string& email, const std::string& ip, Micros now);
    void record_failure(const std::string& email, const std::string& ip, Micros now);
    // A successful login clears the email's failures.
    void record_success(const std::string& email);

private:
    using Window = std::deque<Micros>;
    int wait_for(Window& w, int limit, Micros now) const;
    void sweep(Micros now);

    ThrottleLimits limits_;
    std::mutex mutex_;
    std::unordered_map<std::string, Window> by_email_;
    std::unordered_map<std::string, Window> by_ip_;
    Micros last_sweep_ = 0;
};

}  // namespace ujumbe::identity
