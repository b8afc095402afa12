#include "db/settings_epoch.h"

#include <string>

namespace ujumbe::db {

Result<std::int64_t> settings_epoch(Connection& c) {
    UJ_ASSIGN(auto row, c.query_one("SELECT epoch FROM settings_epoch WHERE id = 1"));
    if (!row) return Error::internal("the settings epoch is missing");
    return row->i64(0);
}

}  // namespace ujumbe::db
