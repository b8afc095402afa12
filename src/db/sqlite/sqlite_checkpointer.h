#pragma once
// Moves SQLite's WAL checkpoints off the writer. SQLite checkpoints by
// default in the connection whose commit grew the WAL past 1,000 pages: the
// writer then copies the WAL into the database file and syncs it while
// every transaction behind it waits (the tails of the single-send
// benchmark). Here the writer only reports the WAL's size after each
// commit, and a thread of its own, on a connection of its own, runs passive
// checkpoints (which never block the writer or readers) when it has grown,
// and once a minute in any case.
//
// A passive checkpoint cannot start the WAL over while readers use it, and
// under steady traffic some reader always does: the WAL then grows without
// end (gigabytes in a million-message campaign) and every commit extends
// the file. Past kRestartPages the writer itself, after a commit, closes
// the readers' gate (wal_gate.h), waits a few milliseconds for the
// statements inside to end, copies the little the checkpoints left and
// opens the gate: the next commit writes the WAL from its start. The
// journal size limit cuts a WAL that grew past it back then. It tries only
// once the passive checkpoints have caught up: frames they had to leave
// mean a reader the gate does not hold (another process, such as `ujumbe
// admin backup`, or a long statement) still needs them, and a restart
// would wait for it in vain and then copy them all on the writer's thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "core/polling_thread.h"
#include "db/sqlite/sqlite_connection.h"

namespace ujumbe::db {

class SqliteCheckpointer {
public:
    // Pages of WAL that start a checkpoint (SQLite's own default).
    static constexpr int kPages = 1000;
    // Pages of WAL past which the writer starts it over, and the file
    // size a WAL is cut back to then.
    static constexpr int kRestartPages = 16 * 1024;
    static constexpr std::int64_t kJournalSizeLimit = 64LL * 1024 * 1024;
    // How long the writer waits for the readers' statements to end, and
    // then for a checkpoint in progress.
    static constexpr int kRestartWaitMs = 20;
    static constexpr int kRestartBusyMs = 50;

    // The gate the reader connections of the database pass.
    WalGate& gate() { return gate_; }

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
    // Times the writer started the WAL over (tests).
    int restarts() const;

private:
    explicit SqliteCheckpointer(std::unique_ptr<SqliteConnection> conn);
    // On the writer's thread, after a commit.
    void wal_grew(int pages, SqliteConnection& writer);
    void checkpoint();

    std::unique_ptr<SqliteConnection> conn_;
    mutable std::mutex mutex_;
    int checkpoints_ = 0;
    // The writer's thread only: the WAL's size at its last commit, and the
    // size that asks for the next checkpoint (as much again as the last
    // one found, until the WAL starts over: readers still using its frames
    // keep a checkpoint from copying them all).
    int last_pages_ = 0, next_at_ = kPages;
    int restart_at_ = kRestartPages;  // the size at which the writer restarts it
    int failed_restarts_ = 0;         // in a row
    // The frames the last passive checkpoint had to leave behind.
    std::atomic<int> left_behind_{0};
    WalGate gate_;
    std::atomic<int> restarts_{0};
    PollingThread loop_;  // last: it stops before what its rounds use goes
};

}  // namespace ujumbe::db
