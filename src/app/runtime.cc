#include "app/runtime.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/crypto.h"
#include "core/log.h"
#include "db/migrations.h"

namespace ujumbe::app {

namespace fs = std::filesystem;

Status prepare_data_dir(const Config& config) {
    // Everything the server creates from here on (database, journal, spooled
    // uploads, secrets) is for its own user only, from the first byte.
    ::umask(077);
    std::error_code ec;
    fs::create_directories(config.data_dir, ec);
    if (ec)
        return Error::invalid("data_dir", "cannot create " + config.data_dir + ": " + ec.message());
    const auto perms = fs::status(config.data_dir, ec).permissions();
    if (!ec && (perms & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none) {
        fs::permissions(config.data_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
        if (ec)
            return Error::invalid("data_dir",
                                  "cannot restrict " + config.data_dir + ": " + ec.message());
        log::info("data directory restricted to its owner", {{"path", config.data_dir}});
    }
    return {};
}

namespace {

// Writes a new file readable by its owner only (0600 from creation, never
// widened), failing if it exists.
Status write_private_file(const fs::path& path, const std::string& content) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Error::invalid("data_dir", "cannot create " + path.string());
    const bool written =
        ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
    const bool closed = ::close(fd) == 0;
    if (!written || !closed) return Error::invalid("data_dir", "cannot write " + path.string());
    return {};
}

}  // namespace

Result<std::string> server_secret(const Config& config) {
    if (!config.secret_key.empty()) {
        if (config.secret_key.size() < 32)
            return Error::invalid("secret_key", "must be at least 32 characters");
        return config.secret_key;
    }
    const fs::path path = fs::path(config.data_dir) / "secret.key";
    if (std::ifstream in(path); in) {
        std::string secret;
        std::getline(in, secret);
        if (secret.size() >= 32) return secret;
        return Error::invalid("secret_key", path.string() + " holds no usable secret");
    }
    const std::string secret = random_token(48);
    UJ_TRY(write_private_file(path, secret + '\n'));
    log::info("generated a new server secret", {{"path", path.string()}});
    return secret;
}

Result<std::string> node_id(const Config& config) {
    if (!config.node_id.empty()) return config.node_id;
    const fs::path path = fs::path(config.data_dir) / "node.id";
    if (std::ifstream in(path); in) {
        std::string id;
        std::getline(in, id);
        if (!id.empty()) return id;
    }
    const std::string id = "node-" + random_token(9);
    UJ_TRY(write_private_file(path, id + '\n'));
    return id;
}

Result<std::unique_ptr<db::Database>> open_database(const Config& config, bool migrate) {
    db::DatabaseOptions options;
    options.threads = config.db_threads;
    options.sqlite_synchronous = config.sqlite_synchronous;
    UJ_ASSIGN(auto db, db::Database::open(config.effective_database_url(), options));
    if (!migrate) return db;
    UJ_ASSIGN(auto report, db::migrate(*db));
    log::info("database ready",
              {{"dialect", db->dialect() == db::Dialect::kSqlite ? "sqlite" : "postgresql"},
               {"schema_version", report.current_version},
               {"migrations_applied", report.applied}});
    return db;
}

}  // namespace ujumbe::app
