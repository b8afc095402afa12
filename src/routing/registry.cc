#include <utility>  // before Asio (g++ 12)

#include "routing/registry.h"

#include "core/log.h"
#include "core/thread_name.h"
#include "routing/selector.h"

namespace ujumbe::routing {

GatewayRegistry::GatewayRegistry(const channels::KindRegistry& kinds,
                                 channels::GatewayListener& listener)
    : kinds_(kinds),
      listener_(listener),
      guard_(boost::asio::make_work_guard(io_)),
      thread_([this] {
          name_this_thread("gateways");
          try {
              io_.run();
          } catch (const std::exception& e) {
              log::error("gateway thread stopped", {{"error", e.what()}});
          }
      }) {}

GatewayRegistry::~GatewayRegistry() {
    stop();
}

void GatewayRegistry::stop() {
    std::call_once(stopped_, [this] {
        std::map<GatewayId, Live> live;
        {
            std::lock_guard lock(mutex_);
            live.swap(live_);
        }
        for (auto& [id, l] : live) l.gateway->stop();
        std::map<std::pair<AccountId, std::string>, Live> accounts;
        {
            std::lock_guard lock(mutex_);
            accounts.swap(account_live_);
            account_by_id_.clear();
        }
        for (auto& [key, l] : accounts) l.gateway->stop();
        guard_.reset();
        // Sessions close their sockets on stop; give them a moment, then end.
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        io_.stop();
        thread_.join();
    });
}

Result<std::shared_ptr<channels::Gateway>> GatewayRegistry::build(const GatewayRecord& g) {
    const auto* kind = kinds_.find(g.kind);
    if (!kind) return Error::invalid("kind", "Unknown gateway kind.");
    return kind->create({.id = g.id, .settings = g.settings, .secrets = g.secrets}, io_, listener_);
}

void GatewayRegistry::apply(const std::vector<GatewayRecord>& gateways,
                            std::vector<RouteRule> rules) {
    sort_rules(rules);
    std::map<GatewayId, Live> next;
    std::vector<std::shared_ptr<channels::Gateway>> started, stopped;
    {
        std::lock_guard lock(mutex_);
        for (const auto& g : gateways) {
            if (!g.is_active) continue;
            const std::string fingerprint =
                g.kind + '\n' + g.settings.dump() + '\n' + g.secrets.dump();
            const auto system = g.settings.find("system");
            const bool is_system =
                system != g.settings.end() && system->is_boolean() && system->get<bool>();
            auto it = live_.find(g.id);
            if (it != live_.end() && it->second.fingerprint == fingerprint) {
                next[g.id] = it->second;
                next[g.id].name = g.name;
                continue;
            }
            auto built = build(g);
            if (!built) {
                log::warn("gateway not started",
                          {{"gateway", g.name}, {"error", built.error().message}});
                continue;
            }
            next[g.id] = {fingerprint, *built, is_system, g.name};
            started.push_back(*built);
        }
        for (auto& [id, l] : live_) {
            auto it = next.find(id);
            if (it == next.end() || it->second.gateway != l.gateway) stopped.push_back(l.gateway);
        }
        live_.swap(next);
        rules_ = std::move(rules);
    }
    for (auto& g : stopped) g->stop();
    for (auto& g : started) g->start();
}

void GatewayRegistry::install(std::shared_ptr<channels::Gateway> gateway,
                              std::vector<RouteRule> rules) {
    sort_rules(rules);
    std::lock_guard lock(mutex_);
    const GatewayId id = gateway->id();
    live_[id] = {"", std::move(gateway), false, id.value};
    rules_ = std::move(rules);
}

void GatewayRegistry::set_account_gateway(const AccountId& account, const std::string& channel,
                                          const std::optional<GatewayRecord>& g) {
    const auto key = std::make_pair(account, channel);
    std::shared_ptr<channels::Gateway> stopped;
    {
        std::lock_guard lock(mutex_);
        auto it = account_live_.find(key);
        if (!g) {
            if (it == account_live_.end()) return;
            stopped = it->second.gateway;
            account_by_id_.erase(stopped->id());
            account_live_.erase(it);
        } else {
            const std::string fingerprint =
                g->kind + '\n' + g->id.value + '\n' + g->settings.dump() + '\n' + g->secrets.dump();
            if (it != account_live_.end() && it->second.fingerprint == fingerprint) return;
            auto built = build(*g);
            if (!built) {
                log::warn("account gateway not started",
                          {{"account_id", account.value}, {"error", built.error().message}});
                return;
            }
            // Started before anyone can choose it: a message routed to it
            // in between would find it unavailable and wait for a retry.
            (*built)->start();
            if (it != account_live_.end()) {
                stopped = it->second.gateway;
                account_by_id_.erase(stopped->id());
            }
            account_live_[key] = {fingerprint, *built};
            account_by_id_[g->id] = *built;
        }
    }
    if (stopped) stopped->stop();
}

std::optional<RouteChoice> GatewayRegistry::choose(const RouteQuery& q) const {
    std::lock_guard lock(mutex_);
    if (auto it = account_live_.find({q.account_id, q.channel}); it != account_live_.end())
        return RouteChoice{.rule_name = "the account's own " + q.channel + " channel",
                           .gateways = {it->second.gateway->id()}};
    return select_route(rules_, q);
}

std::shared_ptr<channels::Gateway> GatewayRegistry::gateway(const GatewayId& id) const {
    std::lock_guard lock(mutex_);
    auto it = live_.find(id);
    if (it != live_.end()) return it->second.gateway;
    auto own = account_by_id_.find(id);
    return own == account_by_id_.end() ? nullptr : own->second;
}

std::string GatewayRegistry::label_of(const GatewayId& id) const {
    std::lock_guard lock(mutex_);
    if (auto it = live_.find(id); it != live_.end()) return it->second.name;
    return account_by_id_.contains(id) ? "account" : "unknown";
}

std::vector<std::pair<std::string, nlohmann::json>> GatewayRegistry::statuses() const {
    std::vector<std::pair<std::string, std::shared_ptr<channels::Gateway>>> gateways;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [id, l] : live_) gateways.emplace_back(l.name, l.gateway);
    }
    std::vector<std::pair<std::string, nlohmann::json>> out;
    for (const auto& [name, g] : gateways) {
        auto status = g->status();
        status["available"] = g->available();
        out.emplace_back(name, std::move(status));
    }
    return out;
}

std::shared_ptr<channels::Gateway> GatewayRegistry::system_gateway() const {
    std::lock_guard lock(mutex_);
    for (const auto& [id, l] : live_)
        if (l.system) return l.gateway;
    return nullptr;
}

}  // namespace ujumbe::routing
