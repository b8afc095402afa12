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

TEST(HashSlots, AsManyCallersWaitAsThereAreSlotsAndNoMore) {
    HashSlots slots(1, 2000 * 1000);  // 2 s
    std::promise<void> go;
    std::shared_future<void> gate = go.get_future().share();
    std::atomic<bool> holding{false};
    auto holder = std::async(std::launch::async, [&] {
        return slots.run([&] {
            holding = true;
            gate.wait();
            return true;
        });
    });
    while (!holding.load()) std::this_thread::yield();
    auto waiter = std::async(std::launch::async, [&] { return slots.run([] { return true; }); });
    while (slots.waiting() < 1) std::this_thread::yield();
    // One waits already: the next is refused at once, not after 2 s.
    const auto started = std::chrono::steady_clock::now();
    auto refused = slots.run([] { return true; });
    EXPECT_FALSE(refused);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
    go.set_value();
    EXPECT_TRUE(holder.get());
    EXPECT_TRUE(waiter.get());
}

TEST(HashSlots, AtLeastOneSlot) {
    HashSlots slots(0, 0);
    EXPECT_EQ(slots.slots(), 1);
}

}  // namespace ujumbe::identity
