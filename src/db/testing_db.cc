#include "db/testing_db.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "core/ids.h"
#include "db/migrations.h"
#include "db/postgres/postgres_connection.h"

namespace ujumbe::db::testing {

std::string dialect_name(Dialect d) {
    return d == Dialect::kSqlite ? "Sqlite" : "Postgres";
}

namespace {
// postgresql://user@host:port/db -> the same URL naming `database`.
std::string with_database(const std::string& url, const std::string& database) {
    const auto scheme = url.find("://");
    const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    const auto query = url.find('?');
    std::string base = slash == std::string::npos ? url : url.substr(0, slash);
    std::string tail = query == std::string::npos ? "" : url.substr(query);
    return base + "/" + database + tail;
}
}  // namespace

std::unique_ptr<TestDatabase> TestDatabase::create(Dialect dialect, std::string& why) {
    std::unique_ptr<TestDatabase> t(new TestDatabase());
    std::string suffix = new_uuid_v7();
    suffix.erase(std::remove(suffix.begin(), suffix.end(), '-'), suffix.end());
    std::string url;
    if (dialect == Dialect::kSqlite) {
        t->sqlite_path_ =
            (std::filesystem::temp_directory_path() / ("ujumbe_test_" + suffix + ".db")).string();
        url = "sqlite:" + t->sqlite_path_;
    } else {
        const char* admin = std::getenv("UJUMBE_TEST_PG_URL");
        if (!admin || !*admin) {
            why = "UJUMBE_TEST_PG_URL is not set (make test sets it)";
            return nullptr;
        }
        t->pg_admin_url_ = admin;
        t->pg_database_ = "ujumbe_unit_" + suffix;
        auto conn = PostgresConnection::open(t->pg_admin_url_);
        if (!conn) {
            why = conn.error().message;
            return nullptr;
        }
        if (auto s = (*conn)->run_script("CREATE DATABASE " + t->pg_database_); !s) {
            why = s.error().message;
            return nullptr;
        }
        url = with_database(t->pg_admin_url_, t->pg_database_);
    }
    DatabaseOptions options;
    options.threads = 3;
    auto db = Database::open(url, options);
    if (!db) {
        why = db.error().message;
        return nullptr;
    }
    t->db_ = std::move(*db);
    if (auto m = migrate(*t->db_); !m) {
        why = m.error().message;
        return nullptr;
    }
    return t;
}

TestDatabase::~TestDatabase() {
    if (db_) db_->stop();
    db_.reset();
    if (!sqlite_path_.empty()) {
        for (const char* ext : {"", "-wal", "-shm"}) std::remove((sqlite_path_ + ext).c_str());
    }
    if (!pg_database_.empty()) {
        if (auto conn = PostgresConnection::open(pg_admin_url_); conn)
            (void)(*conn)->run_script("DROP DATABASE IF EXISTS " + pg_database_ + " WITH (FORCE)");
    }
}

}  // namespace ujumbe::db::testing
