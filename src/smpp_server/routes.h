#pragma once
// HTTP handlers of SMPP accounts (docs/api-smpp.md).

#include "http/router.h"
#include "smpp_server/service.h"

namespace ujumbe::smpp_server {

void add_routes(http::Router& router, SmppAccountsService& service);

}  // namespace ujumbe::smpp_server
