#pragma once
// A kind of gateway (sandbox, smpp, ...) as the rest of the product sees it:
// its name, which settings are secrets, how settings are checked and shown,
// how a live gateway is made and how one is probed for POST /gateways/{id}/test.
// Routing and messaging reach kinds only through a KindRegistry, so adding a
// kind means adding a GatewayKind here and registering it; nothing else
// names it.

#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "channels/gateway.h"
#include "core/result.h"

namespace ujumbe::channels {

// A stored gateway as a kind needs it: settings in stored form and secrets
// opened.
struct GatewaySpec {
    GatewayId id;
    nlohmann::json settings = nlohmann::json::object();
    nlohmann::json secrets = nlohmann::json::object();
};

class GatewayKind {
public:
    virtual ~GatewayKind() = default;
    virtual std::string_view name() const = 0;
    // Settings that are secrets ("password"): split off what the admin sends,
    // sealed at rest, never shown (a view says "<name>_set": true instead).
    virtual std::vector<std::string> secret_fields() const { return {}; }
    // Checks settings and secrets and returns the settings in stored form
    // (defaults filled, no secrets). Errors name the field ("settings.port").
    virtual Result<nlohmann::json> canonical_settings(const nlohmann::json& settings,
                                                      const nlohmann::json& secrets) const = 0;
    // Default settings for a gateway made without the admin (first start).
    virtual nlohmann::json default_settings() const { return nlohmann::json::object(); }
    // A live gateway on `io`, reporting to `listener`.
    virtual Result<std::shared_ptr<Gateway>> create(const GatewaySpec& spec,
                                                    boost::asio::io_context& io,
                                                    GatewayListener& listener) const = 0;
    // Connects on its own (never through the live gateway) and reports
    // {"ok": bool, "detail": "...", ...}; blocks the caller, bounded in time.
    virtual nlohmann::json probe(const GatewaySpec& spec, boost::asio::io_context& io) const = 0;
};

// Settings as shown: the stored settings with "<secret>_set": true for each
// secret held, never the secret.
nlohmann::json redacted_settings(const nlohmann::json& settings, const nlohmann::json& secrets);

// The kinds this server knows, by name. Filled at start, read-only after.
class KindRegistry {
public:
    void add(std::shared_ptr<const GatewayKind> kind);
    // nullptr when no kind has this name.
    const GatewayKind* find(std::string_view name) const;
    std::vector<std::string> names() const;

private:
    std::map<std::string, std::shared_ptr<const GatewayKind>, std::less<>> kinds_;
};

}  // namespace ujumbe::channels
