#include "contacts/segment_rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ujumbe::contacts {
namespace {

using json = nlohmann::json;
using Tags = std::vector<std::string>;

// The fields a refused rule set names, in order.
std::vector<std::string> error_fields(const json& rules) {
    auto parsed = parse_rules(rules);
    EXPECT_FALSE(parsed) << rules.dump();
    if (parsed) return {};
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(parsed.error().error_code, "VALIDATION_ERROR");
    std::vector<std::string> fields;
    for (const auto& [field, problems] : parsed.error().errors) {
        EXPECT_FALSE(problems.empty()) << field;
        fields.push_back(field);
    }
    return fields;
}

SegmentRules parsed(const json& rules) {
    auto r = parse_rules(rules);
    EXPECT_TRUE(r) << rules.dump() << ": " << (r ? "" : r.error().message);
    return r ? *r : SegmentRules{};
}

const Micros kJan1 = *parse_iso8601("2026-01-01T00:00:00Z");
const Micros kFeb1 = *parse_iso8601("2026-02-01T00:00:00Z");

TEST(SegmentRulesTest, EmptyRulesMatchEveryone) {
    auto r = parsed(json::object());
    EXPECT_TRUE(r.tags_any.empty());
    EXPECT_TRUE(r.tags_all.empty());
    EXPECT_TRUE(r.attributes.empty());
    EXPECT_EQ(r.opt_in, "any");
    EXPECT_FALSE(r.is_active);
    EXPECT_FALSE(r.created_after);
    EXPECT_FALSE(r.created_before);
    EXPECT_FALSE(r.last_contacted_after);
    EXPECT_FALSE(r.last_contacted_before);
}

TEST(SegmentRulesTest, RulesMustBeAnObject) {
    EXPECT_EQ(error_fields(json::array()), std::vector<std::string>{"rules"});
    EXPECT_EQ(error_fields("vip"), std::vector<std::string>{"rules"});
    EXPECT_EQ(error_fields(nullptr), std::vector<std::string>{"rules"});
}

TEST(SegmentRulesTest, TagListsAreNormalised) {
    auto r = parsed({{"tags_any", {"VIP", " gold ", "vip"}}, {"tags_all", {"Customer"}}});
    EXPECT_EQ(r.tags_any, (Tags{"gold", "vip"}));
    EXPECT_EQ(r.tags_all, Tags{"customer"});
}

TEST(SegmentRulesTest, BadTagListsNameTheirKey) {
    for (const char* key : {"tags_any", "tags_all"}) {
        const std::vector<std::string> field{std::string("rules.") + key};
        EXPECT_EQ(error_fields({{key, "vip"}}), field);
        EXPECT_EQ(error_fields({{key, {1, 2}}}), field);
        EXPECT_EQ(error_fields({{key, {"ok", nullptr}}}), field);
        EXPECT_EQ(error_fields({{key, {""}}}), field);
        EXPECT_EQ(error_fields({{key, {"a,b"}}}), field);
        EXPECT_EQ(error_fields({{key, {std::string(51, 't')}}}), field);
    }
}

TEST(SegmentRulesTest, AttributeRules) {
    auto r = parsed({{"attributes",
                      {{{"key", "city"}, {"op", "equals"}, {"value", "Arusha"}},
                       {{"key", "company"}, {"op", "contains"}, {"value", "acme"}},
                       {{"key", "seats"}, {"value", 4}},
                       {{"key", "ratio"}, {"op", "equals"}, {"value", 0.5}},
                       {{"key", "vip"}, {"op", "equals"}, {"value", true}}}}});
    ASSERT_EQ(r.attributes.size(), 5u);
    EXPECT_EQ(r.attributes[0].key, "city");
    EXPECT_EQ(r.attributes[0].op, "equals");
    EXPECT_EQ(r.attributes[0].value, "Arusha");
    EXPECT_EQ(r.attributes[1].op, "contains");
    EXPECT_EQ(r.attributes[1].value, "acme");
    // `op` defaults to equals; numbers and booleans compare as written.
    EXPECT_EQ(r.attributes[2].op, "equals");
    EXPECT_EQ(r.attributes[2].value, "4");
    EXPECT_EQ(r.attributes[3].value, "0.5");
    EXPECT_EQ(r.attributes[4].value, "true");
}

TEST(SegmentRulesTest, BadAttributeRulesNameRulesAttributes) {
    const std::vector<std::string> field{"rules.attributes"};
    EXPECT_EQ(error_fields({{"attributes", {{"key", "city"}}}}), field);  // an object, not a list
    EXPECT_EQ(error_fields({{"attributes", "city=Arusha"}}), field);
    EXPECT_EQ(error_fields({{"attributes", {"city"}}}), field);
    EXPECT_EQ(error_fields({{"attributes", {{{"op", "equals"}, {"value", "x"}}}}}), field);
    EXPECT_EQ(error_fields({{"attributes", {{{"key", 5}, {"value", "x"}}}}}), field);
    EXPECT_EQ(error_fields({{"attributes", {{{"key", "bad key"}, {"value", "x"}}}}}), field);
    EXPECT_EQ(error_fields({{"attributes", {{{"key", "city"}, {"op", "gt"}, {"value", "x"}}}}}),
              field);
    EXPECT_EQ(error_fields({{"attributes", {{{"key", "city"}, {"op", "equals"}}}}}), field);
    EXPECT_EQ(
        error_fields({{"attributes", {{{"key", "city"}, {"op", "equals"}, {"value", nullptr}}}}}),
        field);
    EXPECT_EQ(error_fields(
                  {{"attributes", {{{"key", "city"}, {"op", "equals"}, {"value", {"a", "b"}}}}}}),
              field);
    json many = json::array();
    for (int i = 0; i < 21; ++i) many.push_back({{"key", "k" + std::to_string(i)}, {"value", i}});
    EXPECT_EQ(error_fields({{"attributes", many}}), field);
    many.erase(many.end() - 1);
    EXPECT_EQ(parsed({{"attributes", many}}).attributes.size(), 20u);
}

TEST(SegmentRulesTest, OptIn) {
    EXPECT_EQ(parsed({{"opt_in", "opted_in"}}).opt_in, "opted_in");
    EXPECT_EQ(parsed({{"opt_in", "opted_out"}}).opt_in, "opted_out");
    EXPECT_EQ(parsed({{"opt_in", "any"}}).opt_in, "any");
    const std::vector<std::string> field{"rules.opt_in"};
    EXPECT_EQ(error_fields({{"opt_in", "yes"}}), field);
    EXPECT_EQ(error_fields({{"opt_in", "OPTED_IN"}}), field);
    EXPECT_EQ(error_fields({{"opt_in", true}}), field);
    EXPECT_EQ(error_fields({{"opt_in", nullptr}}), field);
}

TEST(SegmentRulesTest, IsActive) {
    EXPECT_EQ(parsed({{"is_active", true}}).is_active, std::optional<bool>(true));
    EXPECT_EQ(parsed({{"is_active", false}}).is_active, std::optional<bool>(false));
    EXPECT_EQ(parsed({{"is_active", nullptr}}).is_active, std::nullopt);
    const std::vector<std::string> field{"rules.is_active"};
    EXPECT_EQ(error_fields({{"is_active", "true"}}), field);
    EXPECT_EQ(error_fields({{"is_active", 1}}), field);
}

TEST(SegmentRulesTest, Timestamps) {
    auto r = parsed({{"created_after", "2026-01-01T00:00:00Z"},
                     {"created_before", "2026-02-01T03:00:00+03:00"},
                     {"last_contacted_after", "2026-01-01T00:00:00.000Z"},
                     {"last_contacted_before", "2026-02-01T00:00:00Z"}});
    EXPECT_EQ(r.created_after, std::optional<Micros>(kJan1));
    EXPECT_EQ(r.created_before, std::optional<Micros>(kFeb1));
    EXPECT_EQ(r.last_contacted_after, std::optional<Micros>(kJan1));
    EXPECT_EQ(r.last_contacted_before, std::optional<Micros>(kFeb1));
    for (const char* key :
         {"created_after", "created_before", "last_contacted_after", "last_contacted_before"}) {
        const std::vector<std::string> field{std::string("rules.") + key};
        EXPECT_EQ(error_fields({{key, "yesterday"}}), field);
        EXPECT_EQ(error_fields({{key, "2026-01-01"}}), field);
        EXPECT_EQ(error_fields({{key, "2026-13-01T00:00:00Z"}}), field);
        EXPECT_EQ(error_fields({{key, 1767225600}}), field);
        EXPECT_EQ(error_fields({{key, nullptr}}), field);
    }
}

TEST(SegmentRulesTest, UnknownKeysAreNamed) {
    EXPECT_EQ(error_fields({{"tags", {"vip"}}}), std::vector<std::string>{"rules.tags"});
    EXPECT_EQ(error_fields({{"opt_in", "any"}, {"Opt_In", "any"}}),
              std::vector<std::string>{"rules.Opt_In"});
}

TEST(SegmentRulesTest, EveryProblemIsReported) {
    EXPECT_EQ(error_fields({{"tags_any", "vip"},
                            {"opt_in", "maybe"},
                            {"created_after", "soon"},
                            {"colour", "red"},
                            {"is_active", true}}),
              (std::vector<std::string>{"rules.colour", "rules.created_after", "rules.opt_in",
                                        "rules.tags_any"}));
}

TEST(SegmentRulesTest, JsonRoundTrip) {
    const json given = {{"tags_any", {"gold", "vip"}},
                        {"tags_all", {"customer"}},
                        {"attributes",
                         {{{"key", "city"}, {"op", "equals"}, {"value", "Arusha"}},
                          {{"key", "company"}, {"op", "contains"}, {"value", "acme"}},
                          {{"key", "seats"}, {"op", "equals"}, {"value", 4}}}},
                        {"opt_in", "opted_in"},
                        {"is_active", false},
                        {"created_after", "2026-01-01T00:00:00Z"},
                        {"created_before", "2026-02-01T00:00:00Z"},
                        {"last_contacted_after", "2026-01-01T00:00:00Z"},
                        {"last_contacted_before", "2026-02-01T00:00:00Z"}};
    auto first = parsed(given);
    const json written = rules_to_json(first);
    json expected = given;
    expected["attributes"][2]["value"] = "4";  // values are kept as text
    EXPECT_EQ(written, expected);
    auto second = parsed(written);
    EXPECT_EQ(rules_to_json(second), written);
    EXPECT_EQ(second.tags_any, first.tags_any);
    EXPECT_EQ(second.tags_all, first.tags_all);
    ASSERT_EQ(second.attributes.size(), 3u);
    EXPECT_EQ(second.attributes[2].value, "4");
    EXPECT_EQ(second.opt_in, "opted_in");
    EXPECT_EQ(second.is_active, std::optional<bool>(false));
    EXPECT_EQ(second.created_after, first.created_after);
    EXPECT_EQ(second.created_before, first.created_before);
    EXPECT_EQ(second.last_contacted_after, first.last_contacted_after);
    EXPECT_EQ(second.last_contacted_before, first.last_contacted_before);
}

TEST(SegmentRulesTest, StoredTimestampsKeepTheirFraction) {
    // Rules are stored as rules_to_json and read back with parse_rules: a
    // segment must mean the same after the round trip.
    const json given = {{"created_after", "2026-01-01T00:00:00.500000Z"},
                        {"last_contacted_before", "2026-01-01T00:00:00.000001Z"}};
    auto first = parsed(given);
    EXPECT_EQ(first.created_after, std::optional<Micros>(kJan1 + 500000));
    auto second = parsed(rules_to_json(first));
    EXPECT_EQ(second.created_after, first.created_after);
    EXPECT_EQ(second.last_contacted_before, first.last_contacted_before);
}

TEST(SegmentRulesTest, EmptyRulesWriteOnlyOptIn) {
    EXPECT_EQ(rules_to_json(SegmentRules{}), json({{"opt_in", "any"}}));
    EXPECT_EQ(rules_to_json(parsed({{"is_active", nullptr}})), json({{"opt_in", "any"}}));
}

}  // namespace
}  // namespace ujumbe::contacts
