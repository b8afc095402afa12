#pragma once
// GET /api/v1/analytics/api-logs (docs/analytics.md): the API request log,
// read-only.

#include "analytics/request_log.h"
#include "http/router.h"

namespace ujumbe::analytics {

void add_request_log_routes(http::Router& router, RequestLog& log);

}  // namespace ujumbe::analytics
