#include "identity/registration_throttle.h"

#include <algorithm>

namespace ujumbe::identity {

int RegistrationThrottle::wait_for(Window& w, int limit, Micros now) const {
    while (!w.empty() && w.front() <= now - limits_.window) w.pop_front();
    if (static_cast<int>(w.size()) < limit) return 0;
    const Micros wait = w.front() + limits_.window - now;
    return static_cast<int>((wait + kMicrosPerSecond - 1) / kMicrosPerSecond);
}

int RegistrationThrottle::admit(const std::string& ip, Micros now) {
    std::lock_guard lock(mutex_);
    if (now - last_sweep_ >= limits_.window) {
        // Addresses whose attempts all left the window are forgotten.
        last_sweep_ = now;
        for (auto it = by_ip_.begin(); it != by_ip_.end();)
            it = it->second.empty() || it->second.back() <= now - limits_.window ? by_ip_.erase(it)
                                                                                 : std::next(it);
    }
    Window& mine = by_ip_[ip];
    const int wait = std::max(wait_for(mine, limits_.max_per_ip, now),
                              wait_for(global_, limits_.max_global, now));
    if (wait > 0) return wait;
    mine.push_back(now);
    global_.push_back(now);
    return 0;
}

}  // namespace ujumbe::identity
