// Database layer contract, run on SQLite and on PostgreSQL.

#include "db/database.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "db/filter.h"
#include "db/migrations.h"
#include "db/store_support.h"
#include "db/testing_db.h"

namespace ujumbe::db {

class DatabaseTest : public ::testing::TestWithParam<Dialect> {
protected:
    void SetUp() override {
        std::string why;
        test_ = testing::TestDatabase::create(GetParam(), why);
        if (!test_) GTEST_SKIP() << why;
        ASSERT_TRUE(db().write([](Connection& c) {
            return c.run_script(
                "CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT NOT NULL UNIQUE, flag "
                "BOOLEAN)");
        }));
    }
    Database& db() { return test_->db(); }
    std::int64_t count() {
        auto r = db().read([](Connection& c) { return c.query_one("SELECT COUNT(*) FROM notes"); });
        return r && *r ? (*r)->i64(0) : -1;
    }
    std::unique_ptr<testing::TestDatabase> test_;
};

TEST_P(DatabaseTest, WriteCommitsAndReadSeesIt) {
    ASSERT_TRUE(db().write([](Connection& c) {
        return c.execute("INSERT INTO notes (id, body, flag) VALUES ($1, $2, $3)",
                         {std::int64_t{1}, std::string("hello"), true});
    }));
    auto row = db().read([](Connection& c) {
        return c.query_one("SELECT id, body, flag FROM notes WHERE id = $1", {std::int64_t{1}});
    });
    ASSERT_TRUE(row && *row);
    EXPECT_EQ((*row)->i64(0), 1);
    EXPECT_EQ((*row)->text(1), "hello");
    EXPECT_TRUE((*row)->boolean(2));
}

TEST_P(DatabaseTest, FailedWriteRollsBackEverything) {
    auto result = db().write([](Connection& c) -> Status {
        UJ_TRY(c.execute("INSERT INTO notes (id, body) VALUES ($1, $2)",
                         {std::int64_t{1}, std::string("a")}));
        return Error::invalid("body", "changed my mind");
    });
    EXPECT_FALSE(result);
    EXPECT_EQ(count(), 0);
}

TEST_P(DatabaseTest, ThrowingWriteRollsBackAndRethrows) {
    EXPECT_THROW((void)db().write([](Connection& c) -> Status {
        (void)c.execute("INSERT INTO notes (id, body) VALUES ($1, $2)",
                        {std::int64_t{1}, std::string("a")});
        throw std::runtime_error("bug");
    }),
                 std::runtime_error);
    EXPECT_EQ(count(), 0);
}

TEST_P(DatabaseTest, UniqueViolationIsAConflict) {
    auto insert = [&](std::int64_t id) {
        return db().write([id](Connection& c) {
            return c.execute("INSERT INTO notes (id, body) VALUES ($1, $2)",
                             {id, std::string("same")});
        });
    };
    ASSERT_TRUE(insert(1));
    auto second = insert(2);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, ErrorCode::kConflict);
    EXPECT_EQ(second.error().error_code, "UNIQUE_VIOLATION");
}

TEST_P(DatabaseTest, NestedWriteJoinsTheOuterTransaction) {
    auto result = db().write([&](Connection& c) -> Status {
        UJ_TRY(c.execute("INSERT INTO notes (id, body) VALUES ($1, $2)",
                         {std::int64_t{1}, std::string("outer")}));
        UJ_TRY(db().write([](Connection& inner) {
            return inner.execute("INSERT INTO notes (id, body) VALUES ($1, $2)",
                                 {std::int64_t{2}, std::string("inner")});
        }));
        return Error::invalid("x", "roll back both");
    });
    EXPECT_FALSE(result);
    EXPECT_EQ(count(), 0);
}

TEST_P(DatabaseTest, EventListenersHearCommitsThatAppendedEventsOnly) {
    std::atomic<int> heard{0};
    const int handle = db().on_events_committed([&] { ++heard; });
    auto appended = [](Connection& c) -> Status {
        c.note_events_appended();
        return {};
    };
    ASSERT_TRUE(db().write(appended));
    EXPECT_EQ(heard, 1);
    // A write without events, one rolled back, and one nested in another
    // (heard once, when the outer commits).
    ASSERT_TRUE(db().write([](Connection&) -> Status { return {}; }));
    EXPECT_FALSE(db().write([&](Connection& c) -> Status {
        UJ_TRY(appended(c));
        return Error::invalid("x", "roll back");
    }));
    EXPECT_EQ(heard, 1);
    // The rollback cleared the mark: the next commit without events is silent.
    ASSERT_TRUE(db().write([](Connection&) -> Status { return {}; }));
    EXPECT_EQ(heard, 1);
    ASSERT_TRUE(db().write([&](Connection&) -> Status {
        UJ_TRY(db().write(appended));
        EXPECT_EQ(heard, 1);
        return {};
    }));
    EXPECT_EQ(heard, 2);
    db().forget_listener(handle);
    ASSERT_TRUE(db().write(appended));
    EXPECT_EQ(heard, 2);
}

