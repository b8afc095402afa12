#pragma once
// Route selection, pure: the first matching active rule (higher priority
// first; at equal priority the longer prefix, then the more specific
// account/sender/country) and its gateways in the order to try them: one
// chosen by weight (stable for a given key), the other weighted gateways
// by weight, then the failover list; each gateway once.

#include <optional>
#include <vector>

#include "routing/model.h"

namespace ujumbe::routing {

bool rule_matches(const RouteRule& rule, const RouteQuery& q);
// Orders rules the way selection reads them.
void sort_rules(std::vector<RouteRule>& rules);
// `rules` must be sorted by sort_rules.
std::optional<RouteChoice> select_route(const std::vector<RouteRule>& rules, const RouteQuery& q);

}  // namespace ujumbe::routing
