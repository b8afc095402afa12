#pragma once
// GET /metrics (docs/metrics.md): who may read it, and the gauges read at
// each scrape from the process and the server.

#include <string>
#include <vector>

#include "core/metrics.h"
#include "http/router.h"
#include "http/server.h"

namespace ujumbe::app {

// `token`: Bearer token the scrape must carry ("" for none); without one,
// `loopback_only` answers only clients on this host (404 to others, as if
// there were no such route).
void add_metrics_route(http::Router& router, std::string token, bool loopback_only);

// The process's resident memory, CPU time, open files and start time, and
// the server's open connections, while the handles live.
std::vector<metrics::Registry::Source> watch_process(const http::Server& server);

}  // namespace ujumbe::app
