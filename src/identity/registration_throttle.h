#pragma once
// Registration throttle: each self-registered account costs an argon2id
// hash and brings trial credit, so registrations are limited per client
// address and for the whole node in a sliding window, in memory, checked
// before anything is hashed. Thread safe.

#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.h"

namespace ujumbe::identity {

struct RegistrationLimits {
    int max_per_ip = 5;
    int max_global = 100;
    Micros window = 3600 * kMicrosPerSecond;
};

class RegistrationThrottle {
public:
    explicit RegistrationThrottle(RegistrationLimits limits) : limits_(limits) {}

    // Seconds to wait, or 0 after counting this attempt: an attempt that may
    // proceed is recorded at once, so parallel requests cannot all slip in.
    int admit(const std::string& ip, Micros now);

private:
    using Window = std::deque<Micros>;
    int wait_for(Window& w, int limit, Micros now) const;

    RegistrationLimits limits_;
    std::mutex mutex_;
    std::unordered_map<std::string, Window> by_ip_;
    Window global_;
    Micros last_sweep_ = 0;
};

}  // namespace ujumbe::identity
