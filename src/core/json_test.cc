#include "core/json.h"

#include <gtest/gtest.h>

namespace ujumbe {

namespace {

std::string nested(std::size_t depth, char open, char close) {
    return std::string(depth, open) + std::string(depth, close);
}

}  // namespace

TEST(BoundedJson, ParsesWhatIsWithinTheLimit) {
    JsonParseProblem problem;
    auto v = parse_json_bounded(R"({"a":[1,{"b":"c"}],"d":null})", problem);
    EXPECT_EQ(problem.kind, JsonParseProblem::Kind::kNone);
    EXPECT_EQ(v["a"][1]["b"], "c");
    auto deepest = parse_json_bounded(nested(kMaxJsonDepth, '[', ']'), problem);
    EXPECT_EQ(problem.kind, JsonParseProblem::Kind::kNone);
    EXPECT_TRUE(json_depth_within(deepest));
    EXPECT_FALSE(json_depth_within(deepest, kMaxJsonDepth - 1));
}

TEST(BoundedJson, RefusesDeepNestingAndNamesTheTopLevelField) {
    JsonParseProblem problem;
    for (char open : {'[', '{'}) {
        std::string inner = nested(100'000, '[', ']');
        if (open == '{') {
            inner.clear();
            for (int i = 0; i < 100'000; ++i) inner += R"({"k":)";
            inner += "1" + std::string(100'000, '}');
        }
        auto v = parse_json_bounded(R"({"body":"hi","to":)" + inner + "}", problem);
        EXPECT_TRUE(v.is_discarded());
        EXPECT_EQ(problem.kind, JsonParseProblem::Kind::kTooDeep);
        EXPECT_EQ(problem.field, "to");
    }
    auto v = parse_json_bounded(nested(100'000, '[', ']'), problem);
    EXPECT_TRUE(v.is_discarded());
    EXPECT_EQ(problem.kind, JsonParseProblem::Kind::kTooDeep);
    EXPECT_EQ(problem.field, "");
}

TEST(BoundedJson, ReportsSyntaxErrorsWithoutTheInput) {
    JsonParseProblem problem;
    for (const char* bad : {"", "{", R"({"a":})", "[1,]", "nul", "{\"secret-value\" 1}"}) {
        auto v = parse_json_bounded(bad, problem);
        EXPECT_TRUE(v.is_discarded()) << bad;
        EXPECT_EQ(problem.kind, JsonParseProblem::Kind::kSyntax) << bad;
        EXPECT_EQ(problem.message.find("secret-value"), std::string::npos) << problem.message;
        EXPECT_EQ(problem.message.find("last read"), std::string::npos) << problem.message;
    }
}

TEST(BoundedJson, DepthCheckOfABuiltValueIsIterative) {
    nlohmann::json deep = nlohmann::json::array();
    nlohmann::json* at = &deep;
    for (int i = 0; i < 10'000; ++i) at = &at->emplace_back(nlohmann::json::array());
    EXPECT_FALSE(json_depth_within(deep));
}

}  // namespace ujumbe
