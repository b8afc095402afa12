#pragma once
// HTTP handlers of templates (/api/v1/templates) and campaigns
// (/api/v1/campaigns).

#include "campaigns/service.h"
#include "http/router.h"

namespace ujumbe::campaigns {

void add_routes(http::Router& router, CampaignService& service);

}  // namespace ujumbe::campaigns
