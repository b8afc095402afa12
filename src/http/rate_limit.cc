#include "http/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace ujumbe::http {

namespace {

// A plan change reaches the limits within this long.
constexpr Micros kPlanCacheFor = 10 * kMicrosPerSecond;
constexpr Micros kSweepEvery = 60 * kMicrosPerSecond;

const char* class_tag(RateClass cls) {
    switch (cls) {
        case RateClass::kAuth:
            return "auth:";
        case RateClass::kSend:
            return "send:";
        case RateClass::kBulk:
            return "bulk:";
        default:
            return "default:";
    }
}

}  // namespace

RateLimits RateLimiter::limits_for(const std::string& account_id, Micros now,
                                   std::unique_lock<std::mutex>& lock) {
    if (!plan_limits_ || account_id.empty()) return defaults_;
    if (auto it = plans_.find(account_id);
        it != plans_.end() && now - it->second.fetched <= kPlanCacheFor)
        return it->second.limits;
    // A plan lookup is a database read: not under the lock. Two requests
    // may both ask; the answer is the same.
    lock.unlock();
    const RateLimits limits = plan_limits_(account_id).value_or(defaults_);
    lock.lock();
    plans_[account_id] = Cached{limits, now};
    return limits;
}

RateVerdict RateLimiter::take_from(const std::string& subject, std::int64_t per_minute,
                                   Micros now) {
    const double capacity = static_cast<double>(per_minute);
    const double per_micro = capacity / (60.0 * kMicrosPerSecond);
    auto [it, fresh] = buckets_.try_emplace(subject, Bucket{capacity, now});
    Bucket& b = it->second;
    if (!fresh) {
        b.tokens = std::min(capacity, b.tokens + static_cast<double>(now - b.updated) * per_micro);
        b.updated = now;
    }
    RateVerdict v;
    v.limited = true;
    v.limit = per_minute;
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
    } else {
        v.allowed = false;
        v.retry_after_s =
            static_cast<std::int64_t>(std::ceil((1.0 - b.tokens) / per_micro / kMicrosPerSecond));
    }
    v.remaining = static_cast<std::int64_t>(std::floor(b.tokens));
    v.reset_s =
        static_cast<std::int64_t>(std::ceil((capacity - b.tokens) / per_micro / kMicrosPerSecond));
    return v;
}

void RateLimiter::sweep(Micros now) {
    if (now - last_sweep_ < kSweepEvery) return;
    last_sweep_ = now;
    // A bucket untouched for a minute is full again: forgetting it is exact.
    std::erase_if(buckets_,
                  [now](const auto& kv) { return now - kv.second.updated > kSweepEvery; });
    std::erase_if(plans_,
                  [now](const auto& kv) { return now - kv.second.fetched > kPlanCacheFor; });
}

RateVerdict RateLimiter::take(RateClass cls, const std::string& account_id,
                              const std::string& api_key_id, const std::string& address) {
    if (cls == RateClass::kNone) return {};
    const Micros now = clock_.now();
    std::unique_lock lock(mutex_);
    sweep(now);
    const std::int64_t per_minute =
        limits_for(account_id, now, lock)[static_cast<std::size_t>(cls)];
    if (per_minute <= 0) return {};
    const std::string tag = class_tag(cls);
    if (account_id.empty()) return take_from(tag + "ip:" + address, per_minute, now);
    RateVerdict verdict = take_from(tag + "acct:" + account_id, per_minute, now);
    if (!api_key_id.empty() && verdict.allowed) {
        RateVerdict key = take_from(tag + "key:" + api_key_id, per_minute, now);
        if (!key.allowed || key.remaining < verdict.remaining) verdict = key;
    }
    return verdict;
}

}  // namespace ujumbe::http
