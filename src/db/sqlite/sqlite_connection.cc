#include "db/sqlite/sqlite_connection.h"

#include <sqlite3.h>

#include <algorithm>
#include <charconv>

#include "core/log.h"

namespace ujumbe::db {

namespace {
// Memory statistics make SQLite take a global mutex on every allocation,
// which profiles showed on the hot path; we never read them. Must run before
// SQLite initialises, hence once, before the first open.
void configure_sqlite_once() {
    static const bool configured = [] {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        return true;
    }();
    (void)configured;
}
}  // namespace

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::open(const std::string& path,
                                                                 const SqliteOptions& options) {
    configure_sqlite_once();
    sqlite3* db = nullptr;
    const int flags =
        (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
        SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
        std::string message = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        return Error::database_unavailable("cannot open SQLite database " + path + ": " + message);
    }
    std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));
    sqlite3_busy_timeout(db, options.busy_timeout_ms);
    conn->busy_timeout_ms_ = options.busy_timeout_ms;
    sqlite3_extended_result_codes(db, 1);
    std::string pragmas = "PRAGMA foreign_keys=ON; PRAGMA synchronous=" + options.synchronous +
                          "; PRAGMA cache_size=-" + std::to_string(options.cache_kib) + ";";
    if (!options.read_only) pragmas += "PRAGMA journal_mode=WAL;";
    UJ_TRY(conn->run_script(pragmas));
    return conn;
}

void SqliteConnection::on_wal_commit(std::function<void(int)> report) {
    wal_report_ = std::move(report);
    sqlite3_wal_hook(
        db_,
        [](void* self, sqlite3*, const char*, int pages) {
            static_cast<SqliteConnection*>(self)->wal_report_(pages);
            return SQLITE_OK;
        },
        this);
}

bool SqliteConnection::restart_wal(int wait_ms) {
    sqlite3_busy_timeout(db_, wait_ms);
    const int rc =
        sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
    sqlite3_busy_timeout(db_, busy_timeout_ms_);
    return rc == SQLITE_OK;
}

Result<std::optional<int>> SqliteConnection::passive_checkpoint() {
    int frames = 0, copied = 0;
    const int rc =
        sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
    if (rc == SQLITE_BUSY) return std::optional<int>{};
    if (rc != SQLITE_OK) return last_error("checkpoint");
    return std::optional<int>(std::max(0, frames - copied));
}

SqliteConnection::~SqliteConnection() {
    for (auto& [sql, s] : statements_) sqlite3_finalize(s.stmt);
    sqlite3_close_v2(db_);
}

Error SqliteConnection::last_error(std::string_view context) const {
    const int code = sqlite3_extended_errcode(db_);
    std::string message = sqlite3_errmsg(db_);
    if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) {
        Error e = Error::conflict("UNIQUE_VIOLATION", "A record with these values already exists");
        e.details = {{"constraint", message}};
        return e;
    }
    // Faults that pass: a full disk, an I/O error, a file busy in another process.
    switch (code & 0xff) {
        case SQLITE_FULL:
            log::debug("sqlite disk full", {{"error", message}});
            return Error::storage_full("the database's disk is full");
        case SQLITE_IOERR:
        case SQLITE_BUSY:
            log::debug("sqlite unavailable", {{"code", code}, {"error", message}});
            return Error::database_unavailable("database unavailable");
        default:
            break;
    }
    log::error("sqlite error", {{"code", code}, {"error", message}, {"sql", context}});
    return Error::internal("database error");
}

Result<SqliteConnection::Statement*> SqliteConnection::prepare(std::string_view sql) {
    auto it = statements_.find(sql);
    if (it != statements_.end()) return &it->second;
    if (statements_.size() >= kMaxCachedStatements) {
        // run() resets each statement before it returns: none is in use here.
        for (auto& [text, cached] : statements_) sqlite3_finalize(cached.stmt);
        statements_.clear();
    }
    Statement s;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &s.stmt, nullptr) != SQLITE_OK)
        return last_error(sql);
    const int slots = sqlite3_bind_parameter_count(s.stmt);
    for (int i = 1; i <= slots; ++i) {
        const char* name = sqlite3_bind_parameter_name(s.stmt, i);
        int index = 0;
        if (!name || name[0] != '$' ||
            std::from_chars(name + 1, name + std::char_traits<char>::length(name), index).ec !=
                std::errc{} ||
            index < 1) {
            sqlite3_finalize(s.stmt);
            return Error::internal("SQL parameters must be $1..$N");
        }
        s.param_for_slot.push_back(index - 1);
    }
    return &statements_.emplace(std::string(sql), std::move(s)).first->second;
}

Result<QueryResult> SqliteConnection::run(std::string_view sql, std::span<const Value> params) {
    UJ_ASSIGN(Statement * s, prepare(sql));
    sqlite3_stmt* stmt = s->stmt;
    const WalGate::Pass pass(gate_);  // left after the reset below ends the read
    struct Reset {
        sqlite3_stmt* stmt;
        ~Reset() {
            sqlite3_reset(stmt);
            sqlite3_clear_bindings(stmt);
        }
    } reset{stmt};
    for (std::size_t slot = 0; slot < s->param_for_slot.size(); ++slot) {
        const std::size_t index = static_cast<std::size_t>(s->param_for_slot[slot]);
        if (index >= params.size()) return Error::internal("missing SQL parameter");
        const int i = static_cast<int>(slot + 1);
        std::visit(
            [&](const auto& v) {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, std::nullptr_t>)
                    sqlite3_bind_null(stmt, i);
                else if constexpr (std::is_same_v<T, std::int64_t>)
                    sqlite3_bind_int64(stmt, i, v);
                else if constexpr (std::is_same_v<T, bool>)
                    sqlite3_bind_int(stmt, i, v ? 1 : 0);
                else
                    sqlite3_bind_text(stmt, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
            },
            params[index]);
    }
    QueryResult result;
    const int columns = sqlite3_column_count(stmt);
    for (;;) {
        const int rc = sqlite3_step(stmt);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) return last_error(sql);
        std::vector<std::optional<std::string>> cells;
        cells.reserve(static_cast<std::size_t>(columns));
        for (int c = 0; c < columns; ++c) {
            const int type = sqlite3_column_type(stmt, c);
            if (type == SQLITE_NULL) {
                cells.emplace_back();
            } else if (type == SQLITE_INTEGER) {
                // Formatted here: asking SQLite for text makes it allocate.
                char digits[24];
                const auto end =
                    std::to_chars(digits, digits + sizeof digits,
                                  static_cast<std::int64_t>(sqlite3_column_int64(stmt, c)));
                cells.emplace_back(std::string(digits, end.ptr));
            } else {
                const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
                cells.emplace_back(
                    std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c))));
            }
        }
        result.rows.emplace_back(std::move(cells));
    }
    if (!sqlite3_stmt_readonly(stmt)) result.affected = sqlite3_changes64(db_);
    return result;
}

Status SqliteConnection::run_script(std::string_view sql) {
    char* message = nullptr;
    const std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        sqlite3_free(message);
        return last_error(sql.substr(0, 200));
    }
    return {};
}

Status SqliteConnection::begin_write() {
    return run_script("BEGIN IMMEDIATE");
}
Status SqliteConnection::commit() {
    return run_script("COMMIT");
}
Status SqliteConnection::rollback() {
    // SQLite may have rolled back already (a full disk, an I/O error).
    if (sqlite3_get_autocommit(db_)) return {};
    return run_script("ROLLBACK");
}

}  // namespace ujumbe::db
