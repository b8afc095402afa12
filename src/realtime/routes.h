#pragma once
// HTTP routes of the realtime feed (docs/realtime.md): POST /api/v1/ws/tickets
// and the WebSocket GET /api/v1/ws.

#include <functional>
#include <string>

#include "core/principal.h"

#include "core/clock.h"
#include "http/dispatcher.h"
#include "http/router.h"
#include "realtime/hub.h"
#include "realtime/publisher.h"

namespace ujumbe::realtime {

struct RealtimeRoutes {
    Hub& hub;
    Publisher& publisher;
    Clock& clock;
    std::string secret;                  // signs tickets
    http::Authenticator& authenticator;  // a WebSocket opened with credentials in a header
    // Whether a member of this role sees only their own and unassigned
    // conversations (the inbox's setting).
    std::function<Result<bool>(const AccountId&, Role)> limited;
};

void add_routes(http::Router& router, RealtimeRoutes r);

}  // namespace ujumbe::realtime