TEST_P(DatabaseTest, NullsAndAffectedRows) {
    ASSERT_TRUE(db().write([](Connection& c) {
        return c.execute("INSERT INTO notes (id, body, flag) VALUES ($1, $2, $3)",
                         {std::int64_t{7}, std::string("n"), nullptr});
    }));
    auto changed = db().write([](Connection& c) {
        return c.execute("UPDATE notes SET body = $2 WHERE id = $1",
                         {std::int64_t{7}, std::string("m")});
    });
    ASSERT_TRUE(changed);
    EXPECT_EQ(*changed, 1);
    auto row =
        db().read([](Connection& c) { return c.query_one("SELECT flag FROM notes WHERE id = 7"); });
    ASSERT_TRUE(row && *row);
    EXPECT_TRUE((*row)->is_null(0));
    EXPECT_FALSE((*row)->opt_i64(0));
}

TEST_P(DatabaseTest, StatementCacheStartsOverWhenFullAndKeepsWorking) {
    // More distinct statement texts than the cache holds, inside one
    // transaction, then the first text again.
    auto sum = db().write([](Connection& c) -> Result<std::int64_t> {
        std::int64_t total = 0;
        for (std::size_t i = 0; i < kMaxCachedStatements + 20; ++i) {
            UJ_ASSIGN(auto row, c.query_one("SELECT $1 + " + std::to_string(i), {std::int64_t{1}}));
            total += row->i64(0);
        }
        UJ_ASSIGN(auto again, c.query_one("SELECT $1 + 0", {std::int64_t{5}}));
        return total + again->i64(0);
    });
    ASSERT_TRUE(sum) << sum.error().message;
    const auto n = static_cast<std::int64_t>(kMaxCachedStatements + 20);
    EXPECT_EQ(*sum, n + n * (n - 1) / 2 + 5);
}

TEST_P(DatabaseTest, ConcurrentWritersFromManyThreadsAllLand) {
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 25; ++i) {
                const std::int64_t id = t * 1000 + i;
                auto r = db().write([id](Connection& c) {
                    return c.execute("INSERT INTO notes (id, body) VALUES ($1, $2)",
                                     {id, "note " + std::to_string(id)});
                });
                if (!r) ++failures;
            }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(count(), 200);
}

TEST_P(DatabaseTest, PostedTasksRunOnDatabaseThreads) {
    std::promise<std::thread::id> ran;
    db().post([&](Connection&) { ran.set_value(std::this_thread::get_id()); });
    EXPECT_NE(ran.get_future().get(), std::this_thread::get_id());
}

TEST_P(DatabaseTest, MigratingAgainAppliesNothing) {
    auto again = migrate(db());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->applied, 0);
    EXPECT_GE(again->current_version, 1);
}

TEST_P(DatabaseTest, FilterBuildsNumberedConditions) {
    for (std::int64_t i = 1; i <= 5; ++i)
        ASSERT_TRUE(db().write([i](Connection& c) {
            return c.execute("INSERT INTO notes (id, body) VALUES ($1, $2)",
                             {i, i % 2 ? "odd_" + std::to_string(i) : "even%" + std::to_string(i)});
        }));
    Filter f({std::int64_t{1}});
    f.where("id > $1");
    f.add("lower(body) LIKE {} ESCAPE '\\'", like_contains("EVEN%"));
    auto rows = db().read([&](Connection& c) {
        return c.run("SELECT id FROM notes" + f.sql() + " ORDER BY id", f.params());
    });
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->rows.size(), 2u);
    EXPECT_EQ(rows->rows[0].i64(0), 2);
    EXPECT_EQ(rows->rows[1].i64(0), 4);
}

