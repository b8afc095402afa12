// The routing store on both engines: gateways and routing rules written,
// read back, listed in order, changed and deleted; what the schema refuses;
// and stored JSON that cannot be read whole.

#include "routing/store.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/testing_db.h"

namespace ujumbe::routing {
namespace {

using json = nlohmann::json;

constexpr Micros kT0 = 1'790'000'000'000'000;

// A gateway created `at` microseconds after kT0.
GatewayRecord gateway(const std::string& id, const std::string& name, Micros at = 0) {
    return GatewayRecord{.id = GatewayId{id},
                         .name = name,
                         .kind = "smpp",
                         .settings = json{{"host", name + ".example"}, {"port", 2775}},
                         .created_at = kT0 + at,
                         .updated_at = kT0 + at};
}

// A rule named `name` (id "route-<name>") sending everything to gw-a.
RouteRule route(const std::string& name, int priority, Micros at = 0) {
    return RouteRule{.id = RouteId{"route-" + name},
                     .name = name,
                     .priority = priority,
                     .gateways = {{GatewayId{"gw-a"}, 1}},
                     .created_at = kT0 + at,
                     .updated_at = kT0 + at};
}

std::vector<std::string> names_of(const std::vector<store::StoredGateway>& stored) {
    std::vector<std::string> names;
    for (const auto& s : stored) names.push_back(s.gateway.name);
    return names;
}

class RoutingStoreTest : public ::testing::TestWithParam<db::Dialect> {
protected:
    void SetUp() override {
        std::string why;
        test_ = db::testing::TestDatabase::create(GetParam(), why);
        if (!test_) GTEST_SKIP() << why;
    }

    db::Database& db() { return test_->db(); }

    void put(const GatewayRecord& g, const std::string& sealed = "") {
        const auto s =
            db().write([&](db::Connection& c) { return store::insert_gateway(c, g, sealed); });
        ASSERT_TRUE(s) << s.error().message;
    }
    void put_route(const RouteRule& r) {
        const auto s = db().write([&](db::Connection& c) { return store::insert_route(c, r); });
        ASSERT_TRUE(s) << s.error().message;
    }
    std::optional<store::StoredGateway> gateway_by_id(const std::string& id) {
        auto found =
            db().read([&](db::Connection& c) { return store::find_gateway(c, GatewayId{id}); });
        if (!found) {
            ADD_FAILURE() << found.error().message;
            return std::nullopt;
        }
        return std::move(*found);
    }
    std::optional<RouteRule> route_by_id(const RouteId& id) {
        auto found = db().read([&](db::Connection& c) { return store::find_route(c, id); });
        if (!found) {
            ADD_FAILURE() << found.error().message;
            return std::nullopt;
        }
        return std::move(*found);
    }
    // The names of all rules, in the order the store lists them.
    std::vector<std::string> route_names() {
        auto rules = db().read([](db::Connection& c) { return store::all_routes(c); });
        std::vector<std::string> names;
        if (!rules) {
            ADD_FAILURE() << rules.error().message;
            return names;
        }
        for (const auto& r : *rules) names.push_back(r.name);
        return names;
    }

    std::unique_ptr<db::testing::TestDatabase> test_;
};

TEST_P(RoutingStoreTest, AGatewayIsReadBackAsStoredWithOnlyItsSealedSecrets) {
    auto g = gateway("gw-a", "alpha");
    g.secrets = json{{"password", "plain"}};  // the caller seals; the store keeps the sealed text
    g.is_active = false;
    put(g, "sealed-text");

    const auto found = gateway_by_id("gw-a");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->sealed, "sealed-text");
    const auto& stored = found->gateway;
    EXPECT_EQ(stored.id, GatewayId{"gw-a"});
    EXPECT_EQ(stored.name, "alpha");
    EXPECT_EQ(stored.kind, "smpp");
    EXPECT_EQ(stored.settings, (json{{"host", "alpha.example"}, {"port", 2775}}));
    EXPECT_EQ(stored.secrets, json::object());
    EXPECT_FALSE(stored.is_active);
    EXPECT_EQ(stored.created_at, kT0);
    EXPECT_EQ(stored.updated_at, kT0);
}

TEST_P(RoutingStoreTest, AMissingIdIsNotFoundRatherThanAnError) {
    ASSERT_TRUE(db().write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto no_gateway, store::find_gateway(c, GatewayId{"nope"}));
        EXPECT_FALSE(no_gateway);
        UJ_ASSIGN(auto no_route, store::find_route(c, RouteId{"nope"}));
        EXPECT_FALSE(no_route);
        // Changing or deleting a missing row is no error either: nothing happens.
        UJ_TRY(store::update_gateway(c, gateway("nope", "nobody"), ""));
        UJ_TRY(store::delete_gateway(c, GatewayId{"nope"}));
        UJ_TRY(store::update_route(c, route("nope", 1)));
        UJ_TRY(store::delete_route(c, RouteId{"nope"}));
        UJ_ASSIGN(auto gateways, store::all_gateways(c));
        EXPECT_TRUE(gateways.empty());
        UJ_ASSIGN(auto rules, store::all_routes(c));
        EXPECT_TRUE(rules.empty());
        return {};
    }));
}

