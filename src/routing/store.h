#pragma once
// SQL of the routing module: gateways and routing rules. Gateway secrets
// are stored sealed; the store neither seals nor opens them.

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "db/connection.h"
#include "db/store_support.h"
#include "routing/model.h"
#include "routing/operators.h"

namespace ujumbe::routing::store {

using db::Connection;

// `sealed` is the sealed secrets text ("" for none).
Status insert_gateway(Connection& c, const GatewayRecord& g, const std::string& sealed);
Status update_gateway(Connection& c, const GatewayRecord& g, const std::string& sealed);
Status delete_gateway(Connection& c, const GatewayId& id);
// A stored gateway and its sealed secrets.
struct StoredGateway {
    GatewayRecord gateway;
    std::string sealed;
};
Result<std::optional<StoredGateway>> find_gateway(Connection& c, const GatewayId& id);
Result<std::vector<StoredGateway>> all_gateways(Connection& c);
Result<db::Listing<StoredGateway>> list_gateways(Connection& c, db::Paged page);

Status insert_route(Connection& c, const RouteRule& r);
Status update_route(Connection& c, const RouteRule& r);
Status delete_route(Connection& c, const RouteId& id);
Result<std::optional<RouteRule>> find_route(Connection& c, const RouteId& id);
Result<std::vector<RouteRule>> all_routes(Connection& c);
// Names of the rules that send through the gateway.
Result<std::vector<std::string>> routes_using(Connection& c, const GatewayId& gateway_id);

// Operator prefixes (routing/operators.h).
Result<std::vector<OperatorPrefix>> all_operator_prefixes(Connection& c);
// In prefix order; `country` "" for all.
Result<db::Listing<OperatorPrefix>> list_operator_prefixes(Connection& c,
                                                           const std::string& country,
                                                           db::Paged page);
// Adds or replaces each row by its prefix; with `replace`, the table is
// emptied first.
Status put_operator_prefixes(Connection& c, const std::vector<OperatorPrefix>& rows, bool replace,
                             Micros now);
Result<bool> delete_operator_prefix(Connection& c, const std::string& prefix);

// The number lookup (one row); its secrets sealed.
struct StoredLookup {
    std::string kind;
    nlohmann::json settings = nlohmann::json::object();
    std::string sealed;
    bool is_active = true;
    Micros updated_at = 0;
};
Result<std::optional<StoredLookup>> find_number_lookup(Connection& c);
Status put_number_lookup(Connection& c, const StoredLookup& s);
Status delete_number_lookup(Connection& c);

}  // namespace ujumbe::routing::store
