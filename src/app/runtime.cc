#include "app/runtime.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/crypto.h"
#include "core/log.h"
#include "db/migrations.h"

namespace ujumbe::app {

namespace fs = std::filesystem;

Status prepare_data_dir(const Config& config) {
    std::error_code ec;
    fs::create_directories(config.data_dir, ec);
    if (ec)
        return Error::invalid("data_dir", "cannot create " + config.data_dir + ": " + ec.message());
    return {};
}

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
    {
        std::ofstream out(path);
        out << secret << '\n';
        if (!out) return Error::invalid("secret_key", "cannot write " + path.string());
    }
    ::chmod(path.c_str(), 0600);
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
    std::ofstream out(path);
    out << id << '\n';
    if (!out) return Error::invalid("node_id", "cannot write " + path.string());
    return id;
}

Result<std::unique_ptr<db::Database>> open_database(const Config& config) {
    db::DatabaseOptions options;
    options.threads = config.db_threads;
    options.sqlite_synchronous = config.sqlite_synchronous;
    UJ_ASSIGN(auto db, db::Database::open(config.effective_database_url(), options));
    UJ_ASSIGN(auto report, db::migrate(*db));
    log::info("database ready",
              {{"dialect", db->dialect() == db::Dialect::kSqlite ? "sqlite" : "postgresql"},
               {"schema_version", report.current_version},
               {"migrations_applied", report.applied}});
    return db;
}

}  // namespace ujumbe::app
