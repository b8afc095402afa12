#include "identity/throttle.h"

namespace ujumbe::identity {

int LoginThrottle::wait_for(Window& w, int limit, Micros now) const {
    while (!w.empty() && w.front() <= now - limits_.window) w.pop_front();
    if (static_cast<int>(w.size()) < limit) return 0;
    const Micros wait = w.front() + limits_.window - now;
    return static_cast<int>((wait + kMicrosPerSecond - 1) / kMicrosPerSecond);
}

int LoginThrottle::retry_after(const std::string& email, const std::string& ip, Micros now) {
    std::lock_guard lock(mutex_);
    int wait = 0;
    if (auto it = by_email_.find(email); it != by_email_.end())
        wait = std::max(wait, wait_for(it->second, limits_.max_failures_per_email, now));
    if (auto it = by_ip_.find(ip); it != by_ip_.end())
        wait = std::max(wait, wait_for(it->second, limits_.max_failures_per_ip, now));
    return wait;
}

void LoginThrottle::record_failure(const std::string& email, const std::string& ip, Micros now) {
    std::lock_guard lock(mutex_);
    sweep(now);
    by_email_[email].push_back(now);
    by_ip_[ip].push_back(now);
}

void LoginThrottle::record_success(const std::string& email) {
    std::lock_guard lock(mutex_);
    by_email_.erase(email);
}

void LoginThrottle::sweep(Micros now) {
    // Forget keys whose failures all left the window, at most once a window,
    // so memory stays bounded by the failures of one window.
    if (now - last_sweep_ < limits_.window) return;
    last_sweep_ = now;
    for (auto* map : {&by_email_, &by_ip_})
        for (auto it = map->begin(); it != map->end();) {
            if (it->second.empty() || it->second.back() <= now - limits_.window)
                it = map->erase(it);
            else
                ++it;
        }
}

}  // namespace ujumbe::identity
