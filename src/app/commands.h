#pragma once
// The subcommands of the ujumbe binary.

#include "core/config.h"

namespace ujumbe::app {

// Runs the server until SIGTERM/SIGINT; returns the process exit code.
int serve(const Config& config);
// Applies pending migrations and exits.
int migrate(const Config& config);

}  // namespace ujumbe::app
