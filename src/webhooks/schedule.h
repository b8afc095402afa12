#pragma once
// When a failed delivery is tried again (docs/webhooks.md): 10 s, 30 s, 1 min,
// 2 min, 5 min, 10 min, 20 min, 40 min, 1 h, 2 h, 3 h, 4 h, 6 h, 8 h, 8 h,
// each varied by up to 20% either way so retries to one endpoint spread:
// 16 attempts over about 33 hours, never less than 26.6.

#include <optional>

#include "core/clock.h"

namespace ujumbe::webhooks {

inline constexpr int kMaxAttempts = 16;

// The wait after the `attempts`-th failed attempt (1-based), or nullopt
// when it was the last. `unit` is a second in production (tests shorten
// it); `spread` in [0, 1] picks where in the +-20% the wait falls.
std::optional<Micros> retry_delay(int attempts, Micros unit, double spread);

}  // namespace ujumbe::webhooks
