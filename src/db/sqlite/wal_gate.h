#pragma once
// Lets the SQLite writer have the WAL to itself for a moment. Reader
// connections pass the gate for each statement; the writer closes it, waits
// briefly for the statements inside to end, starts the WAL over and opens
// it again (sqlite_checkpointer.h). Readers arriving while it is closed
// wait: for a few milliseconds, once per tens of megabytes of WAL.

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace ujumbe::db {

class WalGate {
public:
    void enter() {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return !closed_; });
        ++inside_;
    }
    void leave() {
        std::lock_guard lock(mutex_);
        if (--inside_ == 0 && closed_) changed_.notify_all();
    }
    // Closes the gate and waits up to `wait` for the statements inside to
    // end: true when they did (open() follows), else false and open again.
    bool close(std::chrono::milliseconds wait) {
        std::unique_lock lock(mutex_);
        closed_ = true;
        if (changed_.wait_for(lock, wait, [&] { return inside_ == 0; })) return true;
        closed_ = false;
        changed_.notify_all();
        return false;
    }
    void open() {
        {
            std::lock_guard lock(mutex_);
            closed_ = false;
        }
        changed_.notify_all();
    }

    // One statement's passage (a null gate: none).
    class Pass {
    public:
        explicit Pass(WalGate* gate) : gate_(gate) {
            if (gate_) gate_->enter();
        }
        ~Pass() {
            if (gate_) gate_->leave();
        }
        Pass(const Pass&) = delete;
        Pass& operator=(const Pass&) = delete;

    private:
        WalGate* gate_;
    };

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int inside_ = 0;
    bool closed_ = false;
};

}  // namespace ujumbe::db
