#include "db/postgres/postgres_connection.h"

#include <libpq-fe.h>

#include <cstring>

#include "core/log.h"

namespace ujumbe::db {

namespace {

struct ResultGuard {
    PGresult* res;
    ~ResultGuard() { PQclear(res); }
};

void ignore_notice(void*, const char*) {}

}  // namespace

Result<std::unique_ptr<PostgresConnection>> PostgresConnection::open(const std::string& url) {
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        std::string message = conn ? PQerrorMessage(conn) : "out of memory";
        PQfinish(conn);
        while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
            message.pop_back();
        return Error::database_unavailable("cannot connect to PostgreSQL: " + message);
    }
    PQsetNoticeProcessor(conn, ignore_notice, nullptr);
    return std::unique_ptr<PostgresConnection>(new PostgresConnection(conn));
}

PostgresConnection::~PostgresConnection() {
    PQfinish(conn_);
}

Status PostgresConnection::ensure_connected() {
    if (PQstatus(conn_) == CONNECTION_OK) return {};
    if (in_transaction_)
        return Error::database_unavailable("database connection lost mid-transaction");
    PQreset(conn_);
    prepared_.clear();
    if (PQstatus(conn_) != CONNECTION_OK)
        return Error::database_unavailable("database unreachable");
    return {};
}

Error PostgresConnection::error_from(PGresult* res, std::string_view context) const {
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string message = res ? PQresultErrorMessage(res) : PQerrorMessage(conn_);
    if (state && std::strcmp(state, "23505") == 0) {
        const char* constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
        Error e = Error::conflict("UNIQUE_VIOLATION", "A record with these values already exists");
        e.details = {{"constraint", constraint ? constraint : ""}};
        return e;
    }
    const std::string_view sqlstate = state ? state : "";
    // Faults that pass: the server went away (class 08, shutting down or
    // starting up: 57P01-57P03) or its disk is full (53100).
    if (PQstatus(conn_) != CONNECTION_OK || sqlstate.starts_with("08") ||
        sqlstate.starts_with("57P")) {
        log::debug("postgres unreachable", {{"sqlstate", sqlstate}, {"error", message}});
        return Error::database_unavailable("database unreachable");
    }
    if (sqlstate == "53100") {
        log::debug("postgres disk full", {{"error", message}});
        return Error::storage_full("the database's disk is full");
    }
    log::error("postgres error", {{"sqlstate", sqlstate}, {"error", message}, {"sql", context}});
    return Error::internal("database error");
}

Result<QueryResult> PostgresConnection::run(std::string_view sql, std::span<const Value> params) {
    UJ_TRY(ensure_connected());
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
        const std::string key(sql);
        if (prepared_.size() >= kMaxCachedStatements) {
            ResultGuard dropped{PQexec(conn_, "DEALLOCATE ALL")};
            if (PQresultStatus(dropped.res) != PGRES_COMMAND_OK)
                return error_from(dropped.res, "DEALLOCATE ALL");
            prepared_.clear();
        }
        std::string name = "s" + std::to_string(prepared_.size() + 1);
        ResultGuard prep{PQprepare(conn_, name.c_str(), key.c_str(), 0, nullptr)};
        if (PQresultStatus(prep.res) != PGRES_COMMAND_OK) return error_from(prep.res, sql);
        it = prepared_.emplace(key, std::move(name)).first;
    }
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (std::size_t i = 0; i < params.size(); ++i) {
        std::visit(
            [&](const auto& v) {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, std::nullptr_t>)
                    return;
                else if constexpr (std::is_same_v<T, std::int64_t>)
                    texts[i] = std::to_string(v);
                else if constexpr (std::is_same_v<T, bool>)
                    texts[i] = v ? "t" : "f";
                else
                    texts[i] = v;
                values[i] = texts[i].c_str();
            },
            params[i]);
    }
    ResultGuard res{PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()),
                                   values.data(), nullptr, nullptr, 0)};
    const auto status = PQresultStatus(res.res);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return error_from(res.res, sql);
    QueryResult result;
    const int rows = PQntuples(res.res);
    const int columns = PQnfields(res.res);
    result.rows.reserve(static_cast<std::size_t>(rows));
    for (int r = 0; r < rows; ++r) {
        std::vector<std::optional<std::string>> cells;
        cells.reserve(static_cast<std::size_t>(columns));
        for (int c = 0; c < columns; ++c) {
            if (PQgetisnull(res.res, r, c))
                cells.emplace_back();
            else
                cells.emplace_back(
                    std::string(PQgetvalue(res.res, r, c),
                                static_cast<std::size_t>(PQgetlength(res.res, r, c))));
        }
        result.rows.emplace_back(std::move(cells));
    }
    const char* affected = PQcmdTuples(res.res);
    if (affected && *affected) result.affected = std::stoll(affected);
    return result;
}

Status PostgresConnection::run_script(std::string_view sql) {
    UJ_TRY(ensure_connected());
    const std::string text(sql);
    ResultGuard res{PQexec(conn_, text.c_str())};
    const auto status = PQresultStatus(res.res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return error_from(res.res, sql);
    return {};
}

Status PostgresConnection::begin_write() {
    UJ_TRY(run_script("BEGIN"));
    in_transaction_ = true;
    return {};
}

Status PostgresConnection::commit() {
    in_transaction_ = false;
    return run_script("COMMIT");
}

Status PostgresConnection::rollback() {
    in_transaction_ = false;
    return run_script("ROLLBACK");
}

}  // namespace ujumbe::db
