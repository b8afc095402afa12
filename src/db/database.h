#pragma once
// Database: the connections and the threads that use them. Database calls
// are blocking library calls, so they never run on an I/O thread: work is
// posted here, runs on a database thread with that thread's connection, and
// the poster is told when it is done (see http/db_await.h for coroutines).
//
// SQLite: one writer thread owns the only read-write connection (so writers
// never contend for the file lock); reader threads own read-only
// connections (WAL lets them read while the writer writes).
// PostgreSQL: every thread owns a pooled connection and may read or write.
//
// Thread safety: all public members may be called from any thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "db/connection.h"

namespace ujumbe::db {

class SqliteCheckpointer;

// PostgreSQL connections serving write_lane(): as many group commits at once.
constexpr int kPostgresLanes = 2;

struct DatabaseOptions {
    // Reader threads for SQLite (default 4) or pooled connections for
    // PostgreSQL (default 8). More helps concurrent slow work (password
    // hashing runs on these threads) at the cost of memory.
    int threads = 0;
    std::string sqlite_synchronous = "NORMAL";
};

class Database {
public:
    using Task = std::function<void(Connection&)>;

    // `url` is "sqlite:<path>" or "postgresql://..." (also "postgres://").
    static Result<std::unique_ptr<Database>> open(const std::string& url,
                                                  const DatabaseOptions& options);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    Dialect dialect() const { return dialect_; }

    // Queues `task` to run on a database thread with a connection that may
    // read (and on PostgreSQL also write through write()). Never blocks.
    void post(Task task);

    // Runs fn(Connection&) -> Result<T>/Status on a read connection: at once
    // when called on a database thread, otherwise posted and awaited.
    template <typename F>
    auto read(F&& fn) -> decltype(fn(std::declval<Connection&>()));

    // Runs fn(Connection&) -> Result<T>/Status inside one write transaction,
    // committed when fn succeeds and rolled back when it fails or throws.
    // Nested calls join the outer transaction. Blocks the calling thread
    // (never call it from an I/O thread).
    template <typename F>
    auto write(F&& fn) -> decltype(fn(std::declval<Connection&>()));

    // Like write(), but always on a commit lane: the SQLite writer thread,
    // or on PostgreSQL one of kPostgresLanes connections kept for it alone.
    // For group commits called from threads that pooled handlers may be
    // waiting on (a pooled connection could be held by every waiter).
    template <typename F>
    auto write_lane(F&& fn) -> decltype(fn(std::declval<Connection&>()));

    // Runs fn(Connection&) on a connection that can write, without opening a
    // transaction (schema migrations manage their own). Blocks like write().
    template <typename F>
    auto on_writer(F&& fn) -> decltype(fn(std::declval<Connection&>()));

    // `listener` runs after every commit that appended to the events
    // outbox, on the committing thread, until forgotten. Returns a handle
    // for forget_listener().
    int on_events_committed(std::function<void()> listener) {
        return listeners_.on_events(std::move(listener));
    }
    void forget_listener(int handle) { listeners_.forget(handle); }

    // Finishes queued work and joins the threads. Idempotent.
    void stop();

    // The fault the last database calls met (is_database_fault), for
    // /readyz: the server unreachable, or its disk full (a failed write,
    // until a write succeeds). `since` is in Unix microseconds.
    enum class Fault { kNone, kUnreachable, kStorageFull };
    struct Health {
        Fault fault = Fault::kNone;
        std::int64_t since = 0;
    };
    Health health() const;

private:
    struct Queue {
        std::mutex mutex;
        std::condition_variable ready;
        std::deque<std::pair<Task, std::chrono::steady_clock::time_point>>
            tasks;  // and when queued
        bool stopped = false;
    };
    struct Worker {
        std::unique_ptr<Connection> conn;
        Queue* queue = nullptr;
        bool can_write = false;
        bool in_write = false;
        std::thread thread;
    };

    Database() = default;
    void start(std::vector<std::unique_ptr<Connection>> readers,
               std::vector<std::unique_ptr<Connection>> lanes);
    static void enqueue(Queue& queue, Task task);
    void work(Worker& worker);
    // Runs body on a connection that can write; `nested` tells whether a
    // write transaction is already open there.
    // `lane`: run on the commit lane (write_queue_) even when pooled.
    void run_write(const std::function<void(Connection&, bool nested)>& body, bool lane = false);
    void run_read(const std::function<void(Connection&)>& body);

    // Keeps health() current from the outcome of a read or write.
    template <typename R>
    void observe(const R& outcome, bool wrote) {
        if (!outcome)
            note_error(outcome.error());
        else if (fault_.load(std::memory_order_relaxed) != Fault::kNone)
            note_success(wrote);
    }
    void note_error(const Error& error);
    void note_success(bool wrote);

    Dialect dialect_ = Dialect::kSqlite;
    std::atomic<Fault> fault_{Fault::kNone};
    std::atomic<std::int64_t> fault_since_{0};
    CommitListeners listeners_;
    Queue read_queue_;
    // SQLite: the writer. PostgreSQL: the commit lane; other writes use read_queue_.
    Queue write_queue_;
    // SQLite's WAL checkpoints, off the writer; before workers_, which hold
    // the writer that reports to it, so that it is destroyed after them.
    std::unique_ptr<SqliteCheckpointer> checkpointer_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::once_flag stopped_;
};

template <typename F>
auto Database::read(F&& fn) -> decltype(fn(std::declval<Connection&>())) {
    using R = decltype(fn(std::declval<Connection&>()));
    std::optional<R> out;
    run_read([&](Connection& c) { out.emplace(fn(c)); });
    observe(*out, false);
    return std::move(*out);
}

template <typename F>
auto Database::write(F&& fn) -> decltype(fn(std::declval<Connection&>())) {
    using R = decltype(fn(std::declval<Connection&>()));
    std::optional<R> out;
    run_write([&](Connection& c, bool nested) {
        if (nested)
            out.emplace(fn(c));
        else
            out.emplace(in_transaction(c, [&] { return fn(c); }));
    });
    observe(*out, true);
    return std::move(*out);
}

template <typename F>
auto Database::write_lane(F&& fn) -> decltype(fn(std::declval<Connection&>())) {
    using R = decltype(fn(std::declval<Connection&>()));
    std::optional<R> out;
    run_write(
        [&](Connection& c, bool nested) {
            if (nested)
                out.emplace(fn(c));
            else
                out.emplace(in_transaction(c, [&] { return fn(c); }));
        },
        true);
    observe(*out, true);
    return std::move(*out);
}

template <typename F>
auto Database::on_writer(F&& fn) -> decltype(fn(std::declval<Connection&>())) {
    using R = decltype(fn(std::declval<Connection&>()));
    std::optional<R> out;
    run_write([&](Connection& c, bool) { out.emplace(fn(c)); });
    return std::move(*out);
}

}  // namespace ujumbe::db
