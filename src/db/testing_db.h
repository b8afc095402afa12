#pragma once
// Test support: a fresh, migrated database of either engine, dropped when
// the test ends. PostgreSQL needs UJUMBE_TEST_PG_URL (make test starts a
// throwaway cluster and sets it); without it PostgreSQL tests are skipped.

#include <memory>
#include <string>

#include "db/database.h"

namespace ujumbe::db::testing {

class TestDatabase {
public:
    // nullptr (with `why` set) when the engine is not available here.
    static std::unique_ptr<TestDatabase> create(Dialect dialect, std::string& why);
    ~TestDatabase();

    Database& db() { return *db_; }

private:
    TestDatabase() = default;
    std::unique_ptr<Database> db_;
    std::string sqlite_path_;
    std::string pg_admin_url_;
    std::string pg_database_;
};

std::string dialect_name(Dialect d);

}  // namespace ujumbe::db::testing
