#pragma once
// The usage and revenue reports as tables (analytics/report.h); the
// delivery report's are folded by analytics/dlr_report.h.

#include <map>
#include <string>
#include <vector>

#include "analytics/report.h"
#include "analytics/service.h"
#include "billing/model.h"

namespace ujumbe::analytics {

// One row per day, user or channel of `u`, with its total. Users are named
// (name, email) from u.members.
ReportTable usage_table(const Usage& u, UsageGroup group);

// One row per client with its name (from `names`, by account id), what it
// paid, what the reseller paid and the difference, with their total.
ReportTable revenue_table(const std::vector<billing::ClientRevenue>& clients,
                          const std::map<std::string, std::string>& names);

}  // namespace ujumbe::analytics
