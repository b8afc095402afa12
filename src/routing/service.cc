#include <utility>  // before Asio (g++ 12)

#include "routing/service.h"

#include <algorithm>
#include <chrono>

#include "channels/number_lookup.h"
#include "core/crypto.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/validate.h"
#include "formats/phone.h"
#include "routing/store.h"

namespace ujumbe::routing {

namespace {

using json = nlohmann::json;

}  // namespace

RoutingService::RoutingService(db::Database& db, Clock& clock, std::string secret,
                               GatewayRegistry& registry)
    : db_(db), clock_(clock), secret_(std::move(secret)), registry_(registry), resolver_(clock) {}

RoutingService::~RoutingService() {
    resolver_.stop();
}

Result<const channels::GatewayKind*> RoutingService::kind_of(const std::string& name) const {
    const auto* kind = registry_.kinds().find(name);
    if (!kind) return Error::invalid("kind", "Unknown gateway kind.");
    return kind;
}

// Moves the kind's secret settings ("password") out of `settings` into `secrets`.
static void split_secrets(const std::vector<std::string>& names, json& settings, json& secrets) {
    if (!settings.is_object()) return;
    for (const auto& name : names) {
        if (!settings.contains(name)) continue;
        secrets[name] = settings[name];
        settings.erase(name);
    }
}

Status RoutingService::check_admin(const Principal& who) const {
    if (!who.is_platform_admin())
        return Error::forbidden("Only the platform admin manages gateways and routes.");
    return {};
}

Result<GatewayRecord> RoutingService::opened(const std::string& sealed, GatewayRecord g) const {
    if (!sealed.empty()) {
        auto plain = open_secret(secret_, sealed);
        if (!plain) return Error::internal("gateway secrets cannot be opened with this secret key");
        g.secrets = json::parse(*plain, nullptr, false);
        if (!g.secrets.is_object()) g.secrets = json::object();
    }
    return g;
}

Status RoutingService::reload(db::Connection& c) {
    if (offline_) return {};
    UJ_ASSIGN(auto stored, store::all_gateways(c));
    std::vector<GatewayRecord> gateways;
    for (auto& s : stored) {
        auto g = opened(s.sealed, std::move(s.gateway));
        if (g) gateways.push_back(std::move(*g));
    }
    UJ_ASSIGN(auto rules, store::all_routes(c));
    rules_use_operators_ = std::any_of(rules.begin(), rules.end(), [](const RouteRule& r) {
        return r.is_active && r.operator_name.has_value();
    });
    registry_.apply(gateways, std::move(rules));
    return {};
}

// The prefix table and the number lookup, from the store.
Status RoutingService::reload_operators(db::Connection& c) {
    UJ_ASSIGN(auto prefixes, store::all_operator_prefixes(c));
    resolver_.set_table(prefixes);
    UJ_ASSIGN(auto stored, store::find_number_lookup(c));
    if (!stored || !stored->is_active) {
        resolver_.set_lookup(nullptr, 0);
        return {};
    }
    json secrets = json::object();
    if (!stored->sealed.empty()) {
        auto plain = open_secret(secret_, stored->sealed);
        if (!plain) {
            // The server secret changed: routing goes on by the prefix table.
            log::warn("number lookup not started: its secrets cannot be opened");
            resolver_.set_lookup(nullptr, 0);
            return {};
        }
        secrets = json::parse(*plain, nullptr, false);
        if (!secrets.is_object()) secrets = json::object();
    }
    auto lookup =
        channels::make_number_lookup(stored->kind, stored->settings, secrets, resolver_.io());
    if (!lookup) {
        log::warn("number lookup not started", {{"error", lookup.error().message}});
        resolver_.set_lookup(nullptr, 0);
        return {};
    }
    resolver_.set_lookup(
        *lookup, channels::number_lookup_cache_seconds(stored->settings) * kMicrosPerSecond);
    return {};
}

Status RoutingService::load() {
    return db_.read([&](db::Connection& c) -> Status {
        UJ_TRY(reload(c));
        return reload_operators(c);
    });
}

Status RoutingService::ensure_gateway(const std::string& kind_name) {
    UJ_ASSIGN(const auto* kind, kind_of(kind_name));
    UJ_TRY(db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto existing, store::all_gateways(c));
        if (!existing.empty()) return {};
        const Micros now = clock_.now();
        GatewayRecord g{.id = GatewayId{new_uuid_v7(now)},
                        .name = kind_name,
                        .kind = kind_name,
                        .settings = kind->default_settings(),
                        .created_at = now,
                        .updated_at = now};
        UJ_TRY(store::insert_gateway(c, g, ""));
        RouteRule r{.id = RouteId{new_uuid_v7(now)},
                    .name = "everything to " + kind_name,
                    .priority = 0,
                    .gateways = {{g.id, 1}},
                    .created_at = now,
                    .updated_at = now};
        return store::insert_route(c, r);
    }));
    return load();
}

