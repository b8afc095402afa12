#pragma once
// The live side of routing: one running Gateway per active stored gateway,
// the active rules in selection order, and the io_context (one thread) all
// gateway sessions run on. Rebuilt from the database after every change
// (apply); a gateway whose stored form did not change keeps running.
// Thread safety: all public members may be called from any thread.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "channels/gateway.h"
#include "channels/kind.h"
#include "core/result.h"
#include "routing/model.h"

namespace ujumbe::routing {

class GatewayRegistry {
public:
    GatewayRegistry(const channels::KindRegistry& kinds, channels::GatewayListener& listener);
    ~GatewayRegistry();
    GatewayRegistry(const GatewayRegistry&) = delete;
    GatewayRegistry& operator=(const GatewayRegistry&) = delete;

    // Starts, keeps or stops gateways to match `gateways` (decrypted) and
    // takes `rules` (any order). A gateway whose settings cannot be read is
    // left out and logged.
    void apply(const std::vector<GatewayRecord>& gateways, std::vector<RouteRule> rules);

    // Runs a gateway built elsewhere under `id` with `rules` (tests and
    // embedders; a later apply() replaces both).
    void install(std::shared_ptr<channels::Gateway> gateway, std::vector<RouteRule> rules);

    // An account's own gateway for a channel (its WhatsApp number), chosen
    // for that account's messages of that channel before any rule; the
    // module that keeps the channel sets it (nullopt: removes it). A gateway
    // whose stored form did not change keeps running.
    void set_account_gateway(const AccountId& account, const std::string& channel,
                             const std::optional<GatewayRecord>& gateway);

    std::optional<RouteChoice> choose(const RouteQuery& q) const;
    const channels::KindRegistry& kinds() const { return kinds_; }
    std::shared_ptr<channels::Gateway> gateway(const GatewayId& id) const;
    // The active gateway the operator marked for the platform's own mail
    // (settings "system": true, an SMTP relay); nullptr when none is. With
    // several, the first by id.
    std::shared_ptr<channels::Gateway> system_gateway() const;
    // A gateway's name as metrics label it: the operator's name for a
    // platform gateway, "account" for every account's own (bounded).
    std::string label_of(const GatewayId& id) const;
    // Every live platform gateway's label and status() (with "available"),
    // for /metrics.
    std::vector<std::pair<std::string, nlohmann::json>> statuses() const;

    boost::asio::io_context& io() { return io_; }
    // Stops every gateway and the thread. Idempotent.
    void stop();

private:
    struct Live {
        std::string fingerprint;  // settings + secrets + kind as stored
        std::shared_ptr<channels::Gateway> gateway;
        bool system = false;  // settings "system": true
        std::string name;     // the operator's
    };
    Result<std::shared_ptr<channels::Gateway>> build(const GatewayRecord& g);

    const channels::KindRegistry& kinds_;
    channels::GatewayListener& listener_;
    boost::asio::io_context io_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::map<GatewayId, Live> live_;
    std::vector<RouteRule> rules_;
    std::map<std::pair<AccountId, std::string>, Live> account_live_;
    std::map<GatewayId, std::shared_ptr<channels::Gateway>> account_by_id_;
    std::once_flag stopped_;
};

}  // namespace ujumbe::routing
