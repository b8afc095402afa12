#pragma once
// HTTP handlers of an account's message retention: GET and PUT
// /messages/retention.

#include "http/router.h"
#include "messaging/retention.h"

namespace ujumbe::messaging {

void add_retention_routes(http::Router& router, Retention& retention);

}  // namespace ujumbe::messaging
