#pragma once
// HTTP handlers of gateways and routing rules (platform admin).

#include "http/router.h"
#include "routing/service.h"

namespace ujumbe::routing {

void add_routes(http::Router& router, RoutingService& service);

}  // namespace ujumbe::routing
