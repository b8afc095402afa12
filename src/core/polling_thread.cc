#include "core/polling_thread.h"

#include "core/thread_name.h"

namespace ujumbe {

PollingThread::~PollingThread() {
    stop();
}

void PollingThread::start(std::string name, Micros poll, std::chrono::milliseconds gather,
                          std::function<void()> round) {
    poll_ = poll;
    gather_ = gather;
    round_ = std::move(round);
    thread_ = std::thread([this, name = std::move(name)] {
        name_this_thread(name);
        run();
    });
}

void PollingThread::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void PollingThread::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    cv_.notify_all();
}

bool PollingThread::stopping() const {
    std::lock_guard lock(mutex_);
    return stopping_;
}

void PollingThread::run() {
    while (true) {
        {
            std::unique_lock lock(mutex_);
            cv_.wait_for(lock, std::chrono::microseconds(poll_),
                         [&] { return woken_ || stopping_; });
            if (stopping_) break;
            woken_ = false;
        }
        std::this_thread::sleep_for(gather_);
        round_();
    }
}

}  // namespace ujumbe
