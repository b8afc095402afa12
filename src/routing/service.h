#pragma once
// Gateways and routing rules: the platform admin's CRUD (secrets sealed at
// rest, never returned), gateway tests and live status, route simulation,
// and route choice for the message pipeline. Every change is applied to
// the live registry at once.

#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/principal.h"
#include "core/result.h"
#include "db/database.h"
#include "db/store_support.h"
#include "routing/model.h"
#include "routing/operator_resolver.h"
#include "routing/operators.h"
#include "routing/registry.h"

namespace ujumbe::routing {

struct GatewayInput {
    std::optional<std::string> name;
    std::optional<std::string> kind;
    // Kind-specific settings; the kind's secrets in it (an SMPP "password")
    // are split off and sealed. On update, an absent secret keeps the stored one.
    std::optional<nlohmann::json> settings;
    std::optional<bool> is_active;
    // Set (a number of seconds) or cleared (null: the server's default).
    std::optional<std::optional<std::int64_t>> receipt_timeout_s;
};

struct RouteInput {
    std::optional<std::string> name;
    std::optional<int> priority;
    std::optional<std::string> channel;
    std::optional<std::string> prefix;
    std::optional<std::string> country;
    std::optional<std::optional<AccountId>> account_id;  // inner nullopt: clear
    std::optional<std::optional<std::string>> sender;
    std::optional<std::vector<RouteTarget>> gateways;
    std::optional<std::vector<GatewayId>> failover;
    std::optional<std::optional<std::string>> operator_name;  // inner nullopt: clear
    std::optional<bool> is_active;
};

// PUT /number-lookup: the kind ("http"), its settings (secrets in them are
// split off and sealed; an absent secret keeps the stored one).
struct NumberLookupInput {
    std::string kind = "http";
    nlohmann::json settings = nlohmann::json::object();
    bool is_active = true;
};

struct OperatorImportResult {
    std::size_t imported = 0;
    bool replaced = false;
};

struct SimulateInput {
    std::string to;  // any spelling
    std::string channel = "sms";
    std::optional<AccountId> account_id;
    std::optional<std::string> sender;
};

struct Simulation {
    std::string to;  // E.164
    std::string country;
    OperatorInfo operator_info;  // name empty: unknown
    std::optional<RouteChoice> choice;
    std::vector<GatewayRecord> gateways;  // in choice order
};

class RoutingService {
public:
    RoutingService(db::Database& db, Clock& clock, std::string secret, GatewayRegistry& registry);
    ~RoutingService();

    // Loads the stored gateways and rules into the registry (at start).
    Status load();
    // Changes are checked and stored, and no gateway runs in this process
    // (`ujumbe admin`: a server picks them up when it starts).
    void keep_offline() { offline_ = true; }
    // With no gateway stored: a gateway of `kind` with its default settings
    // and a catch-all SMS rule, so a fresh server can send at once (`make
    // run` with the sandbox).
    Status ensure_gateway(const std::string& kind);
    // The kinds gateways may have.
    std::vector<std::string> kinds() const { return registry_.kinds().names(); }

    Result<db::Listing<GatewayRecord>> list_gateways(const Principal& who, db::Paged page);
    Result<GatewayRecord> get_gateway(const Principal& who, const GatewayId& id);
    Result<GatewayRecord> create_gateway(const Principal& who, const GatewayInput& in);
    Result<GatewayRecord> update_gateway(const Principal& who, const GatewayId& id,
                                         const GatewayInput& in);
    // 409 GATEWAY_IN_USE while a rule sends through it.
    Status delete_gateway(const Principal& who, const GatewayId& id);
    // Binds a separate session with the stored settings and reports.
    Result<nlohmann::json> test_gateway(const Principal& who, const GatewayId& id);
    Result<nlohmann::json> gateway_status(const Principal& who, const GatewayId& id);

    Result<std::vector<RouteRule>> list_routes(const Principal& who);
    Result<RouteRule> get_route(const Principal& who, const RouteId& id);
    Result<RouteRule> create_route(const Principal& who, const RouteInput& in);
    Result<RouteRule> update_route(const Principal& who, const RouteId& id, const RouteInput& in);
    Status delete_route(const Principal& who, const RouteId& id);
    Result<Simulation> simulate(const Principal& who, const SimulateInput& in);

    // ---- mobile operators (platform admin; docs/operators.md)
    Result<db::Listing<OperatorPrefix>> list_operators(const Principal& who,
                                                       const std::string& country, db::Paged page);
    // Ranges from CSV (prefix,operator,mcc,mnc[,country]), added or
    // replacing those with the same prefix; `replace` empties the table first.
    Result<OperatorImportResult> import_operators(const Principal& who, std::string_view csv,
                                                  bool replace);
    Status delete_operator(const Principal& who, const std::string& prefix);
    // {kind, settings (secrets as <name>_set), is_active, updated_at}; 404 when none.
    Result<nlohmann::json> number_lookup(const Principal& who);
    Result<nlohmann::json> put_number_lookup(const Principal& who, const NumberLookupInput& in);
    Status delete_number_lookup(const Principal& who);

    // A provider's callback to gateway `id` (no caller: the gateway checks
    // its secret or signature); how many reports it held.
    Result<std::size_t> callback(const GatewayId& id, const channels::ProviderCallback& cb);

    // ---- for the message pipeline (no caller checks)
    std::optional<RouteChoice> choose(const RouteQuery& q) const { return registry_.choose(q); }
    std::shared_ptr<channels::Gateway> gateway(const GatewayId& id) const {
        return registry_.gateway(id);
    }
    // A gateway's label in metrics (GatewayRegistry::label_of).
    std::string gateway_label(const GatewayId& id) const { return registry_.label_of(id); }
    // ---- for the modules that keep an account's own channel (WhatsApp)
    void set_account_gateway(const AccountId& account, const std::string& channel,
                             const std::optional<GatewayRecord>& gateway) {
        registry_.set_account_gateway(account, channel, gateway);
    }
    // Whether an active rule matches on the operator (else none is needed).
    bool rules_use_operators() const { return rules_use_operators_; }
    // Asks the number lookup about these numbers at once (no-op without one).
    void prefetch_operators(const std::vector<std::string>& numbers) {
        resolver_.prefetch(numbers);
    }
    OperatorInfo operator_of(const std::string& e164) { return resolver_.resolve(e164, false); }
    // Stops the number lookup's thread.
    void stop() { resolver_.stop(); }

private:
    Status check_admin(const Principal& who) const;
    Result<const channels::GatewayKind*> kind_of(const std::string& name) const;
    // The record with its secrets opened and validated settings.
    Result<GatewayRecord> opened(const std::string& sealed, GatewayRecord g) const;
    Status reload(db::Connection& c);
    Status reload_operators(db::Connection& c);
    Status apply_route_input(db::Connection& c, RouteRule& rule, const RouteInput& in);

    db::Database& db_;
    Clock& clock_;
    std::string secret_;
    GatewayRegistry& registry_;
    OperatorResolver resolver_;
    std::atomic<bool> rules_use_operators_{false};
    bool offline_ = false;
};

}  // namespace ujumbe::routing
