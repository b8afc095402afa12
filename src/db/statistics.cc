#include "db/statistics.h"

namespace ujumbe::db {

bool StatisticsSchedule::due(std::uint64_t added, Micros now) {
    constexpr Micros kEvery = 600 * kMicrosPerSecond;
    total_ += added;
    const bool grown = total_ >= next_;
    const bool stale = added > 0 && at_ && now - at_ > kEvery;
    if (!grown && !stale) return false;
    while (next_ <= total_) next_ *= 4;
    at_ = now;
    return true;
}

}  // namespace ujumbe::db
