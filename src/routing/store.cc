#include "routing/store.h"

namespace ujumbe::routing::store {

namespace {

using db::Row;
using db::Value;
using json = nlohmann::json;

constexpr const char* kGatewayColumns =
    "id, name, kind, settings, secrets, is_active, created_at, updated_at, receipt_timeout_s";

StoredGateway gateway_from(const Row& r) {
    StoredGateway s;
    auto& g = s.gateway;
    g.id = r.id<GatewayId>(0);
    g.name = r.text(1);
    g.kind = r.text(2);
    g.settings = json::parse(r.text(3), nullptr, false);
    // Unreadable settings read as none, never as a value that cannot be written back.
    if (!g.settings.is_object()) g.settings = json::object();
    s.sealed = r.text(4);
    g.is_active = r.boolean(5);
    g.created_at = r.i64(6);
    g.updated_at = r.i64(7);
    g.receipt_timeout_s = r.opt_i64(8);
    return s;
}

constexpr const char* kRouteColumns =
    "id, name, priority, channel, prefix, country, account_id, sender, gateways, failover, "
    "is_active, created_at, updated_at, operator";

json targets_json(const std::vector<RouteTarget>& targets) {
    json out = json::array();
    for (const auto& t : targets)
        out.push_back({{"gateway_id", t.gateway_id}, {"weight", t.weight}});
    return out;
}

RouteRule route_from(const Row& r) {
    RouteRule rule;
    rule.id = r.id<RouteId>(0);
    rule.name = r.text(1);
    rule.priority = static_cast<int>(r.i64(2));
    rule.channel = r.text(3);
    rule.prefix = r.text(4);
    rule.country = r.text(5);
    rule.account_id = r.opt_id<AccountId>(6);
    rule.sender = r.opt_text(7);
    const json targets = json::parse(r.text(8), nullptr, false);
    // Targets that are not {gateway_id, weight} objects are skipped; a weight
    // that is not a positive whole number counts as 1.
    if (targets.is_array())
        for (const auto& t : targets) {
            if (!t.is_object() || !t.contains("gateway_id") || !t["gateway_id"].is_string())
                continue;
            int weight = 1;
            if (auto w = t.find("weight"); w != t.end() && w->is_number_integer() &&
                                           w->get<std::int64_t>() > 0 &&
                                           w->get<std::int64_t>() <= 1'000'000)
                weight = static_cast<int>(w->get<std::int64_t>());
            rule.gateways.push_back({GatewayId{t["gateway_id"].get<std::string>()}, weight});
        }
    const json failover = json::parse(r.text(9), nullptr, false);
    if (failover.is_array())
        for (const auto& id : failover)
            if (id.is_string()) rule.failover.push_back(GatewayId{id.get<std::string>()});
    rule.is_active = r.boolean(10);
    rule.created_at = r.i64(11);
    rule.updated_at = r.i64(12);
    rule.operator_name = r.opt_text(13);
    return rule;
}

}  // namespace

Status insert_gateway(Connection& c, const GatewayRecord& g, const std::string& sealed) {
    return db::done(
        c.query("INSERT INTO gateways (id, name, kind, settings, secrets, is_active, created_at, "
                "updated_at, receipt_timeout_s) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                {g.id.value, g.name, g.kind, g.settings.dump(), sealed, g.is_active, g.created_at,
                 g.updated_at, db::optional_int(g.receipt_timeout_s)}));
}

Status update_gateway(Connection& c, const GatewayRecord& g, const std::string& sealed) {
    return db::done(
        c.query("UPDATE gateways SET name = $2, settings = $3, secrets = $4, is_active = $5, "
                "updated_at = $6, receipt_timeout_s = $7 WHERE id = $1",
                {g.id.value, g.name, g.settings.dump(), sealed, g.is_active, g.updated_at,
                 db::optional_int(g.receipt_timeout_s)}));
}

Status delete_gateway(Connection& c, const GatewayId& id) {
    return db::done(c.query("DELETE FROM gateways WHERE id = $1", {id.value}));
}

Result<std::optional<StoredGateway>> find_gateway(Connection& c, const GatewayId& id) {
    return db::one<StoredGateway>(
        c.query_one(std::string("SELECT ") + kGatewayColumns + " FROM gateways WHERE id = $1",
                    {id.value}),
        gateway_from);
}

Result<std::vector<StoredGateway>> all_gateways(Connection& c) {
    return db::all<StoredGateway>(
        c.query(std::string("SELECT ") + kGatewayColumns + " FROM gateways ORDER BY created_at"),
        gateway_from);
}

Result<db::Listing<StoredGateway>> list_gateways(Connection& c, db::Paged page) {
    db::Filter f;
    db::Listing<StoredGateway> out;
    UJ_ASSIGN(out.count, db::count_of(c, "SELECT count(*) FROM gateways", f));
    const std::string sql = std::string("SELECT ") + kGatewayColumns +
                            " FROM gateways ORDER BY created_at, id" + db::limit_clause(f, page);
    UJ_ASSIGN(out.items, db::all<StoredGateway>(c.run(sql, f.params()), gateway_from));
    return out;
}

Status insert_route(Connection& c, const RouteRule& r) {
    return db::done(c.query(
        "INSERT INTO routes (id, name, priority, channel, prefix, country, account_id, sender, "
        "gateways, failover, is_active, created_at, updated_at, operator) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        {r.id.value, r.name, static_cast<std::int64_t>(r.priority), r.channel, r.prefix, r.country,
         db::optional_id(r.account_id), db::optional_text(r.sender),
         targets_json(r.gateways).dump(), json(r.failover).dump(), r.is_active, r.created_at,
         r.updated_at, db::optional_text(r.operator_name)}));
}