Result<db::Listing<GatewayRecord>> RoutingService::list_gateways(const Principal& who,
                                                                 db::Paged page) {
    UJ_TRY(check_admin(who));
    return db_.read([&](db::Connection& c) -> Result<db::Listing<GatewayRecord>> {
        UJ_ASSIGN(auto stored, store::list_gateways(c, page));
        db::Listing<GatewayRecord> out;
        out.count = stored.count;
        for (auto& s : stored.items) {
            UJ_ASSIGN(auto g, opened(s.sealed, std::move(s.gateway)));
            out.items.push_back(std::move(g));
        }
        return out;
    });
}

Result<GatewayRecord> RoutingService::get_gateway(const Principal& who, const GatewayId& id) {
    UJ_TRY(check_admin(who));
    UJ_ASSIGN(auto found, db_.read([&](db::Connection& c) { return store::find_gateway(c, id); }));
    if (!found) return Error::not_found("gateway");
    return opened(found->sealed, found->gateway);
}

Result<GatewayRecord> RoutingService::create_gateway(const Principal& who, const GatewayInput& in) {
    UJ_TRY(check_admin(who));
    FieldErrors missing;
    if (!in.name) missing["name"].push_back("This field is required.");
    if (!in.kind) missing["kind"].push_back("This field is required.");
    if (!missing.empty()) return Error::invalid_fields(std::move(missing));
    const Micros now = clock_.now();
    GatewayRecord g{.id = GatewayId{new_uuid_v7(now)},
                    .name = *in.name,
                    .kind = *in.kind,
                    .is_active = in.is_active.value_or(true),
                    .receipt_timeout_s = in.receipt_timeout_s.value_or(std::nullopt),
                    .created_at = now,
                    .updated_at = now};
    UJ_ASSIGN(const auto* kind, kind_of(g.kind));
    json settings = in.settings.value_or(json::object());
    split_secrets(kind->secret_fields(), settings, g.secrets);
    UJ_ASSIGN(g.settings, kind->canonical_settings(settings, g.secrets));
    const std::string sealed = g.secrets.empty() ? "" : seal_secret(secret_, g.secrets.dump());
    auto stored = db_.write([&](db::Connection& c) -> Status {
        UJ_TRY(store::insert_gateway(c, g, sealed));
        return reload(c);
    });
    if (!stored && stored.error().error_code == "UNIQUE_VIOLATION")
        return Error::invalid("name", "A gateway with this name exists.");
    UJ_TRY(stored);
    return g;
}

