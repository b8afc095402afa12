// A backup is a whole copy of what was committed, written only once whole;
// a file that is no database of ours, or holds a NULL where none may be,
// is refused before it is restored.

#include "db/backup.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/ids.h"
#include "db/sqlite/sqlite_connection.h"

namespace ujumbe::db {
namespace {

namespace fs = std::filesystem;

class SqliteBackupTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("ujumbe-backup-" + new_uuid_v7(0));
        fs::create_directories(dir_);
        source_ = (dir_ / "source.db").string();
        auto c = SqliteConnection::open(source_, {});
        ASSERT_TRUE(c);
        db_ = std::move(*c);
        // A table keyed WITHOUT ROWID, as the request log is: SQLite 3.40
        // reports false NULLs in such tables.
        ASSERT_TRUE(db_->run_script(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at BIGINT NOT NULL);"
            "INSERT INTO schema_migrations VALUES (7, 'seven', 0);"
            "CREATE TABLE lines (id TEXT NOT NULL, account TEXT NOT NULL, at BIGINT NOT NULL, "
            "PRIMARY KEY (at, id)) WITHOUT ROWID;"
            "CREATE INDEX lines_account ON lines (account, at, id);"));
        for (int i = 0; i < 500; ++i)
            ASSERT_TRUE(db_->execute("INSERT INTO lines VALUES ($1, 'a', $2)",
                                     {"l" + std::to_string(i), std::int64_t{i}}));
    }
    void TearDown() override {
        db_.reset();
        fs::remove_all(dir_);
    }
    std::string path(const char* name) const { return (dir_ / name).string(); }

    fs::path dir_;
    std::string source_;
    std::unique_ptr<SqliteConnection> db_;
};

TEST_F(SqliteBackupTest, ACopyHoldsWhatWasCommittedAndItsSchemaVersion) {
    ASSERT_TRUE(backup_sqlite(source_, path("copy.db")));
    EXPECT_FALSE(fs::exists(path("copy.db.partial")));
    auto version = backup_schema_version(path("copy.db"));
    ASSERT_TRUE(version) << version.error().message;
    EXPECT_EQ(*version, 7);
    auto copy = SqliteConnection::open(path("copy.db"), {.read_only = true});
    ASSERT_TRUE(copy);
    auto n = (*copy)->query_one("SELECT COUNT(*) FROM lines");
    ASSERT_TRUE(n && *n);
    EXPECT_EQ((*n)->i64(0), 500);
}

TEST_F(SqliteBackupTest, AnExistingFileIsNeverWrittenOver) {
    std::ofstream(path("taken.db")) << "mine";
    auto done = backup_sqlite(source_, path("taken.db"));
    ASSERT_FALSE(done);
    EXPECT_NE(done.error().message.find("exists"), std::string::npos);
    std::ifstream in(path("taken.db"));
    std::string kept;
    in >> kept;
    EXPECT_EQ(kept, "mine");
    EXPECT_FALSE(backup_sqlite(path("missing.db"), path("other.db")));
}

TEST_F(SqliteBackupTest, WhatIsNoDatabaseOfOursIsRefused) {
    std::ofstream(path("text.db")) << "not a database at all, just some words";
    EXPECT_FALSE(backup_schema_version(path("text.db")));
    EXPECT_FALSE(backup_schema_version(path("nothing-here.db")));
    auto other = SqliteConnection::open(path("other.db"), {});
    ASSERT_TRUE(other);
    ASSERT_TRUE((*other)->run_script("CREATE TABLE t (x INTEGER)"));
    other->reset();
    auto refused = backup_schema_version(path("other.db"));
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("schema_migrations"), std::string::npos);
}

TEST_F(SqliteBackupTest, ARealNullWhereNoneMayBeIsDamage) {
    // Only a damaged file can hold one: written past the constraint.
    ASSERT_TRUE(
        db_->run_script("PRAGMA writable_schema = ON;"
                        "UPDATE sqlite_schema SET sql = replace(sql, 'account TEXT NOT "
                        "NULL', 'account TEXT') WHERE name = 'lines';"));
    db_.reset();
    {
        auto again = SqliteConnection::open(source_, {});
        ASSERT_TRUE(again);
        ASSERT_TRUE((*again)->execute("INSERT INTO lines VALUES ('n', NULL, 9999)"));
        ASSERT_TRUE((*again)->run_script(
            "PRAGMA writable_schema = ON;"
            "UPDATE sqlite_schema SET sql = replace(sql, 'account TEXT,', 'account TEXT NOT "
            "NULL,') WHERE name = 'lines';"));
    }
    auto refused = backup_schema_version(source_);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("damaged"), std::string::npos);
}

}  // namespace
}  // namespace ujumbe::db
