#include "routing/selector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace ujumbe::routing {
namespace {

using Gateways = std::vector<std::string>;

Gateways texts(const std::vector<GatewayId>& ids) {
    Gateways out;
    for (const auto& id : ids) out.push_back(id.value);
    return out;
}

RouteRule rule(std::string id, std::vector<RouteTarget> gateways = {{GatewayId{"gw-a"}, 1}}) {
    RouteRule r;
    r.id = RouteId{id};
    r.name = "Rule " + id;
    r.gateways = std::move(gateways);
    return r;
}

RouteQuery query(std::string to, std::string key = "msg-1") {
    RouteQuery q;
    q.to = std::move(to);
    q.country = "TZ";
    q.account_id = AccountId{"acc-1"};
    q.sender = "UJUMBE";
    q.key = std::move(key);
    return q;
}

std::vector<std::string> ids_of(const std::vector<RouteRule>& rules) {
    std::vector<std::string> out;
    for (const auto& r : rules) out.push_back(r.id.value);
    return out;
}

// The id of the rule selection picks for `q`, or "" when none does.
std::string selected(std::vector<RouteRule> rules, const RouteQuery& q) {
    sort_rules(rules);
    auto choice = select_route(rules, q);
    return choice ? choice->rule_id.value : "";
}

TEST(RouteSelector, HigherPriorityIsReadFirst) {
    auto low = rule("low");
    low.priority = 1;
    low.prefix = "255712";  // longer and more specific, but lower priority
    low.account_id = AccountId{"acc-1"};
    auto high = rule("high");
    high.priority = 5;
    auto negative = rule("negative");
    negative.priority = -3;
    std::vector<RouteRule> rules = {low, negative, high};
    sort_rules(rules);
    EXPECT_EQ(ids_of(rules), (std::vector<std::string>{"high", "low", "negative"}));
    EXPECT_EQ(selected(rules, query("+255712345678")), "high");
}

TEST(RouteSelector, AtEqualPriorityTheLongerPrefixIsReadFirst) {
    auto any = rule("any");
    auto tz = rule("tz");
    tz.prefix = "255";
    auto vodacom = rule("vodacom");
    vodacom.prefix = "25575";
    std::vector<RouteRule> rules = {any, tz, vodacom};
    sort_rules(rules);
    EXPECT_EQ(ids_of(rules), (std::vector<std::string>{"vodacom", "tz", "any"}));
    EXPECT_EQ(selected(rules, query("+255754000000")), "vodacom");
    EXPECT_EQ(selected(rules, query("+255712000000")), "tz");
    EXPECT_EQ(selected(rules, query("+254712000000")), "any");
}

TEST(RouteSelector, AtEqualPrefixTheMoreSpecificRuleIsReadFirst) {
    auto plain = rule("plain");
    auto country = rule("country");
    country.country = "TZ";
    auto sender = rule("sender");
    sender.sender = "UJUMBE";
    auto sender_and_country = rule("sender+country");
    sender_and_country.sender = "UJUMBE";
    sender_and_country.country = "TZ";
    auto account = rule("account");
    account.account_id = AccountId{"acc-1"};
    std::vector<RouteRule> rules = {plain, country, sender_and_country, sender, account};
    sort_rules(rules);
    // An account beats a sender even with a country; a sender beats a country.
    EXPECT_EQ(ids_of(rules), (std::vector<std::string>{"account", "sender+country", "sender",
                                                       "country", "plain"}));
    EXPECT_EQ(selected(rules, query("+255712000000")), "account");
    auto other_account = query("+255712000000");
    other_account.account_id = AccountId{"acc-2"};
    EXPECT_EQ(selected(rules, other_account), "sender+country");
}

TEST(RouteSelector, InactiveRulesAreSkipped) {
    auto off = rule("off", {{GatewayId{"gw-off"}, 1}});
    off.priority = 10;
    off.is_active = false;
    auto on = rule("on", {{GatewayId{"gw-on"}, 1}});
    EXPECT_FALSE(rule_matches(off, query("+255712000000")));
    EXPECT_TRUE(rule_matches(on, query("+255712000000")));
    EXPECT_EQ(selected({off, on}, query("+255712000000")), "on");
    EXPECT_FALSE(select_route({off}, query("+255712000000")));
}

TEST(RouteSelector, TheChannelMustMatch) {
    auto whatsapp = rule("whatsapp");
    whatsapp.channel = "whatsapp";
    whatsapp.priority = 10;
    auto sms = rule("sms");
    auto q = query("+255712000000");
    EXPECT_FALSE(rule_matches(whatsapp, q));
    EXPECT_EQ(selected({whatsapp, sms}, q), "sms");
    q.channel = "whatsapp";
    EXPECT_TRUE(rule_matches(whatsapp, q));
    EXPECT_FALSE(rule_matches(sms, q));
}

TEST(RouteSelector, ThePrefixIsMatchedAgainstTheDigitsWithoutPlus) {
    auto tz = rule("tz");
    tz.prefix = "255";
    EXPECT_TRUE(rule_matches(tz, query("+255712000000")));
    EXPECT_TRUE(rule_matches(tz, query("255712000000")));
    EXPECT_FALSE(rule_matches(tz, query("+254712000000")));
    EXPECT_FALSE(rule_matches(tz, query("+25")));
    // The prefix starts at the first digit, not anywhere in the number.
    EXPECT_FALSE(rule_matches(tz, query("+1255712000")));
    // An empty prefix matches every number.
    EXPECT_TRUE(rule_matches(rule("any"), query("+14155550100")));
}

TEST(RouteSelector, CountryAccountAndSenderFilter) {
    const auto q = query("+255712000000");
    auto r = rule("r");
    r.country = "TZ";
    EXPECT_TRUE(rule_matches(r, q));
    r.country = "KE";
    EXPECT_FALSE(rule_matches(r, q));

    r = rule("r");
    r.account_id = AccountId{"acc-1"};
    EXPECT_TRUE(rule_matches(r, q));
    r.account_id = AccountId{"acc-2"};
    EXPECT_FALSE(rule_matches(r, q));

    r = rule("r");
    r.sender = "UJUMBE";
    EXPECT_TRUE(rule_matches(r, q));
    r.sender = "OTHER";
    EXPECT_FALSE(rule_matches(r, q));

    // Every filter given must hold.
    r = rule("r");
    r.country = "TZ";
    r.account_id = AccountId{"acc-1"};
    r.sender = "OTHER";
    EXPECT_FALSE(rule_matches(r, q));
    r.sender = "UJUMBE";
    EXPECT_TRUE(rule_matches(r, q));
}

TEST(RouteSelector, TheChoiceNamesTheRule) {
    auto choice = select_route({rule("r1", {{GatewayId{"gw-a"}, 1}})}, query("+255712000000"));
    ASSERT_TRUE(choice);
    EXPECT_EQ(choice->rule_id.value, "r1");
    EXPECT_EQ(choice->rule_name, "Rule r1");
    EXPECT_EQ(texts(choice->gateways), (Gateways{"gw-a"}));
}

TEST(RouteSelector, TheWeightedChoiceIsStableForAKey) {
    const std::vector<RouteRule> rules = {rule("r", {{GatewayId{"gw-a"}, 1},
                                                     {GatewayId{"gw-b"}, 1},
                                                     {GatewayId{"gw-c"}, 1},
                                                     {GatewayId{"gw-d"}, 1}})};
    std::map<std::string, int> first;
    for (int i = 0; i < 200; ++i) {
        const auto q = query("+255712000000", "msg-" + std::to_string(i));
        const auto one = select_route(rules, q);
        const auto two = select_route(rules, q);
        ASSERT_TRUE(one);
        ASSERT_TRUE(two);
        EXPECT_EQ(texts(one->gateways), texts(two->gateways)) << q.key;
        ++first[texts(one->gateways).front()];
    }
    // Different keys do not all land on the same gateway.
    EXPECT_EQ(first.size(), 4u);
}

TEST(RouteSelector, KeysSpreadByWeight) {
    const std::vector<RouteRule> rules = {
        rule("r", {{GatewayId{"gw-a"}, 3}, {GatewayId{"gw-b"}, 1}})};
    int to_a = 0;
    const int keys = 4000;
    for (int i = 0; i < keys; ++i) {
        auto choice = select_route(rules, query("+255712000000", "msg-" + std::to_string(i)));
        ASSERT_TRUE(choice);
        ASSERT_EQ(texts(choice->gateways).size(), 2u);
        if (texts(choice->gateways).front() == "gw-a") ++to_a;
    }
    EXPECT_GE(to_a, keys * 65 / 100);
    EXPECT_LE(to_a, keys * 85 / 100);
}

TEST(RouteSelector, AGatewayOfWeightZeroIsNeverChosenFirst) {
    const std::vector<RouteRule> rules = {
        rule("r", {{GatewayId{"gw-zero"}, 0}, {GatewayId{"gw-one"}, 1}})};
    for (int i = 0; i < 500; ++i) {
        auto choice = select_route(rules, query("+255712000000", "msg-" + std::to_string(i)));
        ASSERT_TRUE(choice);
        EXPECT_EQ(texts(choice->gateways).front(), "gw-one") << i;
    }
}

TEST(RouteSelector, TheOtherWeightedGatewaysFollowByWeightThenTheFailover) {
    const std::vector<RouteRule> rules = [] {
        auto r = rule(
            "r",
            {{GatewayId{"gw-light"}, 1}, {GatewayId{"gw-heavy"}, 5}, {GatewayId{"gw-middle"}, 3}});
        r.failover = {GatewayId{"gw-spare"}, GatewayId{"gw-last"}};
        return std::vector<RouteRule>{r};
    }();
    std::map<std::string, int> first;
    for (int i = 0; i < 300; ++i) {
        auto choice = select_route(rules, query("+255712000000", "msg-" + std::to_string(i)));
        ASSERT_TRUE(choice);
        const auto& g = texts(choice->gateways);
        ++first[g.front()];
        // The chosen one, then the rest heaviest first, then the failover in order.
        Gateways expected = {g.front()};
        for (const char* id : {"gw-heavy", "gw-middle", "gw-light"})
            if (g.front() != id) expected.push_back(id);
        expected.push_back("gw-spare");
        expected.push_back("gw-last");
        EXPECT_EQ(g, expected) << i;
    }
    EXPECT_EQ(first.size(), 3u);
}

TEST(RouteSelector, EachGatewayIsTriedOnce) {
    auto r = rule("r", {{GatewayId{"gw-a"}, 2}, {GatewayId{"gw-b"}, 1}});
    r.failover = {GatewayId{"gw-b"}, GatewayId{"gw-c"}, GatewayId{"gw-a"}, GatewayId{"gw-c"},
                  GatewayId{"gw-d"}};
    for (int i = 0; i < 50; ++i) {
        auto choice = select_route({r}, query("+255712000000", "msg-" + std::to_string(i)));
        ASSERT_TRUE(choice);
        const auto& g = texts(choice->gateways);
        ASSERT_EQ(g.size(), 4u);
        EXPECT_EQ(Gateways(g.begin() + 2, g.end()), (Gateways{"gw-c", "gw-d"}));
        EXPECT_TRUE((Gateways(g.begin(), g.begin() + 2) == Gateways{"gw-a", "gw-b"}) ||
                    (Gateways(g.begin(), g.begin() + 2) == Gateways{"gw-b", "gw-a"}));
    }
    // A gateway of weight 0 is reached through the failover list only.
    auto zero = rule("zero", {{GatewayId{"gw-zero"}, 0}, {GatewayId{"gw-one"}, 1}});
    auto choice = select_route({zero}, query("+255712000000"));
    ASSERT_TRUE(choice);
    EXPECT_EQ(texts(choice->gateways), (Gateways{"gw-one"}));
    zero.failover = {GatewayId{"gw-zero"}};
    choice = select_route({zero}, query("+255712000000"));
    ASSERT_TRUE(choice);
    EXPECT_EQ(texts(choice->gateways), (Gateways{"gw-one", "gw-zero"}));
}

TEST(RouteSelector, ARuleWithoutGatewaysIsSkipped) {
    auto empty = rule("empty", {});
    empty.priority = 10;
    auto zeros = rule("zeros", {{GatewayId{"gw-zero"}, 0}});
    zeros.priority = 5;
    auto next = rule("next", {{GatewayId{"gw-next"}, 1}});
    auto choice = select_route({empty, zeros, next}, query("+255712000000"));
    ASSERT_TRUE(choice);
    EXPECT_EQ(choice->rule_id.value, "next");
    EXPECT_EQ(texts(choice->gateways), (Gateways{"gw-next"}));
    // A failover list alone is enough to carry the message.
    auto failover_only = rule("failover-only", {});
    failover_only.priority = 10;
    failover_only.failover = {GatewayId{"gw-spare"}};
    choice = select_route({failover_only, next}, query("+255712000000"));
    ASSERT_TRUE(choice);
    EXPECT_EQ(choice->rule_id.value, "failover-only");
    EXPECT_EQ(texts(choice->gateways), (Gateways{"gw-spare"}));
}

TEST(RouteSelector, NoMatchingRuleIsNoRoute) {
    EXPECT_FALSE(select_route({}, query("+255712000000")));
    auto ke = rule("ke");
    ke.prefix = "254";
    auto mine = rule("mine");
    mine.account_id = AccountId{"acc-9"};
    EXPECT_FALSE(select_route({ke, mine}, query("+255712000000")));
    EXPECT_FALSE(select_route({rule("empty", {})}, query("+255712000000")));
}

TEST(RouteSelector, AnOperatorRuleMatchesOnlyThatOperatorAndComesFirst) {
    auto any = rule("any");
    auto airtel = rule("airtel");
    airtel.operator_name = "Airtel";
    auto by_code = rule("vodacom");
    by_code.operator_name = "640-04";
    auto q = query("+255682345678");
    EXPECT_EQ(selected({any, airtel, by_code}, q), "any");  // no operator known
    q.operator_name = "airtel";
    q.mcc = "640";
    q.mnc = "05";
    EXPECT_EQ(selected({any, airtel, by_code}, q), "airtel");
    q.operator_name = "Vodacom";
    q.mcc = "640";
    q.mnc = "04";
    EXPECT_EQ(selected({any, airtel, by_code}, q), "vodacom");
}

}  // namespace
}  // namespace ujumbe::routing
