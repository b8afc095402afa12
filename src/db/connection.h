#pragma once
// The database interface every store writes against. SQL is written once
// with $1-style parameters, valid in SQLite and PostgreSQL; where the
// dialects differ a store keeps both spellings side by side and picks by
// dialect(). A Connection is used by one thread at a time.

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/ids.h"
#include "core/result.h"

namespace ujumbe::db {

enum class Dialect { kSqlite, kPostgres };

// A bound parameter. Booleans bind as 0/1 in SQLite and true/false in PostgreSQL.
using Value = std::variant<std::nullptr_t, std::int64_t, bool, std::string>;

inline Value null() {
    return nullptr;
}
inline Value optional_text(const std::optional<std::string>& v) {
    return v ? Value(*v) : Value(nullptr);
}
template <typename Tag>
Value optional_id(const std::optional<Id<Tag>>& v) {
    return v ? Value(v->value) : Value(nullptr);
}
inline Value optional_int(const std::optional<std::int64_t>& v) {
    return v ? Value(*v) : Value(nullptr);
}

// One result row; cells are text as both engines return them.
class Row {
public:
    explicit Row(std::vector<std::optional<std::string>> cells) : cells_(std::move(cells)) {}
    std::size_t size() const { return cells_.size(); }
    bool is_null(std::size_t i) const { return !cells_.at(i).has_value(); }
    // The cell's text; "" for NULL.
    const std::string& text(std::size_t i) const;
    std::optional<std::string> opt_text(std::size_t i) const { return cells_.at(i); }
    // The cell as a strong id, e.g. row.id<AccountId>(0).
    template <typename IdType>
    IdType id(std::size_t i) const {
        return IdType{text(i)};
    }
    template <typename IdType>
    std::optional<IdType> opt_id(std::size_t i) const {
        if (is_null(i)) return std::nullopt;
        return IdType{text(i)};
    }
    std::int64_t i64(std::size_t i) const;  // 0 for NULL
    std::optional<std::int64_t> opt_i64(std::size_t i) const;
    bool boolean(std::size_t i) const;  // accepts 1/0, t/f, true/false

private:
    std::vector<std::optional<std::string>> cells_;
};

struct QueryResult {
    std::vector<Row> rows;
    std::int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE
};

// Lets statement caches keyed by SQL text be searched with a string_view,
// without building a std::string per query.
// Statements a connection keeps prepared. Past it the cache starts over:
// statements whose text varies (IN lists, multi-row inserts) must not grow
// it without bound.
constexpr std::size_t kMaxCachedStatements = 512;

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Who hears that a committed transaction appended to the events outbox
// (db/event_outbox.h): the webhooks dispatcher, so that it need not poll.
// Listeners run on the committing thread and must only signal; forget()
// returns once no call of the listener is running.
class CommitListeners {
public:
    // Returns a handle for forget().
    int on_events(std::function<void()> listener);
    void forget(int handle);
    void events_committed();

private:
    std::mutex mutex_;
    int next_ = 0;
    std::vector<std::pair<int, std::function<void()>>> on_events_;
};

class Connection {
public:
    virtual ~Connection() = default;
    virtual Dialect dialect() const = 0;

    // Runs one statement with parameters. Errors: kConflict with error_code
    // UNIQUE_VIOLATION for unique-constraint failures, kUnavailable when the
    // server cannot be reached, kInternal otherwise (details are logged, not
    // returned to API callers).
    virtual Result<QueryResult> run(std::string_view sql, std::span<const Value> params) = 0;
    // Runs several statements without parameters (migrations).
    virtual Status run_script(std::string_view sql) = 0;

    // Transactions. `begin_write` takes the write lock at once on SQLite
    // (BEGIN IMMEDIATE) so a transaction never fails half way on a busy lock.
    virtual Status begin_write() = 0;
    virtual Status commit() = 0;
    virtual Status rollback() = 0;

    Result<QueryResult> query(std::string_view sql, std::initializer_list<Value> params = {}) {
        return run(sql, std::span<const Value>(params.begin(), params.size()));
    }
    // The first row, or nullopt when there is none.
    Result<std::optional<Row>> query_one(std::string_view sql,
                                         std::initializer_list<Value> params = {});
    // Rows affected.
    Result<std::int64_t> execute(std::string_view sql, std::initializer_list<Value> params = {});

    // The open transaction appended events: listeners hear once it commits.
    void note_events_appended() { events_appended_ = true; }
    // Runs `fn` once the open transaction commits (on the committing
    // thread; it must be quick), and never when it rolls back. A savepoint
    // rolled back keeps what was asked within it.
    void after_commit(std::function<void()> fn) { after_commit_.push_back(std::move(fn)); }
    // Called by in_transaction when the transaction ends.
    void transaction_ended(bool committed) {
        if (committed && events_appended_ && listeners_) listeners_->events_committed();
        events_appended_ = false;
        auto then = std::exchange(after_commit_, {});
        if (committed)
            for (auto& fn : then) fn();
    }
    // Set by the Database that owns the connection.
    void set_listeners(CommitListeners* listeners) { listeners_ = listeners; }

private:
    CommitListeners* listeners_ = nullptr;
    bool events_appended_ = false;
    std::vector<std::function<void()>> after_commit_;
};

// Runs fn() (returning Result<T> or Status) between BEGIN and COMMIT; rolls
// back when it returns an error or throws.
template <typename F>
auto in_transaction(Connection& conn, F&& fn) -> decltype(fn()) {
    UJ_TRY(conn.begin_write());
    try {
        auto result = fn();
        if (!result) {
            (void)conn.rollback();
            conn.transaction_ended(false);
            return result;
        }
        auto committed = conn.commit();
        conn.transaction_ended(committed.ok());
        UJ_TRY(committed);
        return result;
    } catch (...) {
        (void)conn.rollback();
        conn.transaction_ended(false);
        throw;
    }
}

}  // namespace ujumbe::db
