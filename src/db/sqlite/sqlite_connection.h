#pragma once
// SQLite implementation of db::Connection: WAL, prepared statements cached
// per connection, $N parameters bound by name.

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "db/connection.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ujumbe::db {

struct SqliteOptions {
    bool read_only = false;
    std::string synchronous = "NORMAL";  // NORMAL or FULL
    int busy_timeout_ms = 10000;
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

private:
    struct Statement {
        sqlite3_stmt* stmt = nullptr;
        std::vector<int> param_for_slot;  // slot i (1-based - 1) takes params[param_for_slot[i]]
    };
    explicit SqliteConnection(sqlite3* db) : db_(db) {}
    Result<Statement*> prepare(std::string_view sql);
    Error last_error(std::string_view context) const;

    sqlite3* db_;
    std::function<void(int)> wal_report_;
    std::unordered_map<std::string, Statement, StringHash, std::equal_to<>> statements_;
};

}  // namespace ujumbe::db
