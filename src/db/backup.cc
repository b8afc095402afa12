#include "db/backup.h"

#include <fcntl.h>
#include <unistd.h>

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
    UJ_ASSIGN(auto source, SqliteConnection::open(db_path, {.read_only = true}));
    const std::string partial = dest + ".partial";
    fs::remove(partial, ec);
    if (auto done = source->query("VACUUM INTO $1", {partial}); !done) {
        fs::remove(partial, ec);
        return Error::invalid("file", "cannot write " + dest + ": " + done.error().message);
    }
    // VACUUM INTO leaves its file unsynced: a power cut must not leave a
    // torn copy under the final name.
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
