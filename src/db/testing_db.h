#pragma once
// Test support: a fresh, migrated database of either engine, dropped when
// the test ends. PostgreSQL needs UJUMBE_TEST_PG_URL (make test starts a
// throwaway cluster and sets it); without it PostgreSQL tests are skipped.

#include <gtest/gtest.h>

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

// A test run on each engine (TEST_P): a fresh, migrated database, or the
// test skipped when the engine is not available here. A fixture that adds
// to SetUp() calls EngineTest::SetUp() first and returns if IsSkipped().
//   INSTANTIATE_TEST_SUITE_P(Engines, MyTest, engines(), EngineName());
class EngineTest : public ::testing::TestWithParam<Dialect> {
protected:
    void SetUp() override {
        std::string why;
        test_ = TestDatabase::create(GetParam(), why);
        if (!test_) GTEST_SKIP() << why;
    }
    Database& db() { return test_->db(); }

    std::unique_ptr<TestDatabase> test_;
};

inline auto engines() {
    return ::testing::Values(Dialect::kSqlite, Dialect::kPostgres);
}
struct EngineName {
    std::string operator()(const ::testing::TestParamInfo<Dialect>& info) const {
        return dialect_name(info.param);
    }
};

}  // namespace ujumbe::db::testing
