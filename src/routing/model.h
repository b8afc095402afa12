#pragma once
// Gateways and routing rules (platform-wide, managed by the platform admin).
// Plain data, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/ids.h"

namespace ujumbe::routing {

struct GatewayRecord {
    GatewayId id;
    std::string name;
    std::string kind;                                    // a name in channels::KindRegistry
    nlohmann::json settings = nlohmann::json::object();  // without secrets
    nlohmann::json secrets = nlohmann::json::object();   // decrypted; never shown
    bool is_active = true;
    // Its own receipt timeout in seconds; none: the server's.
    std::optional<std::int64_t> receipt_timeout_s;
    Micros created_at = 0;
    Micros updated_at = 0;
};

struct RouteTarget {
    GatewayId gateway_id;
    int weight = 1;
};

struct RouteRule {
    RouteId id;
    std::string name;
    int priority = 0;  // higher first
    std::string channel = "sms";
    std::string prefix;                   // destination digits without '+'; "" matches every number
    std::string country;                  // ISO 3166-1 alpha-2; "" matches every country
    std::optional<AccountId> account_id;  // nullopt: every account
    std::optional<std::string> sender;
    // The destination's operator: a name ("Safaricom") or MCC-MNC ("639-02").
    std::optional<std::string> operator_name;
    std::vector<RouteTarget> gateways;  // chosen by weight
    std::vector<GatewayId> failover;    // tried in order after the chosen one
    bool is_active = true;
    Micros created_at = 0;
    Micros updated_at = 0;
};

// What a route is asked for.
struct RouteQuery {
    std::string channel = "sms";
    std::string to;  // E.164
    std::string country;
    AccountId account_id;
    std::string sender;
    std::string key;  // spreads weighted choices (the message id); same key, same choice
    // The destination's operator, when a rule asks (routing/operators.h).
    std::string operator_name, mcc, mnc;
};

struct RouteChoice {
    RouteId rule_id;
    std::string rule_name;
    std::vector<GatewayId> gateways;  // the weighted pick first, then the failover order
};

}  // namespace ujumbe::routing
