#pragma once
// GET /audit-log and GET /audit-log/export (docs/audit-log.md): read-only;
// no route changes or deletes an entry.

#include "db/database.h"
#include "http/router.h"

namespace ujumbe::audit {

void add_routes(http::Router& router, db::Database& db);

}  // namespace ujumbe::audit
