#pragma once
// HTTP routes of analytics under /api/v1/analytics (docs/analytics.md).

#include "analytics/service.h"
#include "http/router.h"

namespace ujumbe::analytics {

void add_routes(http::Router& router, AnalyticsService& service);

}  // namespace ujumbe::analytics
