#pragma once
// HTTP handlers of messages, phone number checks and sender ids.

#include "http/router.h"
#include "messaging/service.h"

namespace ujumbe::messaging {

void add_routes(http::Router& router, MessagingService& service);

}  // namespace ujumbe::messaging
