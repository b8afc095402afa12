#pragma once
// Login throttle, in memory on this node, checked before any password is
// hashed so a flood of guesses costs no CPU. Thread safe. Two counters:
//
// - per (email, client address): after `max_failures_per_email` failures
//   the pair waits `window`, and every further failure doubles the wait, up
//   to `max_backoff`. Keyed by the pair so that guessing someone's password
//   from one address never locks the owner out from another: an address
//   with no failures is let through to check the password.
// - per client address: at most `max_failures_per_ip` failures in a sliding
//   `window`, whatever the emails (password spraying).
//
// A pair's failures are forgotten `window` after its last failure or the
// end of its wait, whichever is later; a successful login forgets them.

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.h"

namespace ujumbe::identity {

struct ThrottleLimits {
    int max_failures_per_email = 5;  // per (email, address)
    int max_failures_per_ip = 5;
    Micros window = 60 * kMicrosPerSecond;
    Micros max_backoff = 3600 * kMicrosPerSecond;
};

class LoginThrottle {
public:
    explicit LoginThrottle(ThrottleLimits limits) : limits_(limits) {}

    // Seconds to wait before trying again, or 0 when an attempt may proceed.
    int retry_after(const std::string& email, const std::string& ip, Micros now);
    void record_failure(const std::string& email, const std::string& ip, Micros now);
    // A successful login clears the failures of the email from that address.
    void record_success(const std::string& email, const std::string& ip);

private:
    struct Pair {
        int failures = 0;
        Micros last_failure = 0;
        Micros blocked_until = 0;
    };
    using Window = std::deque<Micros>;
    int wait_for(Window& w, int limit, Micros now) const;
    bool forgotten(const Pair& p, Micros now) const;
    void sweep(Micros now);
    static std::string pair_key(const std::string& email, const std::string& ip);

    ThrottleLimits limits_;
    std::mutex mutex_;
    std::unordered_map<std::string, Pair> by_pair_;
    std::unordered_map<std::string, Window> by_ip_;
    Micros last_sweep_ = 0;
};

}  // namespace ujumbe::identity
