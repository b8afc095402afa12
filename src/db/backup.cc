#include "db/backup.h"

#include <fcntl.h>
#include <unistd.h>

#include <sqlite3.h>

#include <filesystem>
#include <string_view>
#include <system_error>

#include "db/sqlite/sqlite_connection.h"

namespace ujumbe::db {

namespace fs = std::filesystem;

namespace {

std::string quoted(const std::string& name) {
    std::string out = "\"";
    for (char ch : name) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return out + "\"";
}

// SQLite 3.40 (Debian 12's) reports "NULL value in T.C" for NOT NULL
// columns of WITHOUT ROWID tables that hold none: believed only when a
// NULL is really there.
bool reports_a_null_that_is_not_there(Connection& c, const std::string& problem) {
    constexpr std::string_view kPrefix = "NULL value in ";
    if (!problem.starts_with(kPrefix)) return false;
    const std::string where = problem.substr(kPrefix.size());
    const auto dot = where.rfind('.');
    if (dot == std::string::npos) return false;
    // typeof(): `IS NULL` on a NOT NULL column is planned away as false.
    auto found = c.query_one("SELECT 1 FROM " + quoted(where.substr(0, dot)) + " WHERE typeof(" +
                             quoted(where.substr(dot + 1)) + ") = 'null' LIMIT 1");
    return found && !*found;
}

// Copies every page of the database into a new file with SQLite's online
// backup, inside one read transaction held on the source: the copy is the
// database as committed when it began while writers go on (WAL), and no
// write of theirs makes the copy start again. A page copy costs far less
// than VACUUM INTO's rebuilding of every table and index. It goes in steps,
// each flushed to the disk before the next: gigabytes of unwritten pages
// would otherwise stall the server's own fsyncs (its checkpoints) behind
// them.
Status copy_pages(const std::string& db_path, const std::string& out) {
    constexpr int kPagesPerStep = 2048;  // 8 MB of 4 KB pages
    sqlite3* source = nullptr;
    sqlite3* target = nullptr;
    int out_fd = -1;
    const auto close_all = [&] {
        if (out_fd >= 0) ::close(out_fd);
        sqlite3_close_v2(target);
        sqlite3_close_v2(source);
    };
    const auto fail = [&](const std::string& why) {
        close_all();
        return Status(Error::unavailable(why));
    };
    if (sqlite3_open_v2(db_path.c_str(), &source, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
        return fail("cannot read " + db_path + ": " +
                    (source ? sqlite3_errmsg(source) : "cannot open"));
    sqlite3_busy_timeout(source, 5000);
    if (sqlite3_exec(source, "BEGIN; SELECT count(*) FROM sqlite_master", nullptr, nullptr,
                     nullptr) != SQLITE_OK)
        return fail("cannot read " + db_path + ": " + sqlite3_errmsg(source));
    if (sqlite3_open_v2(out.c_str(), &target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        nullptr) != SQLITE_OK)
        return fail(target ? sqlite3_errmsg(target) : "cannot create");
    out_fd = ::open(out.c_str(), O_RDONLY | O_CLOEXEC);
    sqlite3_backup* backup = sqlite3_backup_init(target, "main", source, "main");
    if (!backup || out_fd < 0) {
        if (backup) sqlite3_backup_finish(backup);
        return fail(sqlite3_errmsg(target));
    }
    int rc = SQLITE_OK;
    do {
        rc = sqlite3_backup_step(backup, kPagesPerStep);
        if (rc == SQLITE_OK) ::fdatasync(out_fd);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(50);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(backup);
    sqlite3_exec(source, "COMMIT", nullptr, nullptr, nullptr);
    // The pages say WAL, as the source's do: a copy in rollback mode is one
    // file, and reading it later leaves nothing beside it.
    if (rc == SQLITE_DONE &&
        sqlite3_exec(target, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr) != SQLITE_OK)
        rc = SQLITE_ERROR;
    if (rc != SQLITE_DONE) return fail(std::string("the copy failed: ") + sqlite3_errmsg(target));
    close_all();
    return {};
}

}  // namespace

bool sync_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    return synced;
}

Status backup_sqlite(const std::string& db_path, const std::string& dest) {
    std::error_code ec;
    if (fs::exists(dest, ec)) return Error::invalid("file", dest + " exists: name a new file.");
    if (!fs::exists(db_path, ec)) return Error::not_found("Database " + db_path);
    const std::string partial = dest + ".partial";
    fs::remove(partial, ec);
    if (auto copied = copy_pages(db_path, partial); !copied) {
        fs::remove(partial, ec);
        return Error::invalid("file", "cannot write " + dest + ": " + copied.error().message);
    }
    // The copy is written unsynced: a power cut must not leave a torn copy
    // under the final name.
    if (!sync_file(partial)) {
        fs::remove(partial, ec);
        return Error::invalid("file", "cannot write " + dest);
    }
    fs::rename(partial, dest, ec);
    if (ec) {
        fs::remove(partial, ec);
        return Error::invalid("file", "cannot write " + dest);
    }
    sync_file(fs::absolute(dest, ec).parent_path().string());
    return {};
}

Result<int> backup_schema_version(const std::string& file) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) return Error::invalid("file", file + " is not a file.");
    auto opened = SqliteConnection::open(file, {.read_only = true});
    if (!opened) return Error::invalid("file", file + " is not a SQLite database.");
    auto& c = **opened;
    auto check = c.query("PRAGMA quick_check");
    if (!check) return Error::invalid("file", "cannot read " + file + ": " + check.error().message);
    for (const auto& row : check->rows) {
        const std::string problem = row.text(0);
        if (problem == "ok" || reports_a_null_that_is_not_there(c, problem)) continue;
        return Error::invalid("file", file + " is damaged (quick_check: " + problem + ").");
    }
    auto version = c.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!version || !*version)
        return Error::invalid("file", file + " is not an Ujumbe database (no schema_migrations).");
    return static_cast<int>((*version)->i64(0));
}

}  // namespace ujumbe::db
