#pragma once
// SQLite implementation of db::Connection: WAL, prepared statements cached
// per connection, $N parameters bound by name.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "db/connection.h"
#include "db/sqlite/wal_gate.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ujumbe::db {

struct SqliteOptions {
    bool read_only = false;
    std::string synchronous = "NORMAL";  // NORMAL or FULL
    int busy_timeout_ms = 10000;
    // The connection's page cache (SQLite's default is about 2 MB).
    int cache_kib = 2000;
};

class SqliteConnection final : public Connection {
public:
    // `path` is a file path or ":memory:".
    static Result<std::unique_ptr<SqliteConnection>> open(const std::string& path,
                                                          const SqliteOptions& options);
    ~SqliteConnection() override;

    Dialect dialect() const override { return Dialect::kSqlite; }
    Result<QueryResult> run(std::string_view sql, std::span<const Value> params) override;
    Status run_script(std::string_view sql) override;
    Status begin_write() override;
    Status commit() override;
    Status rollback() override;

    // `report(pages)` runs after each commit with the WAL's size in pages,
    // in place of SQLite's automatic checkpoints (sqlite_checkpointer.h).
    void on_wal_commit(std::function<void(int)> report);
    // Copies what is left of the WAL into the database and waits up to
    // `wait_ms` for the readers still using it (and a checkpoint in
    // progress) to finish, so that the next commit writes the WAL from its
    // start (and cuts a file grown past the journal size limit back to it).
    // False when they did not. For the writer's own thread, between
    // transactions or in its commit report.
    bool restart_wal(int wait_ms);
    // A passive checkpoint: copies the WAL frames no reader still needs and
    // waits for nobody. The frames it had to leave behind (0: it copied
    // them all); nullopt when another checkpoint was running.
    Result<std::optional<int>> passive_checkpoint();
    // A reader's statements pass `gate` (null: none), which the writer
    // closes to restart the WAL.
    void set_wal_gate(WalGate* gate) { gate_ = gate; }

private:
    struct Statement {
        sqlite3_stmt* stmt = nullptr;
        std::vector<int> param_for_slot;  // slot i (1-based - 1) takes params[param_for_slot[i]]
    };
    explicit SqliteConnection(sqlite3* db) : db_(db) {}
    Result<Statement*> prepare(std::string_view sql);
    Error last_error(std::string_view context) const;

    sqlite3* db_;
    int busy_timeout_ms_ = 0;
    WalGate* gate_ = nullptr;
    std::function<void(int)> wal_report_;
    std::unordered_map<std::string, Statement, StringHash, std::equal_to<>> statements_;
};

}  // namespace ujumbe::db
