#pragma once
// Request rate limits (SPEC.md section 2): token buckets per account, per API
// key and, for routes without a caller (login, registration), per client
// address, one set per class of route. A bucket holds a minute's allowance
// and refills continuously, so a client may burst up to its limit and then
// goes at limit/60 requests a second. Counters live in this process: with
// several nodes, each node allows the limit (docs/security.md).

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.h"

namespace ujumbe::http {

enum class RateClass { kAuth, kSend, kBulk, kDefault, kNone };
inline constexpr std::size_t kRateClasses = 4;  // kNone is never limited

// Requests per minute for each class (indexed by RateClass); 0: unlimited.
using RateLimits = std::array<std::int64_t, kRateClasses>;

// What one request learns of its buckets, for the X-RateLimit-* headers.
struct RateVerdict {
    bool allowed = true;
    bool limited = false;  // false: no limit applies (no headers)
    std::int64_t limit = 0;
    std::int64_t remaining = 0;
    std::int64_t reset_s = 0;        // until the bucket is full again
    std::int64_t retry_after_s = 0;  // when refused: until one request is allowed
};

class RateLimiter {
public:
    // `plan_limits`: an account's own limits (from its plan), or nullopt for
    // the defaults; asked at most every 10 seconds per account.
    using PlanLimits = std::function<std::optional<RateLimits>(const std::string& account_id)>;

    RateLimiter(Clock& clock, RateLimits defaults, PlanLimits plan_limits = nullptr)
        : clock_(clock), defaults_(defaults), plan_limits_(std::move(plan_limits)) {}

    // Takes one request from the caller's buckets: the account's and, for
    // an API key, the key's. `account_id` empty: `address` is the subject.
    RateVerdict take(RateClass cls, const std::string& account_id, const std::string& api_key_id,
                     const std::string& address);

private:
    struct Bucket {
        double tokens = 0;
        Micros updated = 0;
    };
    struct Cached {
        RateLimits limits{};
        Micros fetched = 0;
    };
    RateLimits limits_for(const std::string& account_id, Micros now,
                          std::unique_lock<std::mutex>& lock);
    RateVerdict take_from(const std::string& subject, std::int64_t per_minute, Micros now);
    void sweep(Micros now);

    Clock& clock_;
    RateLimits defaults_;
    PlanLimits plan_limits_;
    std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
    std::unordered_map<std::string, Cached> plans_;
    Micros last_sweep_ = 0;
};

}  // namespace ujumbe::http
