// The writer leaves WAL checkpoints to the checkpointer's thread.

#include "db/sqlite/sqlite_checkpointer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "core/ids.h"

namespace ujumbe::db {
namespace {

class SqliteCheckpointerTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("ujumbe-ckpt-" + new_uuid_v7(0));
        std::filesystem::create_directories(dir_);
        path_ = (dir_ / "test.db").string();
        auto writer = SqliteConnection::open(path_, {});
        ASSERT_TRUE(writer);
        writer_ = std::move(*writer);
        ASSERT_TRUE(writer_->run_script("CREATE TABLE pages (id INTEGER PRIMARY KEY, body TEXT)"));
    }
    void TearDown() override {
        checkpointer_.reset();
        writer_.reset();
        std::filesystem::remove_all(dir_);
    }
    // Commits `n` transactions, each writing at least a page.
    void write_pages(int n) {
        for (int i = 0; i < n; ++i)
            ASSERT_TRUE(
                writer_->execute("INSERT INTO pages (body) VALUES ($1)", {std::string(3000, 'x')}));
    }
    // Frames the WAL file holds (it is never truncated, only written over
    // from the start once a checkpoint copied all of it).
    std::uintmax_t wal_frames() const {
        constexpr std::uintmax_t kHeader = 32, kFrame = 24 + 4096;
        return (std::filesystem::file_size(path_ + "-wal") - kHeader) / kFrame;
    }
    std::uintmax_t database_pages() const { return std::filesystem::file_size(path_) / 4096; }

    std::filesystem::path dir_;
    std::string path_;
    std::unique_ptr<SqliteConnection> writer_;
    std::unique_ptr<SqliteCheckpointer> checkpointer_;
};

TEST_F(SqliteCheckpointerTest, TheWriterNoLongerCheckpointsItself) {
    auto started = SqliteCheckpointer::start(path_, {}, *writer_);
    ASSERT_TRUE(started);
    checkpointer_ = std::move(*started);
    checkpointer_->stop();  // nobody checkpoints now
    write_pages(SqliteCheckpointer::kPages + 300);
    // A checkpoint at 1,000 pages would have started the WAL over.
    EXPECT_GT(wal_frames(), SqliteCheckpointer::kPages + 200u);
    EXPECT_LT(database_pages(), 10u);
}

TEST_F(SqliteCheckpointerTest, ItsThreadCheckpointsOnceTheWalHasGrown) {
    auto started = SqliteCheckpointer::start(path_, {}, *writer_);
    ASSERT_TRUE(started);
    checkpointer_ = std::move(*started);
    write_pages(SqliteCheckpointer::kPages + 300);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (checkpointer_->checkpoints() == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_GE(checkpointer_->checkpoints(), 1);
    // The pages written are in the database file now.
    EXPECT_GT(database_pages(), SqliteCheckpointer::kPages / 2u);
}

TEST_F(SqliteCheckpointerTest, TheWalStartsOverEvenThoughReadersAreAlwaysInIt) {
    auto started = SqliteCheckpointer::start(path_, {}, *writer_);
    ASSERT_TRUE(started);
    checkpointer_ = std::move(*started);
    // Two readers running statements without a pause: at every moment one
    // of them reads, which keeps passive checkpoints from starting the WAL
    // over.
    std::atomic<bool> stop{false};
    std::vector<std::thread> readers;
    for (int r = 0; r < 2; ++r)
        readers.emplace_back([&, r] {
            auto reader = SqliteConnection::open(path_, {.read_only = true});
            ASSERT_TRUE(reader);
            (*reader)->set_wal_gate(&checkpointer_->gate());
            std::this_thread::sleep_for(std::chrono::microseconds(500 * r));
            while (!stop)
                ASSERT_TRUE((*reader)->query(
                    "SELECT count(*) FROM pages a, pages b WHERE a.id < 300 AND b.id < 300"));
        });
    write_pages(2 * SqliteCheckpointer::kRestartPages + SqliteCheckpointer::kPages);
    stop = true;
    for (auto& t : readers) t.join();
    EXPECT_GE(checkpointer_->restarts(), 1);
    // Without restarts the WAL would hold every page written.
    constexpr std::uintmax_t kFrame = 24 + 4096;
    EXPECT_LE(wal_frames(), SqliteCheckpointer::kJournalSizeLimit / kFrame +
                                SqliteCheckpointer::kRestartPages +
                                2u * SqliteCheckpointer::kPages);
    EXPECT_LT(wal_frames(), 2u * SqliteCheckpointer::kRestartPages);
}

}  // namespace
}  // namespace ujumbe::db
