#include "messaging/maintenance.h"

#include "messaging/rollups.h"
#include "messaging/store.h"

namespace ujumbe::messaging {

Result<std::int64_t> rebuild_rollups(db::Database& db) {
    return db.write([](db::Connection& c) { return store::rebuild_rollups(c); });
}

Result<std::int64_t> rebuild_search(db::Database& db) {
    return db.write([](db::Connection& c) { return store::rebuild_search(c); });
}

}  // namespace ujumbe::messaging
