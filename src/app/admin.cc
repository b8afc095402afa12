// `ujumbe admin <task>`: maintenance an operator runs against the database
// of a configuration, with or without a server running on it.

#include <iostream>

#include "app/commands.h"
#include "app/runtime.h"
#include "core/log.h"
#include "messaging/rollups.h"

namespace ujumbe::app {

namespace {

constexpr const char* kUsage =
    "Usage: ujumbe [--config FILE] admin <task>\n"
    "Tasks:\n"
    "  rebuild-rollups   recount the message statistics from the messages stored\n";

int rebuild_rollups(db::Database& db) {
    auto rows = db.write([](db::Connection& c) { return messaging::store::rebuild_rollups(c); });
    if (!rows) {
        std::cerr << "ujumbe: rebuilding the rollups failed: " << rows.error().message << "\n";
        return 1;
    }
    std::cout << "rollups rebuilt: " << *rows << " rows\n";
    return 0;
}

}  // namespace

int admin(const Config& config, const std::vector<std::string>& args) {
    if (args.size() != 1 || args[0] != "rebuild-rollups") {
        std::cerr << kUsage;
        return 2;
    }
    if (auto s = prepare_data_dir(config); !s) {
        log::error("cannot open the data directory", {{"error", s.error().message}});
        return 1;
    }
    auto db = open_database(config);
    if (!db) {
        log::error("cannot open the database", {{"error", db.error().message}});
        return 1;
    }
    const int code = rebuild_rollups(**db);
    (*db)->stop();
    return code;
}

}  // namespace ujumbe::app
