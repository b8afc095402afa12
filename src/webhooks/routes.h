#pragma once
// HTTP routes of webhooks out (docs/webhooks.md).

#include "http/router.h"
#include "webhooks/service.h"

namespace ujumbe::webhooks {

void add_routes(http::Router& router, WebhookService& service);

}  // namespace ujumbe::webhooks
