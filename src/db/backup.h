#pragma once
// Online backups of the SQLite database (docs/operations.md): a copy made
// while the server runs, and the check a file passes before it is restored.

#include <string>

#include "core/result.h"

namespace ujumbe::db {

// Copies the database at `db_path` into the new file `dest` with SQLite's
// online backup in one step: one read transaction, so the copy holds
// exactly what was committed when it began while writers go on. Written
// beside `dest` and renamed into place once whole; `dest` must not exist.
Status backup_sqlite(const std::string& db_path, const std::string& dest);

// The schema version of a backup file; an error when it is not a whole
// SQLite database with our schema_migrations table.
Result<int> backup_schema_version(const std::string& file);

// Flushes a file (or a directory's entries) to the disk; false when it
// could not.
bool sync_file(const std::string& path);

}  // namespace ujumbe::db
