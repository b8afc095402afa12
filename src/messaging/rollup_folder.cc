#include "messaging/rollup_folder.h"

#include "core/log.h"
#include "messaging/rollups.h"

namespace ujumbe::messaging {

void RollupFolder::start() {
    if (db_.dialect() != db::Dialect::kPostgres) return;
    loop_.start("rollups", kEvery, std::chrono::milliseconds(0), [this] { fold(); });
}

void RollupFolder::fold() {
    auto folded = db_.write([](db::Connection& c) { return store::fold_rollup_deltas(c); });
    if (!folded) log::warn("folding message rollups failed", {{"error", folded.error().message}});
}

}  // namespace ujumbe::messaging
