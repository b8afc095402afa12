#pragma once
// What `ujumbe admin` runs on the message history, each in one write
// transaction; each returns the rows written.

#include <cstdint>

#include "core/result.h"
#include "db/database.h"

namespace ujumbe::messaging {

// Recounts the rollups (rollups.h) from the messages stored.
Result<std::int64_t> rebuild_rollups(db::Database& db);
// SQLite: indexes every message for search again (after a VACUUM).
Result<std::int64_t> rebuild_search(db::Database& db);

}  // namespace ujumbe::messaging
