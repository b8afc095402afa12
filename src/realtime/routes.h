#pragma once
// HTTP routes of the realtime feed (docs/realtime.md): POST /api/v1/ws/tickets
// and the WebSocket GET /api/v1/ws.

#include <string>

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
};

void add_routes(http::Router& router, RealtimeRoutes r);

}  // namespace ujumbe::realtime
