#pragma once
// GET /audit-log and GET /audit-log/export (docs/audit-log.md): read-only;
// no route changes or deletes an entry.

#include "audit/recorder.h"
#include "db/database.h"
#include "http/router.h"

namespace ujumbe::audit {

// Reads write the recorder's waiting entries first.
void add_routes(http::Router& router, db::Database& db, Recorder& recorder);

}  // namespace ujumbe::audit
