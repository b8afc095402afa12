#include "http/request.h"

#include <gtest/gtest.h>

namespace ujumbe::http {

namespace {

using Query = std::multimap<std::string, std::string>;

struct Parsed {
    bool ok = false;
    std::string path;
    Query query;
};

Parsed parse(std::string_view target) {
    Parsed p;
    p.ok = parse_target(target, p.path, p.query);
    return p;
}

}  // namespace

TEST(ParseTarget, SplitsPathAndQuery) {
    auto p = parse("/api/v1/users?page=2&page_size=10");
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.path, "/api/v1/users");
    EXPECT_EQ(p.query, (Query{{"page", "2"}, {"page_size", "10"}}));
}

TEST(ParseTarget, PathWithoutQueryHasNoParams) {
    auto p = parse("/api/v1/users");
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.path, "/api/v1/users");
    EXPECT_TRUE(p.query.empty());
}

TEST(ParseTarget, EmptyQueryAfterQuestionMarkHasNoParams) {
    auto p = parse("/users?");
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.path, "/users");
    EXPECT_TRUE(p.query.empty());
}

TEST(ParseTarget, PercentDecodesPath) {
    auto p = parse("/files/hello%20world/%41%62c");
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.path, "/files/hello world/Abc");
}

TEST(ParseTarget, DecodesUtf8InPath) {
    auto p = parse("/names/Wanjir%C5%A9");
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.path, "/names/Wanjir\xC5\xA9");
}

TEST(ParseTarget, PlusInPathStaysLiteral) {
    auto p = parse("/a+b");
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.path, "/a+b");
}

TEST(ParseTarget, EncodedSlashDecodesIntoPath) {
    auto p = parse("/a%2Fb");
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.path, "/a/b");
}

TEST(ParseTarget, RepeatedQueryKeysKeepEveryValueInOrder) {
    auto p = parse("/messages?status=sent&status=failed&status=queued");
    ASSERT_TRUE(p.ok);
    auto [begin, end] = p.query.equal_range("status");
    std::vector<std::string> values;
    for (auto it = begin; it != end; ++it) values.push_back(it->second);
    EXPECT_EQ(values, (std::vector<std::string>{"sent", "failed", "queued"}));
}

TEST(ParseTarget, PlusAndPercent20InQueryValuesAreSpaces) {
    auto p = parse("/search?q=hello+world&r=good%20day");
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.query, (Query{{"q", "hello world"}, {"r", "good day"}}));
}

TEST(ParseTarget, EncodedPlusInQueryIsAPlus) {
    auto p = parse("/search?phone=%2B254700000000");
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.query, (Query{{"phone", "+254700000000"}}));
}

TEST(ParseTarget, DecodesQueryKeys) {
    auto p = parse("/x?first%20name=A&a%5B%5D=1");
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.query, (Query{{"first name", "A"}, {"a[]", "1"}}));
}

TEST(ParseTarget, KeyWithoutValueHasEmptyValue) {
    auto p = parse("/x?flag&empty=");
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.query, (Query{{"empty", ""}, {"flag", ""}}));
}

TEST(ParseTarget, ValueMayContainEqualsSign) {
    auto p = parse("/x?filter=a%3Db");
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.query, (Query{{"filter", "a=b"}}));
}

TEST(ParseTarget, ClearsQueryFromPreviousParse) {
    std::string path;
    Query query{{"stale", "1"}};
    ASSERT_TRUE(parse_target("/fresh", path, query));
    EXPECT_EQ(path, "/fresh");
    EXPECT_TRUE(query.empty());
}

TEST(ParseTarget, RejectsMalformedPercentEncodingInPath) {
    EXPECT_FALSE(parse("/a%").ok);
    EXPECT_FALSE(parse("/a%4").ok);
    EXPECT_FALSE(parse("/a%zz").ok);
    EXPECT_FALSE(parse("/a%4g/b").ok);
    EXPECT_FALSE(parse("/a%?x=1").ok);
}

TEST(ParseTarget, RejectsMalformedPercentEncodingInQuery) {
    EXPECT_FALSE(parse("/a?x=%").ok);
    EXPECT_FALSE(parse("/a?x=%2").ok);
    EXPECT_FALSE(parse("/a?x=%G1").ok);
    EXPECT_FALSE(parse("/a?%%=1").ok);
}

TEST(ParseTarget, AcceptsPercentEscapeAtTheVeryEnd) {
    auto p = parse("/a%41");
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.path, "/aA");
    auto q = parse("/a?x=%41");
    ASSERT_TRUE(q.ok);
    EXPECT_EQ(q.query, (Query{{"x", "A"}}));
}

TEST(ParseTarget, RejectsTargetNotStartingWithSlash) {
    EXPECT_FALSE(parse("").ok);
    EXPECT_FALSE(parse("api/v1/users").ok);
    EXPECT_FALSE(parse("http://example.com/api").ok);
    EXPECT_FALSE(parse("*").ok);
    EXPECT_FALSE(parse("?a=1").ok);
}

TEST(Request, HeaderReturnsFirstValueOfLowerCaseName) {
    Request r;
    r.headers = {{"content-type", "application/json"}, {"x-tag", "one"}, {"x-tag", "two"}};
    ASSERT_TRUE(r.header("content-type"));
    EXPECT_EQ(*r.header("content-type"), "application/json");
    EXPECT_EQ(*r.header("x-tag"), "one");
    EXPECT_FALSE(r.header("authorization"));
}

TEST(Request, HeaderLookupIsExactOnTheLowerCaseName) {
    Request r;
    r.headers = {{"content-type", "text/plain"}};
    EXPECT_FALSE(r.header("Content-Type"));
}

TEST(Request, QueryParamReturnsFirstValueOrNothing) {
    Request r;
    r.query = {{"status", "sent"}, {"status", "failed"}, {"page", "2"}};
    EXPECT_EQ(r.query_param("status"), "sent");
    EXPECT_EQ(r.query_param("page"), "2");
    EXPECT_EQ(r.query_param("missing"), std::nullopt);
}

TEST(Request, QueryParamsReturnsEveryValue) {
    Request r;
    r.query = {{"status", "sent"}, {"page", "2"}, {"status", "failed"}};
    EXPECT_EQ(r.query_params("status"), (std::vector<std::string>{"sent", "failed"}));
    EXPECT_EQ(r.query_params("page"), std::vector<std::string>{"2"});
    EXPECT_TRUE(r.query_params("missing").empty());
}

TEST(Request, QueryFromParsedTargetIsReadableThroughAccessors) {
    Request r;
    r.target = "/messages?tag=a+b&tag=c&page=3";
    ASSERT_TRUE(parse_target(r.target, r.path, r.query));
    EXPECT_EQ(r.path, "/messages");
    EXPECT_EQ(r.query_param("page"), "3");
    EXPECT_EQ(r.query_params("tag"), (std::vector<std::string>{"a b", "c"}));
}

}  // namespace ujumbe::http

namespace ujumbe::http {

TEST(ParseTarget, RefusesEncodedNulInPathAndQuery) {
    std::string path;
    std::multimap<std::string, std::string> query;
    EXPECT_FALSE(parse_target("/a%00b/c", path, query));
    EXPECT_FALSE(parse_target("/a?x=1%002", path, query));
}

}  // namespace ujumbe::http
