#include "app/backup.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "db/backup.h"
#include "db/migrations.h"

namespace ujumbe::app {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char* kPostgres =
    "The database is PostgreSQL: back it up with pg_dump or pg_basebackup "
    "(docs/operations.md).";

// The SQLite file of the configuration, or why there is none.
Result<std::string> sqlite_path(const Config& config) {
    const std::string url = config.effective_database_url();
    if (!url.starts_with("sqlite:")) return Error::invalid("database_url", kPostgres);
    return url.substr(7);
}

Result<std::string> read_secret(const std::string& file) {
    std::ifstream in(file);
    std::string secret;
    if (!in || !std::getline(in, secret))
        return Error::invalid("secret-file", "cannot read " + file);
    while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
    if (secret.size() < 32)
        return Error::invalid("secret-file", file + " holds no server secret (32+ characters).");
    return secret;
}

// Where the restored server's secret comes from; writes the given one into
// the data directory when it is not configured.
Result<std::string> place_secret(const Config& config, const RestoreSecret& secret) {
    if (!config.secret_key.empty()) {
        if (secret.file)
            return Error::invalid("secret-file",
                                  "The secret_key setting is the server secret: give one or the "
                                  "other.");
        return std::string("the secret_key setting");
    }
    const fs::path kept = fs::path(config.data_dir) / "secret.key";
    std::error_code ec;
    if (secret.file) {
        UJ_ASSIGN(auto text, read_secret(*secret.file));
        if (fs::exists(kept, ec)) {
            UJ_ASSIGN(auto have, read_secret(kept.string()));
            if (have != text)
                return Error::invalid("secret-file", kept.string() +
                                                         " holds another secret: remove it "
                                                         "first, or restore elsewhere.");
            return kept.string();
        }
        {
            std::ofstream out(kept, std::ios::out | std::ios::trunc);
            fs::permissions(kept, fs::perms::owner_read | fs::perms::owner_write,
                            fs::perm_options::replace, ec);
            out << text << '\n';
            out.close();
            if (!out || ec) return Error::invalid("data_dir", "cannot write " + kept.string());
        }
        return kept.string() + " (from " + *secret.file + ")";
    }
    if (secret.new_one) {
        if (fs::exists(kept, ec)) {
            UJ_TRY(read_secret(kept.string()));
            return kept.string() + " (already there, not the original's)";
        }
        return std::string("a new one, made at the next start");
    }
    if (fs::exists(kept, ec))
        return Error::invalid("secret-file",
                              kept.string() +
                                  " is already there: give the original's (--secret-file) to "
                                  "check it is the same, or --new-secret to go on with it.");
    return Error::invalid("secret-file",
                          "Give the original server's secret (--secret-file, its secret.key) or "
                          "--new-secret to go on without it: tokens, and the gateway and webhook "
                          "secrets stored in the database, cannot be read without it.");
}

}  // namespace

Result<json> backup_database(const Config& config, const std::string& file) {
    if (file.empty()) return Error::invalid("file", "Name the backup file to write.");
    UJ_ASSIGN(auto path, sqlite_path(config));
    UJ_TRY(db::backup_sqlite(path, file));
    UJ_ASSIGN(auto version, db::backup_schema_version(file));
    std::error_code ec;
    const auto bytes = fs::file_size(file, ec);
    const std::string secret = config.secret_key.empty()
                                   ? (fs::path(config.data_dir) / "secret.key").string()
                                   : std::string("the secret_key setting");
    return json{{"backup", file},
                {"database", path},
                {"bytes", ec ? 0 : bytes},
                {"schema_version", version},
                {"secret_included", false},
                {"note", "The server secret is not in the backup. Keep " + secret +
                             " apart from it: a restore needs it (--secret-file)."}};
}

Result<json> restore_database(const Config& config, const std::string& file,
                              const RestoreSecret& secret) {
    if (file.empty()) return Error::invalid("file", "Name the backup file to restore.");
    UJ_ASSIGN(auto path, sqlite_path(config));
    std::error_code ec;
    for (const auto& existing : {path, path + "-wal", path + "-shm"})
        if (fs::exists(existing, ec))
            return Error::invalid("data_dir", existing +
                                                  " exists: restore only into a data directory "
                                                  "without a database.");
    UJ_ASSIGN(auto version, db::backup_schema_version(file));
    const auto& known = db::sqlite_migrations();
    const int latest = known.empty() ? 0 : known.back().version;
    if (version > latest)
        return Error::invalid("file", "The backup's schema (" + std::to_string(version) +
                                          ") is newer than this binary's (" +
                                          std::to_string(latest) +
                                          "): restore it with a newer "
                                          "ujumbe.");
    // A copy of a live database's file: its last commits are in the WAL.
    if (fs::exists(file + "-wal", ec))
        return Error::invalid("file", file +
                                          "-wal is beside it: restore a file `ujumbe admin "
                                          "backup` made, not a copy of a live database.");
    // The database first, then the secret, then the rename: a failure
    // leaves neither behind.
    const std::string partial = path + ".restoring";
    fs::copy_file(file, partial, fs::copy_options::overwrite_existing, ec);
    if (!ec)
        fs::permissions(partial, fs::perms::owner_read | fs::perms::owner_write,
                        fs::perm_options::replace, ec);
    if (!ec && !db::sync_file(partial)) ec = std::make_error_code(std::errc::io_error);
    if (ec) {
        fs::remove(partial, ec);
        return Error::invalid("data_dir", "cannot write " + path);
    }
    auto secret_from = place_secret(config, secret);
    if (!secret_from) {
        fs::remove(partial, ec);
        return secret_from.error();
    }
    fs::rename(partial, path, ec);
    if (ec) {
        fs::remove(partial, ec);
        return Error::invalid("data_dir", "cannot write " + path);
    }
    db::sync_file(fs::path(path).parent_path().string());
    return json{{"restored", file},
                {"database", path},
                {"schema_version", version},
                {"pending_migrations", latest - version},
                {"secret", *secret_from}};
}

}  // namespace ujumbe::app
