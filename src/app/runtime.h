#pragma once
// Start-up steps shared by the subcommands: the data directory, the server
// secret and an open, migrated database.

#include <memory>
#include <string>

#include "core/config.h"
#include "core/result.h"
#include "db/database.h"

namespace ujumbe::app {

// Creates the data directory when missing.
Status prepare_data_dir(const Config& config);

// The configured secret, else the one stored in <data_dir>/secret.key,
// else a new one written there (mode 0600).
Result<std::string> server_secret(const Config& config);

// The configured node id, else the one stored in <data_dir>/node.id, else a
// new one written there: queue leases of a node survive its restarts.
Result<std::string> node_id(const Config& config);

// Opens the configured database and applies pending migrations (unless
// `migrate` is false).
Result<std::unique_ptr<db::Database>> open_database(const Config& config, bool migrate = true);

}  // namespace ujumbe::app