Result<GatewayRecord> RoutingService::update_gateway(const Principal& who, const GatewayId& id,
                                                     const GatewayInput& in) {
    UJ_TRY(check_admin(who));
    if (in.kind) return Error::invalid("kind", "The kind of a gateway cannot change.");
    GatewayRecord result;
    auto stored = db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto found, store::find_gateway(c, id));
        if (!found) return Error::not_found("gateway");
        UJ_ASSIGN(auto g, opened(found->sealed, found->gateway));
        if (in.name) g.name = *in.name;
        if (in.is_active) g.is_active = *in.is_active;
        if (in.receipt_timeout_s) g.receipt_timeout_s = *in.receipt_timeout_s;
        if (in.settings) {
            UJ_ASSIGN(const auto* kind, kind_of(g.kind));
            json settings = *in.settings;
            split_secrets(kind->secret_fields(), settings, g.secrets);
            // Settings not named keep their stored values.
            json merged = g.settings;
            if (settings.is_object())
                for (const auto& [k, v] : settings.items()) merged[k] = v;
            else
                merged = settings;
            UJ_ASSIGN(g.settings, kind->canonical_settings(merged, g.secrets));
        }
        g.updated_at = clock_.now();
        const std::string sealed = g.secrets.empty() ? "" : seal_secret(secret_, g.secrets.dump());
        UJ_TRY(store::update_gateway(c, g, sealed));
        UJ_TRY(reload(c));
        result = g;
        return {};
    });
    if (!stored && stored.error().error_code == "UNIQUE_VIOLATION")
        return Error::invalid("name", "A gateway with this name exists.");
    UJ_TRY(stored);
    return result;
}

Status RoutingService::delete_gateway(const Principal& who, const GatewayId& id) {
    UJ_TRY(check_admin(who));
    return db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto found, store::find_gateway(c, id));
        if (!found) return Error::not_found("gateway");
        UJ_ASSIGN(auto users, store::routes_using(c, id));
        if (!users.empty()) {
            auto e = Error::conflict("GATEWAY_IN_USE",
                                     "Routing rules send through this gateway; change them first.");
            e.details["routes"] = users;
            return e;
        }
        UJ_TRY(store::delete_gateway(c, id));
        return reload(c);
    });
}

Result<json> RoutingService::test_gateway(const Principal& who, const GatewayId& id) {
    UJ_TRY(check_admin(who));
    UJ_ASSIGN(auto found, db_.read([&](db::Connection& c) { return store::find_gateway(c, id); }));
    if (!found) return Error::not_found("gateway");
    UJ_ASSIGN(auto g, opened(found->sealed, found->gateway));
    const auto started = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
            .count();
    };
    UJ_ASSIGN(const auto* kind, kind_of(g.kind));
    json report =
        kind->probe({.id = g.id, .settings = g.settings, .secrets = g.secrets}, registry_.io());
    report["kind"] = g.kind;
    report["elapsed_ms"] = elapsed();
    return report;
}

Result<std::size_t> RoutingService::callback(const GatewayId& id,
                                             const channels::ProviderCallback& cb) {
    auto live = registry_.gateway(id);
    if (!live) return Error::not_found("Gateway");
    return live->on_callback(cb);
}

Result<json> RoutingService::gateway_status(const Principal& who, const GatewayId& id) {
    UJ_ASSIGN(auto g, get_gateway(who, id));
    auto live = registry_.gateway(id);
    if (!live)
        return json{
            {"kind", g.kind},
            {"bound", false},
            {"running", false},
            {"detail", g.is_active ? "not running: its settings could not be used" : "inactive"}};
    json status = live->status();
    status["running"] = true;
    return status;
}

