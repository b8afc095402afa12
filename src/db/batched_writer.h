#pragma once
// Rows that may be written a moment after the request that made them
// (audit entries, request log lines): callers add them, a thread of its own
// writes what waits, many in one transaction, every `poll` or at once when
// `wake_at` wait. A failed write keeps the batch for the next round, ahead
// of what came meanwhile. Past `max_waiting` rows the overflow policy says
// what an add does: write everything itself (nothing may be lost) or drop
// the row (the caller must never wait).

#include <atomic>
#include <cstdint>
#include <functional>
#include <iterator>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/log.h"
#include "core/polling_thread.h"
#include "core/result.h"
#include "db/database.h"

namespace ujumbe::db {

enum class Overflow { kWriteNow, kDrop };

template <typename Row>
class BatchedWriter {
public:
    using Write = std::function<Status(Connection&, const std::vector<Row>&)>;
    struct Options {
        std::string name;  // the thread's name, and the log's
        Micros poll = 20 * 1000;
        std::size_t wake_at = 500;
        std::size_t max_waiting = 10000;
        Overflow overflow = Overflow::kWriteNow;
    };

    BatchedWriter(Database& db, Options options, Write write)
        : db_(db), options_(std::move(options)), write_(std::move(write)) {
        // Rounds on a short poll, not a wake per row: a wake is a context
        // switch per request.
        writer_.start(options_.name, options_.poll, std::chrono::milliseconds(0), [this] {
            if (auto written = flush(); !written)
                log::error("rows not written",
                           {{"writer", options_.name}, {"error", written.error().message}});
        });
    }
    ~BatchedWriter() { stop(); }
    BatchedWriter(const BatchedWriter&) = delete;
    BatchedWriter& operator=(const BatchedWriter&) = delete;

    // False when the row was dropped (Overflow::kDrop and too many wait).
    bool add(Row row) {
        std::size_t waiting = 0;
        {
            std::lock_guard lock(waiting_mutex_);
            if (waiting_.size() >= options_.max_waiting && options_.overflow == Overflow::kDrop) {
                dropped_.fetch_add(1, std::memory_order_relaxed);
                return false;
            }
            waiting_.push_back(std::move(row));
            waiting = waiting_.size();
        }
        if (waiting == options_.wake_at) writer_.wake();
        if (waiting < options_.max_waiting) return true;
        if (options_.overflow == Overflow::kDrop) {
            writer_.wake();
            return true;
        }
        if (auto written = flush(); !written)
            log::error("rows not written",
                       {{"writer", options_.name}, {"error", written.error().message}});
        return true;
    }

    // Writes every waiting row now.
    Status flush() {
        std::lock_guard write(write_mutex_);
        std::vector<Row> batch;
        {
            std::lock_guard lock(waiting_mutex_);
            batch.swap(waiting_);
        }
        if (batch.empty()) return {};
        auto written = db_.write([&](Connection& c) { return write_(c, batch); });
        if (!written) {
            std::lock_guard lock(waiting_mutex_);
            batch.insert(batch.end(), std::make_move_iterator(waiting_.begin()),
                         std::make_move_iterator(waiting_.end()));
            waiting_.swap(batch);
        }
        return written;
    }

    // Stops the thread after writing what waits; idempotent.
    void stop() {
        writer_.stop();
        if (auto written = flush(); !written)
            log::error("rows lost at stop",
                       {{"writer", options_.name}, {"error", written.error().message}});
    }

    // Rows dropped so far (Overflow::kDrop).
    std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

private:
    Database& db_;
    const Options options_;
    const Write write_;
    std::mutex waiting_mutex_;
    std::vector<Row> waiting_;
    std::mutex write_mutex_;  // one batch written at a time, in order
    std::atomic<std::uint64_t> dropped_{0};
    PollingThread writer_;
};

}  // namespace ujumbe::db
