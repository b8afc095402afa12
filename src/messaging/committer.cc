#include "messaging/committer.h"

#include <future>

#include "core/log.h"
#include "core/thread_name.h"

namespace ujumbe::messaging {

Committer::Committer(db::Database& db, std::string name, std::size_t max_batch)
    : db_(db), max_batch_(max_batch), thread_([this, name = std::move(name)] {
          name_this_thread(name);
          loop();
      }) {}

Committer::~Committer() {
    stop();
}

void Committer::stop() {
    std::call_once(stop_once_, [this] {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        ready_.notify_all();
        thread_.join();
        std::lock_guard lock(mutex_);
        stopped_ = true;
    });
}

Status Committer::run(Op op) {
    std::promise<Status> promise;
    auto future = promise.get_future();
    post(std::move(op), [&promise](Status s) { promise.set_value(std::move(s)); });
    return future.get();
}

void Committer::post(Op op, Done done) {
    {
        std::lock_guard lock(mutex_);
        if (stopped_) {
            if (done) done(Error::unavailable("the server is stopping"));
            return;
        }
        items_.push_back({std::move(op), std::move(done)});
    }
    ready_.notify_one();
}

void Committer::loop() {
    for (;;) {
        std::deque<Item> batch;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [&] { return stopping_ || !items_.empty(); });
            if (items_.empty()) return;  // stopping and drained
            while (!items_.empty() && batch.size() < max_batch_) {
                batch.push_back(std::move(items_.front()));
                items_.pop_front();
            }
        }
        commit(batch);
    }
}

void Committer::commit(std::deque<Item>& batch) {
    std::vector<Status> outcomes(batch.size());
    Status committed = db_.write_lane([&](db::Connection& c) -> Status {
        if (batch.size() == 1) {
            // Alone, its failure rolls back the whole transaction: no savepoint.
            try {
                return batch[0].op(c);
            } catch (const std::exception& e) {
                log::error("message pipeline operation threw", {{"error", e.what()}});
                return Error::internal("operation failed");
            }
        }
        for (std::size_t i = 0; i < batch.size(); ++i) {
            UJ_TRY(c.execute("SAVEPOINT op"));
            try {
                outcomes[i] = batch[i].op(c);
            } catch (const std::exception& e) {
                log::error("message pipeline operation threw", {{"error", e.what()}});
                outcomes[i] = Error::internal("operation failed");
            }
            // The database failed, not the operation (SQLite has already rolled
            // the whole transaction back on a full disk): the batch fails.
            if (!outcomes[i] && is_database_fault(outcomes[i].error())) return outcomes[i].error();
            if (!outcomes[i]) UJ_TRY(c.execute("ROLLBACK TO SAVEPOINT op"));
            UJ_TRY(c.execute("RELEASE SAVEPOINT op"));
        }
        return {};
    });
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (!batch[i].done) continue;
        // Alone, the transaction's status is the operation's own.
        batch[i].done(batch.size() == 1 ? committed
                      : committed       ? std::move(outcomes[i])
                                        : committed);
    }
}

}  // namespace ujumbe::messaging