Status RoutingService::apply_route_input(db::Connection& c, RouteRule& rule, const RouteInput& in) {
    FieldErrors errors;
    if (in.name) rule.name = *in.name;
    if (in.priority) rule.priority = *in.priority;
    if (in.channel) rule.channel = *in.channel;
    if (in.prefix) {
        std::string p = *in.prefix;
        if (p.starts_with('+')) p.erase(0, 1);
        if ((!p.empty() && !all_digits(p)) || p.size() > 15)
            errors["prefix"].push_back("Must be up to 15 digits of a number in E.164.");
        rule.prefix = p;
    }
    if (in.country) rule.country = *in.country;
    if (in.account_id) rule.account_id = *in.account_id;
    if (in.sender) rule.sender = *in.sender;
    if (in.operator_name) rule.operator_name = *in.operator_name;
    if (in.gateways) rule.gateways = *in.gateways;
    if (in.failover) rule.failover = *in.failover;
    if (in.is_active) rule.is_active = *in.is_active;
    if (rule.gateways.empty() && rule.failover.empty())
        errors["gateways"].push_back("Name at least one gateway.");
    auto check = [&](const std::string& field, const GatewayId& gateway_id) -> Status {
        UJ_ASSIGN(auto found, store::find_gateway(c, gateway_id));
        if (!found) errors[field].push_back("No gateway " + gateway_id.value + ".");
        return {};
    };
    for (const auto& t : rule.gateways) UJ_TRY(check("gateways", t.gateway_id));
    for (const auto& id : rule.failover) UJ_TRY(check("failover", id));
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    return {};
}

Result<std::vector<RouteRule>> RoutingService::list_routes(const Principal& who) {
    UJ_TRY(check_admin(who));
    return db_.read([&](db::Connection& c) { return store::all_routes(c); });
}

Result<RouteRule> RoutingService::get_route(const Principal& who, const RouteId& id) {
    UJ_TRY(check_admin(who));
    UJ_ASSIGN(auto found, db_.read([&](db::Connection& c) { return store::find_route(c, id); }));
    if (!found) return Error::not_found("route");
    return *found;
}

Result<RouteRule> RoutingService::create_route(const Principal& who, const RouteInput& in) {
    UJ_TRY(check_admin(who));
    if (!in.name) return Error::invalid("name", "This field is required.");
    const Micros now = clock_.now();
    RouteRule rule{.id = RouteId{new_uuid_v7(now)}, .created_at = now, .updated_at = now};
    UJ_TRY(db_.write([&](db::Connection& c) -> Status {
        UJ_TRY(apply_route_input(c, rule, in));
        UJ_TRY(store::insert_route(c, rule));
        return reload(c);
    }));
    return rule;
}

Result<RouteRule> RoutingService::update_route(const Principal& who, const RouteId& id,
                                               const RouteInput& in) {
    UJ_TRY(check_admin(who));
    RouteRule rule;
    UJ_TRY(db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto found, store::find_route(c, id));
        if (!found) return Error::not_found("route");
        rule = *found;
        UJ_TRY(apply_route_input(c, rule, in));
        rule.updated_at = clock_.now();
        UJ_TRY(store::update_route(c, rule));
        return reload(c);
    }));
    return rule;
}

Status RoutingService::delete_route(const Principal& who, const RouteId& id) {
    UJ_TRY(check_admin(who));
    return db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto found, store::find_route(c, id));
        if (!found) return Error::not_found("route");
        UJ_TRY(store::delete_route(c, id));
        return reload(c);
    });
}

Result<Simulation> RoutingService::simulate(const Principal& who, const SimulateInput& in) {
    UJ_TRY(check_admin(who));
    std::string problem;
    auto e164 = formats::normalize_phone(in.to, "", &problem);
    if (!e164) return Error::invalid("to", problem.empty() ? "Not a valid number." : problem);
    Simulation out;
    out.to = *e164;
    out.country = formats::describe_phone(*e164, "").country;
    out.operator_info = resolver_.resolve(*e164, true);
    RouteQuery q{.channel = in.channel,
                 .to = *e164,
                 .country = out.country,
                 .account_id = in.account_id.value_or(AccountId{}),
                 .sender = in.sender.value_or(""),
                 .key = *e164,
                 .operator_name = out.operator_info.name,
                 .mcc = out.operator_info.mcc,
                 .mnc = out.operator_info.mnc};
    out.choice = registry_.choose(q);
    if (!out.choice) return out;
    UJ_TRY(db_.read([&](db::Connection& c) -> Status {
        for (const auto& id : out.choice->gateways) {
            UJ_ASSIGN(auto found, store::find_gateway(c, id));
            if (found) out.gateways.push_back(found->gateway);
        }
        return {};
    }));
    return out;
}

