#pragma once
// `ujumbe admin backup` and `restore` (docs/operations.md): a SQLite
// database copied while the server runs, and put back into an empty data
// directory. The server secret is never in a backup: it is kept apart.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/result.h"

namespace ujumbe::app {

// Writes a consistent copy of the configured SQLite database to `file`
// (which must not exist). PostgreSQL databases are backed up with its own
// tools: refused with a pointer to them.
Result<nlohmann::json> backup_database(const Config& config, const std::string& file);

struct RestoreSecret {
    std::optional<std::string> file;  // the original's secret.key
    bool new_one = false;             // go on without it (tokens and stored secrets are lost)
};

// Puts the backup `file` in place as the configured SQLite database, which
// must not exist yet, with the server secret it was made under.
Result<nlohmann::json> restore_database(const Config& config, const std::string& file,
                                        const RestoreSecret& secret);

}  // namespace ujumbe::app
