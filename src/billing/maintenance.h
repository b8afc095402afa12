#pragma once
// What `ujumbe admin` runs on the ledger, in one write transaction;
// returns the rows written.

#include <cstdint>

#include "core/result.h"
#include "db/database.h"

namespace ujumbe::billing {

// Recounts the ledger's daily totals (ledger_rollups) from its entries.
Result<std::int64_t> rebuild_ledger_rollups(db::Database& db);

}  // namespace ujumbe::billing
