#include "identity/throttle.h"

#include <algorithm>

namespace ujumbe::identity {

namespace {

int whole_seconds(Micros wait) {
    return static_cast<int>((wait + kMicrosPerSecond - 1) / kMicrosPerSecond);
}

}  // namespace

std::string LoginThrottle::pair_key(const std::string& email, const std::string& ip) {
    // Emails cannot contain a newline, so the key is unambiguous.
    return email + '\n' + ip;
}

int LoginThrottle::wait_for(Window& w, int limit, Micros now) const {
    while (!w.empty() && w.front() <= now - limits_.window) w.pop_front();
    if (static_cast<int>(w.size()) < limit) return 0;
    return whole_seconds(w.front() + limits_.window - now);
}

bool LoginThrottle::forgotten(const Pair& p, Micros now) const {
    return now >= std::max(p.last_failure, p.blocked_until) + limits_.window;
}

int LoginThrottle::retry_after(const std::string& email, const std::string& ip, Micros now) {
    std::lock_guard lock(mutex_);
    int wait = 0;
    if (auto it = by_pair_.find(pair_key(email, ip)); it != by_pair_.end())
        if (it->second.blocked_until > now) wait = whole_seconds(it->second.blocked_until - now);
    if (auto it = by_ip_.find(ip); it != by_ip_.end())
        wait = std::max(wait, wait_for(it->second, limits_.max_failures_per_ip, now));
    return wait;
}

void LoginThrottle::record_failure(const std::string& email, const std::string& ip, Micros now) {
    std::lock_guard lock(mutex_);
    sweep(now);
    Pair& p = by_pair_[pair_key(email, ip)];
    if (forgotten(p, now)) p = Pair{};
    ++p.failures;
    p.last_failure = now;
    const int over = p.failures - limits_.max_failures_per_email;
    if (over >= 0) {
        // window, 2 x window, 4 x window, ... up to max_backoff.
        Micros wait = limits_.window;
        for (int i = 0; i < over && wait < limits_.max_backoff; ++i) wait *= 2;
        p.blocked_until = now + std::min(wait, limits_.max_backoff);
    }
    by_ip_[ip].push_back(now);
}

void LoginThrottle::record_success(const std::string& email, const std::string& ip) {
    std::lock_guard lock(mutex_);
    by_pair_.erase(pair_key(email, ip));
}

void LoginThrottle::sweep(Micros now) {
    // Forget what no longer counts, at most once a window, so memory stays
    // bounded by the failures of the recent past.
    if (now - last_sweep_ < limits_.window) return;
    last_sweep_ = now;
    for (auto it = by_pair_.begin(); it != by_pair_.end();)
        it = forgotten(it->second, now) ? by_pair_.erase(it) : std::next(it);
    for (auto it = by_ip_.begin(); it != by_ip_.end();) {
        if (it->second.empty() || it->second.back() <= now - limits_.window)
            it = by_ip_.erase(it);
        else
            ++it;
    }
}

}  // namespace ujumbe::identity