Status update_route(Connection& c, const RouteRule& r) {
    return db::done(c.query(
        "UPDATE routes SET name = $2, priority = $3, channel = $4, prefix = $5, country = $6, "
        "account_id = $7, sender = $8, gateways = $9, failover = $10, is_active = $11, "
        "updated_at = $12, operator = $13 WHERE id = $1",
        {r.id.value, r.name, static_cast<std::int64_t>(r.priority), r.channel, r.prefix, r.country,
         db::optional_id(r.account_id), db::optional_text(r.sender),
         targets_json(r.gateways).dump(), json(r.failover).dump(), r.is_active, r.updated_at,
         db::optional_text(r.operator_name)}));
}

Status delete_route(Connection& c, const RouteId& id) {
    return db::done(c.query("DELETE FROM routes WHERE id = $1", {id.value}));
}

Result<std::optional<RouteRule>> find_route(Connection& c, const RouteId& id) {
    return db::one<RouteRule>(
        c.query_one(std::string("SELECT ") + kRouteColumns + " FROM routes WHERE id = $1",
                    {id.value}),
        route_from);
}

Result<std::vector<RouteRule>> all_routes(Connection& c) {
    return db::all<RouteRule>(c.query(std::string("SELECT ") + kRouteColumns +
                                      " FROM routes ORDER BY priority DESC, created_at"),
                              route_from);
}

Result<std::vector<std::string>> routes_using(Connection& c, const GatewayId& gateway_id) {
    UJ_ASSIGN(auto rules, all_routes(c));
    std::vector<std::string> names;
    for (const auto& r : rules) {
        bool uses = std::find(r.failover.begin(), r.failover.end(), gateway_id) != r.failover.end();
        for (const auto& t : r.gateways) uses = uses || t.gateway_id == gateway_id;
        if (uses) names.push_back(r.name);
    }
    return names;
}

// ---- operator prefixes

namespace {

OperatorPrefix prefix_from(const Row& r) {
    return {r.text(0), r.text(1), r.text(2), r.text(3), r.text(4)};
}

constexpr const char* kPrefixColumns = "prefix, operator, mcc, mnc, country";

}  // namespace

Result<std::vector<OperatorPrefix>> all_operator_prefixes(Connection& c) {
    return db::all<OperatorPrefix>(
        c.query(std::string("SELECT ") + kPrefixColumns + " FROM operator_prefixes"), prefix_from);
}

Result<db::Listing<OperatorPrefix>> list_operator_prefixes(Connection& c,
                                                           const std::string& country,
                                                           db::Paged page) {
    db::Filter f;
    if (!country.empty()) f.add("country = {}", country);
    db::Listing<OperatorPrefix> out;
    UJ_ASSIGN(out.count, db::count_of(c, "SELECT count(*) FROM operator_prefixes", f));
    const std::string sql = std::string("SELECT ") + kPrefixColumns + " FROM operator_prefixes" +
                            f.sql() + " ORDER BY prefix" + db::limit_clause(f, page);
    UJ_ASSIGN(out.items, db::all<OperatorPrefix>(c.run(sql, f.params()), prefix_from));
    return out;
}

Status put_operator_prefixes(Connection& c, const std::vector<OperatorPrefix>& rows, bool replace,
                             Micros now) {
    if (replace) UJ_TRY(db::done(c.query("DELETE FROM operator_prefixes")));
    for (const auto& r : rows)
        UJ_TRY(db::done(c.query(
            "INSERT INTO operator_prefixes (prefix, operator, mcc, mnc, country, source, "
            "updated_at) VALUES ($1, $2, $3, $4, $5, 'import', $6) ON CONFLICT (prefix) DO "
            "UPDATE SET operator = excluded.operator, mcc = excluded.mcc, mnc = excluded.mnc, "
            "country = excluded.country, source = excluded.source, updated_at = "
            "excluded.updated_at",
            {r.prefix, r.name, r.mcc, r.mnc, r.country, now})));
    return {};
}

Result<bool> delete_operator_prefix(Connection& c, const std::string& prefix) {
    UJ_ASSIGN(auto result, c.query("DELETE FROM operator_prefixes WHERE prefix = $1", {prefix}));
    return result.affected > 0;
}

// ---- the number lookup

Result<std::optional<StoredLookup>> find_number_lookup(Connection& c) {
    UJ_ASSIGN(auto row, c.query_one("SELECT kind, settings, secrets, is_active, updated_at FROM "
                                    "number_lookup WHERE id = 1"));
    if (!row) return std::optional<StoredLookup>{};
    StoredLookup s;
    s.kind = row->text(0);
    s.settings = json::parse(row->text(1), nullptr, false);
    if (!s.settings.is_object()) s.settings = json::object();
    s.sealed = row->text(2);
    s.is_active = row->boolean(3);
    s.updated_at = row->i64(4);
    return std::optional<StoredLookup>(std::move(s));
}

Status put_number_lookup(Connection& c, const StoredLookup& s) {
    return db::done(c.query(
        "INSERT INTO number_lookup (id, kind, settings, secrets, is_active, updated_at) VALUES "
        "(1, $1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, settings = "
        "excluded.settings, secrets = excluded.secrets, is_active = excluded.is_active, "
        "updated_at = excluded.updated_at",
        {s.kind, s.settings.dump(), s.sealed, s.is_active, s.updated_at}));
}

Status delete_number_lookup(Connection& c) {
    return db::done(c.query("DELETE FROM number_lookup WHERE id = 1"));
}

}  // namespace ujumbe::routing::store
