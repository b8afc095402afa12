#include "db/database.h"

#include "core/log.h"
#include "core/metrics.h"
#include "core/thread_name.h"
#include "db/postgres/postgres_connection.h"
#include "db/sqlite/sqlite_checkpointer.h"
#include "db/sqlite/sqlite_connection.h"

namespace ujumbe::db {

namespace {
// The worker this thread belongs to, if it is a database thread of any Database.
thread_local void* tl_owner = nullptr;
thread_local void* tl_worker = nullptr;

bool starts_with(const std::string& s, std::string_view prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}
}  // namespace

Result<std::unique_ptr<Database>> Database::open(const std::string& url,
                                                 const DatabaseOptions& options) {
    std::unique_ptr<Database> db(new Database());
    std::vector<std::unique_ptr<Connection>> readers;
    std::vector<std::unique_ptr<Connection>> lanes;  // write_queue_ workers
    if (starts_with(url, "sqlite:")) {
        db->dialect_ = Dialect::kSqlite;
        const std::string path = url.substr(7);
        SqliteOptions rw{false, options.sqlite_synchronous};
        // The one writer walks every index each message touches: a cache
        // holding their inner pages and recent leaves spares it reading
        // them again from the OS at each commit once the tables are large.
        SqliteOptions writing = rw;
        writing.cache_kib = 64 * 1024;
        UJ_ASSIGN(auto writer, SqliteConnection::open(path, writing));
        if (path != ":memory:") {
            UJ_ASSIGN(db->checkpointer_, SqliteCheckpointer::start(path, rw, *writer));
        }
        lanes.push_back(std::move(writer));
        // Sixteen: a send waits on a reader thread for its group commit, and
        // the more sends wait together, the fewer commits carry them.
        const int n = options.threads > 0 ? options.threads : 16;
        SqliteOptions ro{true, options.sqlite_synchronous};
        for (int i = 0; i < n; ++i) {
            UJ_ASSIGN(auto conn, SqliteConnection::open(path, ro));
            if (db->checkpointer_) conn->set_wal_gate(&db->checkpointer_->gate());
            readers.push_back(std::move(conn));
        }
    } else if (starts_with(url, "postgresql://") || starts_with(url, "postgres://")) {
        db->dialect_ = Dialect::kPostgres;
        const int n = options.threads > 0 ? options.threads : 8;
        for (int i = 0; i < n; ++i) {
            UJ_ASSIGN(auto conn, PostgresConnection::open(url));
            readers.push_back(std::move(conn));
        }
        // The commit lanes: group commits of different writers (message
        // acceptance, pipeline outcomes) run side by side, each in order.
        for (int i = 0; i < kPostgresLanes; ++i) {
            UJ_ASSIGN(auto lane, PostgresConnection::open(url));
            lanes.push_back(std::move(lane));
        }
    } else {
        return Error::invalid("database_url", "must start with sqlite: or postgresql://");
    }
    db->start(std::move(readers), std::move(lanes));
    return db;
}

void Database::start(std::vector<std::unique_ptr<Connection>> readers,
                     std::vector<std::unique_ptr<Connection>> lanes) {
    const bool pooled_writes = dialect_ == Dialect::kPostgres;
    for (auto& conn : readers) {
        auto w = std::make_unique<Worker>();
        w->conn = std::move(conn);
        w->queue = &read_queue_;
        w->can_write = pooled_writes;
        workers_.push_back(std::move(w));
    }
    for (auto& conn : lanes) {
        auto w = std::make_unique<Worker>();
        w->conn = std::move(conn);
        w->queue = &write_queue_;
        w->can_write = true;
        workers_.push_back(std::move(w));
    }
    for (auto& w : workers_) {
        w->conn->set_listeners(&listeners_);
        Worker* raw = w.get();
        w->thread = std::thread([this, raw] {
            name_this_thread(raw->queue == &write_queue_ ? "db-write" : "db-read");
            work(*raw);
        });
    }
}

Database::~Database() {
    stop();
}

void Database::stop() {
    std::call_once(stopped_, [this] {
        for (Queue* q : {&read_queue_, &write_queue_}) {
            std::lock_guard lock(q->mutex);
            q->stopped = true;
            q->ready.notify_all();
        }
        for (auto& w : workers_)
            if (w->thread.joinable()) w->thread.join();
        if (checkpointer_) checkpointer_->stop();
    });
}

void Database::enqueue(Queue& queue, Task task) {
    {
        std::lock_guard lock(queue.mutex);
        queue.tasks.emplace_back(std::move(task), std::chrono::steady_clock::now());
    }
    queue.ready.notify_one();
}

void Database::post(Task task) {
    enqueue(read_queue_, std::move(task));
}

void Database::work(Worker& worker) {
    tl_owner = this;
    tl_worker = &worker;
    Queue& q = *worker.queue;
    // How long tasks wait for a thread of the pool, and how long one holds
    // it (docs/metrics.md).
    static auto& waits = metrics::Registry::global().histogram(
        "ujumbe_db_queue_wait_seconds", "Time a database task waits for a thread of its pool.",
        {"pool"});
    static auto& durations = metrics::Registry::global().histogram(
        "ujumbe_db_task_duration_seconds",
        "Time a database thread spends on one task: a transaction, a group commit, or a "
        "request's handler.",
        {"pool"});
    const metrics::LabelValues pool = {&q == &write_queue_ ? "write" : "read"};
    using Clock = std::chrono::steady_clock;
    for (;;) {
        Task task;
        Clock::time_point queued_at;
        {
            std::unique_lock lock(q.mutex);
            q.ready.wait(lock, [&] { return q.stopped || !q.tasks.empty(); });
            if (q.tasks.empty()) return;  // stopped and drained
            task = std::move(q.tasks.front().first);
            queued_at = q.tasks.front().second;
            q.tasks.pop_front();
        }
        const auto started = Clock::now();
        waits.observe(pool, std::chrono::duration<double>(started - queued_at).count());
        try {
            task(*worker.conn);
        } catch (const std::exception& e) {
            log::error("database task threw", {{"error", e.what()}});
        }
        durations.observe(pool, std::chrono::duration<double>(Clock::now() - started).count());
    }
}

Database::Health Database::health() const {
    return {fault_.load(), fault_since_.load()};
}

void Database::note_error(const Error& error) {
    if (!is_database_fault(error)) return;
    const Fault fault =
        error.code == ErrorCode::kInsufficientStorage ? Fault::kStorageFull : Fault::kUnreachable;
    if (fault_.exchange(fault) == fault) return;
    fault_since_ = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
    log::warn("database fault",
              {{"fault", fault == Fault::kStorageFull ? "disk full" : "unreachable"}});
}

void Database::note_success(bool wrote) {
    // A read proves the server is back, not that the disk has room.
    Fault expected = Fault::kUnreachable;
    if (fault_.compare_exchange_strong(expected, Fault::kNone) ||
        (wrote && fault_.exchange(Fault::kNone) != Fault::kNone))
        log::info("database fault cleared");
}

namespace {
// Runs `body` elsewhere and waits, carrying an exception back to the caller.
template <typename Post>
void post_and_wait(Post&& post, const std::function<void()>& body) {
    std::promise<void> done;
    auto future = done.get_future();
    post([&] {
        try {
            body();
            done.set_value();
        } catch (...) {
            done.set_exception(std::current_exception());
        }
    });
    future.get();
}
}  // namespace

void Database::run_read(const std::function<void(Connection&)>& body) {
    if (tl_owner == this) {
        body(*static_cast<Worker*>(tl_worker)->conn);
        return;
    }
    post_and_wait([&](std::function<void()> run) { post([run](Connection&) { run(); }); },
                  [&] { body(*static_cast<Worker*>(tl_worker)->conn); });
}

void Database::run_write(const std::function<void(Connection&, bool)>& body, bool lane) {
    const bool here = tl_owner == this && static_cast<Worker*>(tl_worker)->can_write &&
                      (!lane || static_cast<Worker*>(tl_worker)->queue == &write_queue_);
    if (here) {
        Worker& w = *static_cast<Worker*>(tl_worker);
        const bool nested = w.in_write;
        w.in_write = true;
        try {
            body(*w.conn, nested);
        } catch (...) {
            w.in_write = nested;
            throw;
        }
        w.in_write = nested;
        return;
    }
    Queue& target = lane || dialect_ == Dialect::kSqlite ? write_queue_ : read_queue_;
    post_and_wait(
        [&](std::function<void()> run) { enqueue(target, [run](Connection&) { run(); }); },
        [&] { run_write(body, lane); });
}

}  // namespace ujumbe::db
