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

namespace ujumbe::routing::store {

using db::Connection;

// `sealed` is the sealed secrets text ("" for none).
Status insert_gateway(Connection& c, const GatewayRecord& g, const std::string& sealed);
Status update_gateway(Connection& c, const GatewayRecord& g, const std::string& sealed);
Status delete_gateway(Connection& c, const std::string& id);
// A stored gateway and its sealed secrets.
struct StoredGateway {
    GatewayRecord gateway;
    std::string sealed;
};
Result<std::optional<StoredGateway>> find_gateway(Connection& c, const std::string& id);
Result<std::vector<StoredGateway>> all_gateways(Connection& c);
Result<db::Listing<StoredGateway>> list_gateways(Connection& c, db::Paged page);

Status insert_route(Connection& c, const RouteRule& r);
Status update_route(Connection& c, const RouteRule& r);
Status delete_route(Connection& c, const std::string& id);
Result<std::optional<RouteRule>> find_route(Connection& c, const std::string& id);
Result<std::vector<RouteRule>> all_routes(Connection& c);
// Names of the rules that send through the gateway.
Result<std::vector<std::string>> routes_using(Connection& c, const std::string& gateway_id);

}  // namespace ujumbe::routing::store
