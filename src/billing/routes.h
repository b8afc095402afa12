#pragma once
// HTTP handlers of wallets, the ledger and rate cards.

#include "billing/service.h"
#include "http/router.h"

namespace ujumbe::billing {

void add_routes(http::Router& router, BillingService& service);

}  // namespace ujumbe::billing
