// `ujumbe admin <task>`: maintenance an operator runs against the database
// of a configuration, with or without a server running on it.

#include <functional>
#include <iostream>

#include "app/commands.h"
#include "app/modules.h"
#include "app/runtime.h"
#include "billing/maintenance.h"
#include "core/log.h"
#include "messaging/maintenance.h"

namespace ujumbe::app {

namespace {

constexpr const char* kUsage =
    "Usage: ujumbe [--config FILE] admin <task>\n"
    "Tasks:\n"
    "  rebuild-rollups   recount the message statistics and the ledger's daily\n"
    "                    totals from the messages and entries stored\n"
    "  rebuild-search    index every message for search again (SQLite, after VACUUM)\n"
    "  apply-retention   blank and delete the messages past their retention, and\n"
    "                    fold final messages' events and receipts into them, now\n";

using Task = std::function<Result<std::int64_t>(db::Database&)>;

int run(db::Database& db, const std::string& what, Task task) {
    auto rows = task(db);
    if (!rows) {
        std::cerr << "ujumbe: " << what << " failed: " << rows.error().message << "\n";
        return 1;
    }
    std::cout << what << ": " << *rows << " rows\n";
    return 0;
}

}  // namespace

int admin(const Config& config, const std::vector<std::string>& args) {
    Task task = nullptr;
    if (args.size() == 1 && args[0] == "rebuild-rollups")
        task = [](db::Database& db) -> Result<std::int64_t> {
            UJ_ASSIGN(auto messages, messaging::rebuild_rollups(db));
            UJ_ASSIGN(auto ledger, billing::rebuild_ledger_rollups(db));
            return messages + ledger;
        };
    if (args.size() == 1 && args[0] == "rebuild-search") task = messaging::rebuild_search;
    if (args.size() == 1 && args[0] == "apply-retention")
        task = [&config](db::Database& db) -> Result<std::int64_t> {
            PlanRetention plans(db);
            messaging::Retention retention(db, SystemClock::instance(), retention_options(config),
                                           &plans);
            UJ_ASSIGN(auto pass, retention.apply());
            return pass.redacted + pass.purged + pass.folded;
        };
    if (!task) {
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
    const int code = run(**db, args[0], task);
    (*db)->stop();
    return code;
}

}  // namespace ujumbe::app