TEST_P(RoutingStoreTest, AnUpdateKeepsTheKindAndCreationTimeAndADeleteRemovesTheRow) {
    put(gateway("gw-a", "alpha"), "old-seal");
    put(gateway("gw-b", "bravo", 1));
    const GatewayRecord changed{.id = GatewayId{"gw-a"},
                                .name = "alpha-2",
                                .kind = "sandbox",
                                .settings = json{{"host", "new.example"}},
                                .is_active = false,
                                .created_at = kT0 + 99,
                                .updated_at = kT0 + 50};
    ASSERT_TRUE(
        db().write([&](db::Connection& c) { return store::update_gateway(c, changed, ""); }));

    const auto found = gateway_by_id("gw-a");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->gateway.name, "alpha-2");
    EXPECT_EQ(found->gateway.kind, "smpp");  // a gateway's kind never changes
    EXPECT_EQ(found->gateway.settings, (json{{"host", "new.example"}}));
    EXPECT_EQ(found->sealed, "");
    EXPECT_FALSE(found->gateway.is_active);
    EXPECT_EQ(found->gateway.created_at, kT0);
    EXPECT_EQ(found->gateway.updated_at, kT0 + 50);
    const auto other = gateway_by_id("gw-b");
    ASSERT_TRUE(other);
    EXPECT_EQ(other->gateway.name, "bravo");

    ASSERT_TRUE(
        db().write([&](db::Connection& c) { return store::delete_gateway(c, GatewayId{"gw-a"}); }));
    EXPECT_FALSE(gateway_by_id("gw-a"));
    EXPECT_TRUE(gateway_by_id("gw-b"));
}

TEST_P(RoutingStoreTest, AGatewayNeedsAUniqueIdAUniqueNameAndAKind) {
    put(gateway("gw-a", "alpha"));
    auto insert = [&](const GatewayRecord& g) {
        return db().write([&](db::Connection& c) { return store::insert_gateway(c, g, ""); });
    };
    const auto same_name = insert(gateway("gw-b", "alpha"));
    ASSERT_FALSE(same_name);
    EXPECT_EQ(same_name.error().code, ErrorCode::kConflict);
    EXPECT_EQ(same_name.error().error_code, "UNIQUE_VIOLATION");
    const auto same_id = insert(gateway("gw-a", "beta"));
    ASSERT_FALSE(same_id);
    EXPECT_EQ(same_id.error().error_code, "UNIQUE_VIOLATION");
    auto kindless = gateway("gw-c", "gamma");
    kindless.kind = "";
    EXPECT_FALSE(insert(kindless));

    // Renaming onto a name in use is refused too.
    put(gateway("gw-d", "delta", 1));
    const auto renamed = gateway("gw-d", "alpha");
    const auto renaming =
        db().write([&](db::Connection& c) { return store::update_gateway(c, renamed, ""); });
    ASSERT_FALSE(renaming);
    EXPECT_EQ(renaming.error().error_code, "UNIQUE_VIOLATION");

    auto all = db().read([](db::Connection& c) { return store::all_gateways(c); });
    ASSERT_TRUE(all);
    EXPECT_EQ(names_of(*all), (std::vector<std::string>{"alpha", "delta"}));
}

TEST_P(RoutingStoreTest, GatewaysAreListedInCreationOrderAPageAtATime) {
    put(gateway("gw-c", "charlie", 2));
    put(gateway("gw-a", "alpha", 0));
    put(gateway("gw-b", "bravo", 1));
    ASSERT_TRUE(db().read([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto first, store::list_gateways(c, {.limit = 2, .offset = 0}));
        EXPECT_EQ(first.count, 3);
        EXPECT_EQ(names_of(first.items), (std::vector<std::string>{"alpha", "bravo"}));
        UJ_ASSIGN(auto rest, store::list_gateways(c, {.limit = 2, .offset = 2}));
        EXPECT_EQ(rest.count, 3);
        EXPECT_EQ(names_of(rest.items), (std::vector<std::string>{"charlie"}));
        UJ_ASSIGN(auto all, store::all_gateways(c));
        EXPECT_EQ(names_of(all), (std::vector<std::string>{"alpha", "bravo", "charlie"}));
        return {};
    }));
}

