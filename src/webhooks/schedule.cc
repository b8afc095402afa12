#include "webhooks/schedule.h"

#include <algorithm>
#include <array>

namespace ujumbe::webhooks {

namespace {

// In units (seconds): the wait after each failed attempt but the last.
constexpr std::array<Micros, kMaxAttempts - 1> kDelays = {
    10, 30, 60, 120, 300, 600, 1200, 2400, 3600, 7200, 10800, 14400, 21600, 28800, 28800};

}  // namespace

std::optional<Micros> retry_delay(int attempts, Micros unit, double spread) {
    if (attempts < 1 || attempts >= kMaxAttempts) return std::nullopt;
    const double factor = 0.8 + 0.4 * std::clamp(spread, 0.0, 1.0);
    return static_cast<Micros>(static_cast<double>(kDelays[attempts - 1] * unit) * factor);
}

}  // namespace ujumbe::webhooks
