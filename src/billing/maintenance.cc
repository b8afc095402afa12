#include "billing/maintenance.h"

#include "billing/store.h"

namespace ujumbe::billing {

Result<std::int64_t> rebuild_ledger_rollups(db::Database& db) {
    return db.write([](db::Connection& c) { return store::rebuild_ledger_rollups(c); });
}

}  // namespace ujumbe::billing