TEST_P(RoutingStoreTest, ARouteKeepsItsTargetsFailoverAndAccountAndNullsStayNull) {
    const RouteRule full{.id = RouteId{"r-1"},
                         .name = "kenya",
                         .priority = 5,
                         .channel = "sms",
                         .prefix = "2547",
                         .country = "KE",
                         .account_id = AccountId{"acct-1"},
                         .sender = "ACME",
                         .gateways = {{GatewayId{"gw-a"}, 3}, {GatewayId{"gw-b"}, 1}},
                         .failover = {GatewayId{"gw-c"}},
                         .is_active = false,
                         .created_at = kT0,
                         .updated_at = kT0 + 1};
    put_route(full);
    put_route(route("everything", 0));

    const auto found = route_by_id(RouteId{"r-1"});
    ASSERT_TRUE(found);
    EXPECT_EQ(found->name, "kenya");
    EXPECT_EQ(found->priority, 5);
    EXPECT_EQ(found->channel, "sms");
    EXPECT_EQ(found->prefix, "2547");
    EXPECT_EQ(found->country, "KE");
    ASSERT_TRUE(found->account_id.has_value());
    EXPECT_EQ(*found->account_id, AccountId{"acct-1"});
    ASSERT_TRUE(found->sender.has_value());
    EXPECT_EQ(*found->sender, "ACME");
    ASSERT_EQ(found->gateways.size(), 2u);
    EXPECT_EQ(found->gateways[0].gateway_id, GatewayId{"gw-a"});
    EXPECT_EQ(found->gateways[0].weight, 3);
    EXPECT_EQ(found->gateways[1].gateway_id, GatewayId{"gw-b"});
    EXPECT_EQ(found->gateways[1].weight, 1);
    EXPECT_EQ(found->failover, (std::vector<GatewayId>{GatewayId{"gw-c"}}));
    EXPECT_FALSE(found->is_active);
    EXPECT_EQ(found->created_at, kT0);
    EXPECT_EQ(found->updated_at, kT0 + 1);

    // A rule for every account and sender reads back without them, not as "".
    const auto plain = route_by_id(RouteId{"route-everything"});
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->account_id.has_value());
    EXPECT_FALSE(plain->sender.has_value());
    EXPECT_TRUE(plain->failover.empty());
    EXPECT_TRUE(plain->is_active);
}

TEST_P(RoutingStoreTest, ARouteListedAfterAnotherHasALowerPriority) {
    put_route(route("low", -5, 0));
    put_route(route("newer-high", 10, 3));
    put_route(route("default", 0, 1));
    put_route(route("older-high", 10, 2));
    // Equal priorities: the older rule first.
    EXPECT_EQ(route_names(),
              (std::vector<std::string>{"older-high", "newer-high", "default", "low"}));
}

TEST_P(RoutingStoreTest, AnUpdatedRouteCanLoseItsAccountAndKeepsItsCreationTime) {
    auto rule = route("kenya", 1);
    rule.account_id = AccountId{"acct-1"};
    rule.sender = "ACME";
    rule.failover = {GatewayId{"gw-b"}};
    put_route(rule);
    put_route(route("other", 0));

    rule.name = "kenya-2";
    rule.priority = 7;
    rule.prefix = "254";
    rule.country = "KE";
    rule.account_id.reset();
    rule.sender.reset();
    rule.gateways = {RouteTarget{GatewayId{"gw-c"}, 2}};
    rule.failover.clear();
    rule.is_active = false;
    rule.created_at = kT0 + 99;  // not changed by an update
    rule.updated_at = kT0 + 50;
    ASSERT_TRUE(db().write([&](db::Connection& c) { return store::update_route(c, rule); }));

    const auto found = route_by_id(rule.id);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->name, "kenya-2");
    EXPECT_EQ(found->priority, 7);
    EXPECT_EQ(found->prefix, "254");
    EXPECT_EQ(found->country, "KE");
    EXPECT_FALSE(found->account_id.has_value());
    EXPECT_FALSE(found->sender.has_value());
    ASSERT_EQ(found->gateways.size(), 1u);
    EXPECT_EQ(found->gateways[0].gateway_id, GatewayId{"gw-c"});
    EXPECT_EQ(found->gateways[0].weight, 2);
    EXPECT_TRUE(found->failover.empty());
    EXPECT_FALSE(found->is_active);
    EXPECT_EQ(found->created_at, kT0);
    EXPECT_EQ(found->updated_at, kT0 + 50);

    ASSERT_TRUE(db().write([&](db::Connection& c) { return store::delete_route(c, rule.id); }));
    EXPECT_FALSE(route_by_id(rule.id));
    EXPECT_EQ(route_names(), (std::vector<std::string>{"other"}));
}

