#pragma once
// PostgreSQL implementation of db::Connection over libpq: statements are
// prepared once per connection and executed with text parameters; a broken
// connection is reset before the next statement.

#include <memory>
#include <string>
#include <unordered_map>

#include "db/connection.h"

struct pg_conn;
struct pg_result;

namespace ujumbe::db {

class PostgresConnection final : public Connection {
public:
    static Result<std::unique_ptr<PostgresConnection>> open(const std::string& url);
    ~PostgresConnection() override;

    Dialect dialect() const override { return Dialect::kPostgres; }
    Result<QueryResult> run(std::string_view sql, std::span<const Value> params) override;
    Status run_script(std::string_view sql) override;
    Status begin_write() override;
    Status commit() override;
    Status rollback() override;

private:
    explicit PostgresConnection(pg_conn* conn) : conn_(conn) {}
    Status ensure_connected();
    Error error_from(pg_result* res, std::string_view context) const;

    pg_conn* conn_;
    std::unordered_map<std::string, std::string, StringHash, std::equal_to<>>
        prepared_;  // sql -> statement name
    bool in_transaction_ = false;
};

}  // namespace ujumbe::db
