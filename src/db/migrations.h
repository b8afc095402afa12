#pragma once
// Numbered schema migrations, one folder of .sql files per dialect
// (src/db/migrations/<dialect>/NNNN_name.sql), embedded into the binary at
// build time. Applied in order at start and by `ujumbe migrate`; each in its
// own transaction, recorded in schema_migrations. On PostgreSQL an advisory
// lock keeps several nodes from migrating at once.

#include <vector>

#include "db/database.h"

namespace ujumbe::db {

struct Migration {
    int version;
    const char* name;
    const char* sql;
};

const std::vector<Migration>& sqlite_migrations();
const std::vector<Migration>& postgres_migrations();

struct MigrationReport {
    int applied = 0;
    int current_version = 0;
};

// Applies every migration newer than the database's version; refuses a
// database whose version is newer than any this binary knows.
Result<MigrationReport> migrate(Database& db);

// The database's schema version (0 for an empty one), the newest this
// binary knows and the migrations that would run, without migrating.
struct SchemaState {
    int current_version = 0;
    int latest_version = 0;
    std::vector<Migration> pending;
};
Result<SchemaState> schema_state(Database& db);

// An error when a newer binary migrated the database (for the commands
// that open it without migrating).
Status check_not_newer(Database& db);

}  // namespace ujumbe::db