Result<db::Listing<OperatorPrefix>> RoutingService::list_operators(const Principal& who,
                                                                   const std::string& country,
                                                                   db::Paged page) {
    UJ_TRY(check_admin(who));
    return db_.read(
        [&](db::Connection& c) { return store::list_operator_prefixes(c, country, page); });
}

Result<OperatorImportResult> RoutingService::import_operators(const Principal& who,
                                                              std::string_view csv, bool replace) {
    UJ_TRY(check_admin(who));
    UJ_ASSIGN(auto parsed, parse_operator_csv(csv));
    UJ_TRY(db_.write([&](db::Connection& c) -> Status {
        UJ_TRY(store::put_operator_prefixes(c, parsed.rows, replace, clock_.now()));
        return reload_operators(c);
    }));
    return OperatorImportResult{parsed.rows.size(), replace};
}

Status RoutingService::delete_operator(const Principal& who, const std::string& prefix) {
    UJ_TRY(check_admin(who));
    return db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(bool deleted, store::delete_operator_prefix(c, prefix));
        if (!deleted) return Error::not_found("Operator prefix");
        return reload_operators(c);
    });
}

namespace {

json lookup_json(const store::StoredLookup& s, const json& secrets) {
    return {{"kind", s.kind},
            {"settings", channels::redacted_settings(s.settings, secrets)},
            {"is_active", s.is_active},
            {"updated_at", format_iso8601(s.updated_at)}};
}

}  // namespace

Result<json> RoutingService::number_lookup(const Principal& who) {
    UJ_TRY(check_admin(who));
    UJ_ASSIGN(auto stored,
              db_.read([](db::Connection& c) { return store::find_number_lookup(c); }));
    if (!stored) return Error::not_found("Number lookup");
    json secrets = json::object();
    if (auto plain = open_secret(secret_, stored->sealed))
        secrets = json::parse(*plain, nullptr, false);
    return lookup_json(*stored, secrets.is_object() ? secrets : json::object());
}

Result<json> RoutingService::put_number_lookup(const Principal& who, const NumberLookupInput& in) {
    UJ_TRY(check_admin(who));
    const auto& kinds = channels::number_lookup_kinds();
    if (std::find(kinds.begin(), kinds.end(), in.kind) == kinds.end())
        return Error::invalid("kind", "Must be http.");
    json result;
    UJ_TRY(db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto existing, store::find_number_lookup(c));
        json secrets = json::object();
        if (existing && existing->kind == in.kind && !existing->sealed.empty()) {
            if (auto plain = open_secret(secret_, existing->sealed))
                secrets = json::parse(*plain, nullptr, false);
            if (!secrets.is_object()) secrets = json::object();
        }
        json settings = in.settings;
        split_secrets(channels::number_lookup_secret_fields(in.kind), settings, secrets);
        store::StoredLookup s;
        s.kind = in.kind;
        UJ_ASSIGN(s.settings, channels::canonical_number_lookup(in.kind, settings, secrets));
        s.sealed = secrets.empty() ? "" : seal_secret(secret_, secrets.dump());
        s.is_active = in.is_active;
        s.updated_at = clock_.now();
        UJ_TRY(store::put_number_lookup(c, s));
        result = lookup_json(s, secrets);
        return reload_operators(c);
    }));
    return result;
}

Status RoutingService::delete_number_lookup(const Principal& who) {
    UJ_TRY(check_admin(who));
    return db_.write([&](db::Connection& c) -> Status {
        UJ_TRY(store::delete_number_lookup(c));
        return reload_operators(c);
    });
}

}  // namespace ujumbe::routing