TEST_P(RoutingStoreTest, AGatewayIsUsedByTheRulesThatTargetItOrFailOverToIt) {
    put_route(route("target", 2));  // to gw-a
    auto fallback = route("fallback", 1);
    fallback.gateways = {RouteTarget{GatewayId{"gw-b"}, 1}};
    fallback.failover = {GatewayId{"gw-c"}, GatewayId{"gw-a"}};
    put_route(fallback);
    auto elsewhere = route("elsewhere", 0);
    elsewhere.gateways = {RouteTarget{GatewayId{"gw-b"}, 1}};
    put_route(elsewhere);
    ASSERT_TRUE(db().read([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto a, store::routes_using(c, GatewayId{"gw-a"}));
        EXPECT_EQ(a, (std::vector<std::string>{"target", "fallback"}));
        UJ_ASSIGN(auto b, store::routes_using(c, GatewayId{"gw-b"}));
        EXPECT_EQ(b, (std::vector<std::string>{"fallback", "elsewhere"}));
        UJ_ASSIGN(auto unused, store::routes_using(c, GatewayId{"gw-z"}));
        EXPECT_TRUE(unused.empty());
        return {};
    }));
}

TEST_P(RoutingStoreTest, MalformedStoredJsonIsReadAsFarAsItGoes) {
    put(gateway("gw-a", "alpha"));
    put_route(route("partial", 1));
    put_route(route("broken", 0));
    ASSERT_TRUE(db().write([&](db::Connection& c) -> Status {
        UJ_TRY(c.query("UPDATE gateways SET settings = $2 WHERE id = $1",
                       {std::string("gw-a"), std::string("{not json")}));
        UJ_TRY(c.query("UPDATE routes SET gateways = $2, failover = $3 WHERE id = $1",
                       {std::string("route-partial"),
                        std::string(R"([{"gateway_id": "gw-a"}, 5, {"gateway_id": 9},
                                        {"gateway_id": "gw-c", "weight": "heavy"},
                                        {"gateway_id": "gw-d", "weight": -3}])"),
                        std::string(R"(["gw-b", 7, null])")}));
        UJ_TRY(c.query("UPDATE routes SET gateways = $2, failover = $3 WHERE id = $1",
                       {std::string("route-broken"), std::string("oops"), std::string("{}")}));
        return {};
    }));

    const auto g = gateway_by_id("gw-a");
    ASSERT_TRUE(g);
    EXPECT_EQ(g->gateway.name, "alpha");
    EXPECT_EQ(g->gateway.settings, nlohmann::json::object());  // none, and writable again
    ASSERT_TRUE(db().write(
        [&](db::Connection& c) { return store::update_gateway(c, g->gateway, g->sealed); }));

    // Targets that are not objects with a gateway id are skipped; a target
    // without a usable weight weighs 1; failover entries that are not ids
    // are skipped.
    const auto partial = route_by_id(RouteId{"route-partial"});
    ASSERT_TRUE(partial);
    ASSERT_EQ(partial->gateways.size(), 3u);
    EXPECT_EQ(partial->gateways[0].gateway_id, GatewayId{"gw-a"});
    EXPECT_EQ(partial->gateways[0].weight, 1);
    EXPECT_EQ(partial->gateways[1].gateway_id, GatewayId{"gw-c"});
    EXPECT_EQ(partial->gateways[1].weight, 1);
    EXPECT_EQ(partial->gateways[2].gateway_id, GatewayId{"gw-d"});
    EXPECT_EQ(partial->gateways[2].weight, 1);
    EXPECT_EQ(partial->failover, (std::vector<GatewayId>{GatewayId{"gw-b"}}));
    // Lists that are not JSON arrays read as empty.
    const auto broken = route_by_id(RouteId{"route-broken"});
    ASSERT_TRUE(broken);
    EXPECT_TRUE(broken->gateways.empty());
    EXPECT_TRUE(broken->failover.empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, RoutingStoreTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         [](const auto& info) { return db::testing::dialect_name(info.param); });

}  // namespace
}  // namespace ujumbe::routing
