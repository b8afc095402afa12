#pragma once
// /api/v1/reports: the delivery, usage and revenue reports at once, and
// their exports as files built in the background (docs/analytics.md).

#include "analytics/reports.h"
#include "http/router.h"

namespace ujumbe::analytics {

void add_report_routes(http::Router& router, Reports& reports);

}  // namespace ujumbe::analytics
