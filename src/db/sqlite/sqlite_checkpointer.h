#pragma once
// Moves SQLite's WAL checkpoints off the writer. SQLite checkpoints by
// default in the connection whose commit grew the WAL past 1,000 pages: the
// writer then copies the WAL into the database file and syncs it while
// every transaction behind it waits (the tails of the single-send
// benchmark). Here the writer only reports the WAL's size after each
// commit, and a thread of its own, on a connection of its own, runs passive
// checkpoints (which never block the writer or readers) when it has grown,
// and once a minute in any case.

#include <memory>
#include <mutex>

#include "core/polling_thread.h"
#include "db/sqlite/sqlite_connection.h"

namespace ujumbe::db {

class SqliteCheckpointer {
public:
    // Pages of WAL that start a checkpoint (SQLite's own default).
    static constexpr int kPages = 1000;

    // Opens its connection to `path` and starts its thread; reports of
    // `writer` wake it. The writer must outlive it.
    static Result<std::unique_ptr<SqliteCheckpointer>> start(const std::string& path,
                                                             const SqliteOptions& options,
                                                             SqliteConnection& writer);
    SqliteCheckpointer(const SqliteCheckpointer&) = delete;
    SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;

    // Waits for a checkpoint in progress, then ends the thread. Idempotent.
    void stop() { loop_.stop(); }
    // Checkpoints run so far (tests).
    int checkpoints() const;

private:
    explicit SqliteCheckpointer(std::unique_ptr<SqliteConnection> conn);
    void wal_grew(int pages);  // on the writer's thread, after a commit
    void checkpoint();

    std::unique_ptr<SqliteConnection> conn_;
    mutable std::mutex mutex_;
    int checkpoints_ = 0;
    // The writer's thread only: the WAL's size at its last commit, and the
    // size that asks for the next checkpoint (as much again as the last
    // one found, until the WAL starts over: readers still using its frames
    // keep a checkpoint from copying them all).
    int last_pages_ = 0, next_at_ = kPages;
    PollingThread loop_;  // last: it stops before what its rounds use goes
};

}  // namespace ujumbe::db
