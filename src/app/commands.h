#pragma once
// The subcommands of the ujumbe binary.

#include <functional>
#include <string>
#include <vector>

#include "core/config.h"

namespace ujumbe::app {

// Runs the server until SIGTERM/SIGINT; returns the process exit code. On
// SIGHUP it reads the configuration again with `reload` and applies what
// can change while it runs (the log level).
int serve(const Config& config, const std::function<Result<Config>()>& reload);
// Applies pending migrations and exits; with `dry_run`, lists them instead.
int migrate(const Config& config, bool dry_run);
// Runs one maintenance task (`ujumbe admin` with no task lists them);
// returns the process exit code.
int admin(const Config& config, const std::vector<std::string>& args);
// Runs the SMSC simulator (docs/smsc.md) with the arguments after `smsc`
// until SIGTERM/SIGINT; returns the process exit code.
int smsc(const std::vector<std::string>& args);

}  // namespace ujumbe::app
