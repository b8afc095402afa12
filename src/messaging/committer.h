#pragma once
// The group-commit writer of the message pipeline (ARCHITECTURE.md): callers
// hand it operations, it runs every operation waiting at that moment in one
// transaction on the database's commit lane and then tells each caller how
// its own operation ended. While one transaction commits the next batch
// gathers, so batches grow with load and a lone caller waits for one commit.
//
// Each operation runs inside a savepoint: one that fails is rolled back
// alone and the others still commit. A commit that fails fails them all, and
// so does an operation that meets a database fault (is_database_fault).
// Thread safety: all public members may be called from any thread.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/result.h"
#include "db/database.h"

namespace ujumbe::messaging {

class Committer {
public:
    using Op = std::function<Status(db::Connection&)>;
    using Done = std::function<void(Status)>;

    // `name` names its thread.
    Committer(db::Database& db, std::string name, std::size_t max_batch = 4096);
    ~Committer();
    Committer(const Committer&) = delete;
    Committer& operator=(const Committer&) = delete;

    // Runs `op` in the next batch and blocks until that batch committed.
    // Returns the op's own status, or the commit's error.
    Status run(Op op);
    // Queues `op`; `done` runs on the committer's thread after the commit.
    void post(Op op, Done done = {});

    // Commits what is queued and stops the thread. Idempotent.
    void stop();

private:
    struct Item {
        Op op;
        Done done;
    };
    void loop();
    void commit(std::deque<Item>& batch);

    db::Database& db_;
    std::size_t max_batch_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<Item> items_;
    bool stopping_ = false;  // the loop drains what is queued, then ends
    bool stopped_ = false;   // the loop ended: nothing more runs
    std::once_flag stop_once_;
    std::thread thread_;
};

}  // namespace ujumbe::messaging
