#pragma once
// What the server tells a service manager that started it (systemd with
// Type=notify, docs/operations.md): ready once migrated and listening,
// reloading on SIGHUP, stopping on SIGTERM. A datagram to $NOTIFY_SOCKET,
// the protocol of sd_notify(3); nothing when the variable is not set.

#include <string_view>

namespace ujumbe::app {

// "READY=1", "RELOADING=1", "STOPPING=1", "STATUS=...". False when it could
// not be sent (there is a socket and it refused).
bool notify_service_manager(std::string_view state);

}  // namespace ujumbe::app
