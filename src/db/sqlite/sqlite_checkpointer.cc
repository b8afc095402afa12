#include "db/sqlite/sqlite_checkpointer.h"

#include "core/log.h"
#include "core/thread_name.h"

namespace ujumbe::db {

Result<std::unique_ptr<SqliteCheckpointer>> SqliteCheckpointer::start(const std::string& path,
                                                                      const SqliteOptions& options,
                                                                      SqliteConnection& writer) {
    UJ_ASSIGN(auto conn, SqliteConnection::open(path, options));
    std::unique_ptr<SqliteCheckpointer> self(new SqliteCheckpointer(std::move(conn)));
    SqliteCheckpointer* raw = self.get();
    // Replaces SQLite's automatic checkpoints on the writer.
    writer.on_wal_commit([raw](int pages) { raw->wal_grew(pages); });
    self->thread_ = std::thread([raw] {
        name_this_thread("db-checkpoint");
        raw->run();
    });
    return self;
}

SqliteCheckpointer::SqliteCheckpointer(std::unique_ptr<SqliteConnection> conn)
    : conn_(std::move(conn)) {}

SqliteCheckpointer::~SqliteCheckpointer() {
    stop();
}

void SqliteCheckpointer::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

int SqliteCheckpointer::checkpoints() const {
    std::lock_guard lock(mutex_);
    return checkpoints_;
}

void SqliteCheckpointer::wal_grew(int pages) {
    if (pages < last_pages_) next_at_ = kPages;  // the WAL started over
    last_pages_ = pages;
    if (pages < next_at_) return;
    next_at_ = pages + kPages;
    {
        std::lock_guard lock(mutex_);
        if (due_) return;
        due_ = true;
    }
    wake_.notify_one();
}

void SqliteCheckpointer::run() {
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return due_ || stopping_; });
            if (stopping_) return;
            due_ = false;
        }
        // Passive: copies what no reader still needs, waits for nobody. The
        // writer starts the WAL over once a checkpoint has copied all of it.
        auto done = conn_->run_script("PRAGMA wal_checkpoint(PASSIVE)");
        if (!done) log::warn("sqlite checkpoint failed", {{"error", done.error().message}});
        std::lock_guard lock(mutex_);
        ++checkpoints_;
    }
}

}  // namespace ujumbe::db
