#pragma once
// A cap on concurrent password hashes. Handlers run on the database
// threads, and an argon2id hash holds its thread for about 30 ms and 19 MiB:
// unbounded, a burst of registrations or logins would occupy every database
// thread and stall plain reads. At most `slots` hashes run at once and at
// most as many callers wait for one, each at most `max_wait`; anyone else is
// refused with 429 at once. So hashing holds at most 2 x `slots` database
// threads, and a burst drains from the queue quickly instead of holding up
// the requests queued behind it.
// See docs/decisions/0014-password-hashing-slots.md.

#include <condition_variable>
#include <mutex>

#include "core/clock.h"
#include "core/result.h"

namespace ujumbe::identity {

class HashSlots {
public:
    HashSlots(int slots, Micros max_wait);

    // Runs fn() holding a slot; 429 RATE_LIMITED when no slot frees up in time.
    template <typename F>
    Result<std::invoke_result_t<F&>> run(F fn) {
        UJ_TRY(acquire());
        struct Release {
            HashSlots* s;
            ~Release() { s->release(); }
        } release{this};
        return fn();
    }

    int slots() const { return slots_; }
    // Callers waiting for a slot now.
    int waiting() {
        std::lock_guard lock(mutex_);
        return waiting_;
    }

private:
    Status acquire();
    void release();

    const int slots_;
    const Micros max_wait_;
    std::mutex mutex_;
    std::condition_variable freed_;
    int busy_ = 0;
    int waiting_ = 0;
};

}  // namespace ujumbe::identity
