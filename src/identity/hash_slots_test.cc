#include "identity/hash_slots.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

namespace ujumbe::identity {

TEST(HashSlots, RunsAndReturnsTheResult) {
    HashSlots slots(1, 0);
    auto r = slots.run([] { return 42; });
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 42);
    // The slot was given back.
    EXPECT_TRUE(slots.run([] { return 1; }));
}

TEST(HashSlots, NeverRunsMoreThanItsSlotsAndRefusesAfterTheWait) {
    HashSlots slots(2, 20 * 1000);  // 20 ms
    std::promise<void> go;
    std::shared_future<void> gate = go.get_future().share();
    std::atomic<int> running{0}, most{0};
    auto hold = [&] {
        return slots.run([&] {
            int now = ++running;
            int seen = most.load();
            while (now > seen && !most.compare_exchange_weak(seen, now)) {
            }
            gate.wait();
            --running;
            return true;
        });
    };
    auto a = std::async(std::launch::async, hold);
    auto b = std::async(std::launch::async, hold);
    while (running.load() < 2) std::this_thread::yield();
    auto refused = slots.run([] { return true; });
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().error_code, "RATE_LIMITED");
    EXPECT_EQ(refused.error().retry_after_s, 1);
    go.set_value();
    EXPECT_TRUE(a.get());
    EXPECT_TRUE(b.get());
    EXPECT_EQ(most.load(), 2);
    EXPECT_TRUE(slots.run([] { return true; }));
}

TEST(HashSlots, AtLeastOneSlot) {
    HashSlots slots(0, 0);
    EXPECT_EQ(slots.slots(), 1);
}

}  // namespace ujumbe::identity
