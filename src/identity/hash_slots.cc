#include "identity/hash_slots.h"

#include <algorithm>
#include <chrono>

namespace ujumbe::identity {

HashSlots::HashSlots(int slots, Micros max_wait)
    : slots_(std::max(1, slots)), max_wait_(std::max<Micros>(0, max_wait)) {}

Status HashSlots::acquire() {
    std::unique_lock lock(mutex_);
    if (busy_ >= slots_) {
        if (waiting_ >= slots_) return Error::rate_limited(1);
        ++waiting_;
        const bool got = freed_.wait_for(lock, std::chrono::microseconds(max_wait_),
                                         [this] { return busy_ < slots_; });
        --waiting_;
        if (!got) return Error::rate_limited(1);
    }
    ++busy_;
    return {};
}

void HashSlots::release() {
    {
        std::lock_guard lock(mutex_);
        --busy_;
    }
    freed_.notify_one();
}

}  // namespace ujumbe::identity
