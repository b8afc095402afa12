#include "db/sqlite/sqlite_checkpointer.h"

#include <algorithm>

#include "core/log.h"

namespace ujumbe::db {

namespace {
constexpr Micros kEvery = 60 * kMicrosPerSecond;  // a checkpoint however little was written
}  // namespace

Result<std::unique_ptr<SqliteCheckpointer>> SqliteCheckpointer::start(const std::string& path,
                                                                      const SqliteOptions& options,
                                                                      SqliteConnection& writer) {
    UJ_ASSIGN(auto conn, SqliteConnection::open(path, options));
    UJ_TRY(writer.run_script("PRAGMA journal_size_limit = " + std::to_string(kJournalSizeLimit)));
    std::unique_ptr<SqliteCheckpointer> self(new SqliteCheckpointer(std::move(conn)));
    SqliteCheckpointer* raw = self.get();
    // Replaces SQLite's automatic checkpoints on the writer.
    writer.on_wal_commit([raw, &writer](int pages) { raw->wal_grew(pages, writer); });
    self->loop_.start("db-checkpoint", kEvery, std::chrono::milliseconds(0),
                      [raw] { raw->checkpoint(); });
    return self;
}

SqliteCheckpointer::SqliteCheckpointer(std::unique_ptr<SqliteConnection> conn)
    : conn_(std::move(conn)) {}

int SqliteCheckpointer::checkpoints() const {
    std::lock_guard lock(mutex_);
    return checkpoints_;
}

int SqliteCheckpointer::restarts() const {
    return restarts_.load();
}

void SqliteCheckpointer::wal_grew(int pages, SqliteConnection& writer) {
    if (pages < last_pages_) {  // the WAL started over
        next_at_ = kPages;
        restart_at_ = kRestartPages;
    }
    last_pages_ = pages;
    if (pages >= restart_at_ && left_behind_.load() > kPages) {
        // Something the gate does not hold pins the frames: let the passive
        // checkpoints copy them once it lets go, and look again later.
        restart_at_ = pages + kPages;
        loop_.wake();
        return;
    }
    if (pages >= restart_at_) {
        bool restarted = false;
        if (gate_.close(std::chrono::milliseconds(kRestartWaitMs))) {
            restarted = writer.restart_wal(kRestartBusyMs);
            gate_.open();
        }
        if (restarted) {
            ++restarts_;
            failed_restarts_ = 0;
            return;
        }
        // A long statement stayed: again later, the later the more often
        // it happens (each try holds the readers back a little).
        restart_at_ = pages + (kPages << std::min(failed_restarts_++, 4));
    }
    if (pages < next_at_) return;
    next_at_ = pages + kPages;
    loop_.wake();
}

void SqliteCheckpointer::checkpoint() {
    // Passive: copies what no reader still needs, waits for nobody. The
    // writer starts the WAL over once a checkpoint has copied all of it.
    auto left = conn_->passive_checkpoint();
    if (!left)
        log::warn("sqlite checkpoint failed", {{"error", left.error().message}});
    else if (*left)
        left_behind_ = **left;
    std::lock_guard lock(mutex_);
    ++checkpoints_;
}

}  // namespace ujumbe::db