// Every key is looked up once, whatever the list sizes it is cut into.
TEST_P(DatabaseTest, ForIdsFindsEachKeyOnceAtEveryListSize) {
    ASSERT_TRUE(db().write([](Connection& c) -> Status {
        for (std::int64_t i = 1; i <= 600; ++i)
            UJ_TRY(c.execute("INSERT INTO notes (id, body) VALUES ($1, $2)",
                             {i, "n" + std::to_string(i)}));
        return {};
    }));
    for (std::size_t n : {0u, 1u, 2u, 4u, 5u, 17u, 64u, 65u, 256u, 257u, 600u}) {
        std::vector<std::string> keys;
        for (std::size_t i = 1; i <= n; ++i) keys.push_back("n" + std::to_string(i));
        keys.push_back("missing");  // matches nothing
        std::vector<std::int64_t> found;
        ASSERT_TRUE(db().read([&](Connection& c) {
            return for_ids(c, "SELECT id FROM notes WHERE id > $1 AND body", "", {std::int64_t{0}},
                           keys, [&](QueryResult& r) -> Status {
                               for (const auto& row : r.rows) found.push_back(row.i64(0));
                               return {};
                           });
        })) << n;
        std::sort(found.begin(), found.end());
        ASSERT_EQ(found.size(), n) << n;
        for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(found[i], static_cast<std::int64_t>(i + 1));
    }
}

INSTANTIATE_TEST_SUITE_P(Engines, DatabaseTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) { return testing::dialect_name(info.param); });

// SQLite only: a page limit on the writer's connection stands in for a full
// disk (the limit is per connection; the writer thread's is the only one
// that writes, and on_writer runs there).
TEST(SqliteDiskFull, IsAFaultFromAFailedWriteUntilAWriteSucceeds) {
    std::string why;
    auto test = testing::TestDatabase::create(Dialect::kSqlite, why);
    ASSERT_TRUE(test) << why;
    Database& db = test->db();
    ASSERT_TRUE(db.write([](Connection& c) {
        return c.run_script("CREATE TABLE blobs (id BIGINT PRIMARY KEY, body TEXT NOT NULL)");
    }));
    auto set_max_pages = [&](const std::string& pages) {
        return db.on_writer([&](Connection& c) -> Status {
            std::string limit = pages;
            if (limit.empty()) {  // one page more than the file has now
                UJ_ASSIGN(auto count, c.query_one("PRAGMA page_count"));
                if (!count) return Error::internal("no page count");
                limit = std::to_string(count->i64(0) + 1);
            }
            UJ_TRY(c.query("PRAGMA max_page_count = " + limit));
            return {};
        });
    };
    // Far more than one page and than any free pages the migrations left.
    auto insert_blob = [&](std::int64_t id) {
        return db.write([id](Connection& c) {
            return c.execute("INSERT INTO blobs (id, body) VALUES ($1, $2)",
                             {id, std::string(std::size_t{1} << 20, 'x')});
        });
    };
    EXPECT_EQ(db.health().fault, Database::Fault::kNone);
    EXPECT_EQ(db.health().since, 0);

    ASSERT_TRUE(set_max_pages(""));
    auto full = insert_blob(1);
    ASSERT_FALSE(full);
    EXPECT_EQ(full.error().code, ErrorCode::kInsufficientStorage);
    EXPECT_EQ(full.error().error_code, "INSUFFICIENT_STORAGE");
    EXPECT_EQ(full.error().retry_after_s, 30);
    const auto health = db.health();
    EXPECT_EQ(health.fault, Database::Fault::kStorageFull);
    EXPECT_GT(health.since, 0);

    // A read proves the database answers, not that its disk has room.
    auto rows = db.read([](Connection& c) { return c.query_one("SELECT COUNT(*) FROM blobs"); });
    ASSERT_TRUE(rows && *rows);
    EXPECT_EQ((*rows)->i64(0), 0);
    EXPECT_EQ(db.health().fault, Database::Fault::kStorageFull);
    EXPECT_EQ(db.health().since, health.since);

    ASSERT_TRUE(set_max_pages("1073741823"));
    ASSERT_TRUE(insert_blob(2));
    EXPECT_EQ(db.health().fault, Database::Fault::kNone);
}

TEST(DatabaseUrl, RejectsUnknownSchemes) {
    auto db = Database::open("mysql://localhost/x", {});
    ASSERT_FALSE(db);
    EXPECT_TRUE(db.error().errors.count("database_url"));
}

}  // namespace ujumbe::db
