#pragma once
// A thread that runs a round of work every `poll`, or soon after it is
// woken: a wake gathers for `gather` first, so that what arrives together
// (answers, new rows) is handled by one round and one transaction. A wake
// during a round brings the next round at once. The pumps of outboxes
// (SMPP deliveries, webhooks) run on one each.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.h"

namespace ujumbe {

class PollingThread {
public:
    PollingThread() = default;
    ~PollingThread();
    PollingThread(const PollingThread&) = delete;
    PollingThread& operator=(const PollingThread&) = delete;

    // `name` names the thread.
    void start(std::string name, Micros poll, std::chrono::milliseconds gather,
               std::function<void()> round);
    // Waits for the round running, if any; no round starts after it.
    // Idempotent.
    void stop();
    void wake();
    bool stopping() const;

private:
    void run();

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    bool woken_ = false, stopping_ = false;
    Micros poll_ = 0;
    std::chrono::milliseconds gather_{0};
    std::function<void()> round_;
    std::thread thread_;
};

}  // namespace ujumbe
