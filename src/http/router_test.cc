#include "http/router.h"

#include <gtest/gtest.h>

namespace ujumbe::http {

namespace {

// A handler that answers with its own name, so a test can tell which route matched.
Handler named(std::string name) {
    return [name](RequestContext&, const Request&) -> Result<Response> {
        Response r;
        r.body = name;
        return r;
    };
}

std::string matched_name(const Router::Match& m) {
    RequestContext ctx;
    Request req;
    auto r = m.route->handler(ctx, req);
    return r ? r->body : "";
}

Router sample_router() {
    Router router;
    router.add(Method::kGet, "/api/v1/users", named("list users"));
    router.add(Method::kPost, "/api/v1/users", named("create user"));
    router.add(Method::kGet, "/api/v1/users/me", named("me"));
    router.add(Method::kGet, "/api/v1/users/{id}", named("get user"));
    router.add(Method::kPatch, "/api/v1/users/{id}", named("update user"));
    router.add(Method::kDelete, "/api/v1/users/{id}", named("delete user"));
    router.add(Method::kGet, "/api/v1/accounts/{account_id}/members/{user_id}",
               named("get member"));
    return router;
}

}  // namespace

TEST(Router, MatchesLiteralPath) {
    const Router router = sample_router();
    auto m = router.match(Method::kGet, "/api/v1/users");
    ASSERT_TRUE(std::holds_alternative<Router::Match>(m));
    const auto& match = std::get<Router::Match>(m);
    EXPECT_EQ(matched_name(match), "list users");
    EXPECT_EQ(match.route->pattern, "/api/v1/users");
    EXPECT_TRUE(match.params.empty());
}

TEST(Router, ChoosesRouteByMethodOnSamePath) {
    const Router router = sample_router();
    auto m = router.match(Method::kPost, "/api/v1/users");
    ASSERT_TRUE(std::holds_alternative<Router::Match>(m));
    EXPECT_EQ(matched_name(std::get<Router::Match>(m)), "create user");
}

TEST(Router, ExtractsOneParam) {
    const Router router = sample_router();
    auto m = router.match(Method::kPatch, "/api/v1/users/usr_123");
    ASSERT_TRUE(std::holds_alternative<Router::Match>(m));
    const auto& match = std::get<Router::Match>(m);
    EXPECT_EQ(matched_name(match), "update user");
    ASSERT_EQ(match.params.size(), 1u);
    EXPECT_EQ(match.params.at("id"), "usr_123");
}

TEST(Router, ExtractsSeveralParams) {
    const Router router = sample_router();
    auto m = router.match(Method::kGet, "/api/v1/accounts/acc_1/members/usr_2");
    ASSERT_TRUE(std::holds_alternative<Router::Match>(m));
    const auto& match = std::get<Router::Match>(m);
    EXPECT_EQ(matched_name(match), "get member");
    EXPECT_EQ(match.params.at("account_id"), "acc_1");
    EXPECT_EQ(match.params.at("user_id"), "usr_2");
}

TEST(Router, EarlierLiteralRouteWinsOverLaterParamRoute) {
    const Router router = sample_router();
    auto m = router.match(Method::kGet, "/api/v1/users/me");
    ASSERT_TRUE(std::holds_alternative<Router::Match>(m));
    const auto& match = std::get<Router::Match>(m);
    EXPECT_EQ(matched_name(match), "me");
    EXPECT_TRUE(match.params.empty());
}

TEST(Router, IgnoresTrailingSlash) {
    const Router router = sample_router();
    auto literal = router.match(Method::kGet, "/api/v1/users/");
    ASSERT_TRUE(std::holds_alternative<Router::Match>(literal));
    EXPECT_EQ(matched_name(std::get<Router::Match>(literal)), "list users");

    auto param = router.match(Method::kGet, "/api/v1/users/usr_9/");
    ASSERT_TRUE(std::holds_alternative<Router::Match>(param));
    EXPECT_EQ(std::get<Router::Match>(param).params.at("id"), "usr_9");
}

TEST(Router, PatternWithTrailingSlashMatchesPathWithout) {
    Router router;
    router.add(Method::kGet, "/health/", named("health"));
    auto m = router.match(Method::kGet, "/health");
    ASSERT_TRUE(std::holds_alternative<Router::Match>(m));
    EXPECT_EQ(matched_name(std::get<Router::Match>(m)), "health");
}

TEST(Router, LiteralSegmentsMatchExactly) {
    const Router router = sample_router();
    EXPECT_TRUE(
        std::holds_alternative<Router::NoMatch>(router.match(Method::kGet, "/api/v1/user")));
    EXPECT_TRUE(
        std::holds_alternative<Router::NoMatch>(router.match(Method::kGet, "/api/v1/Users")));
    EXPECT_TRUE(
        std::holds_alternative<Router::NoMatch>(router.match(Method::kGet, "/api/v2/users")));
}

TEST(Router, ParamCapturesExactlyOneSegment) {
    const Router router = sample_router();
    auto m = router.match(Method::kGet, "/api/v1/users/a/b");
    ASSERT_TRUE(std::holds_alternative<Router::NoMatch>(m));
    EXPECT_TRUE(std::get<Router::NoMatch>(m).allowed.empty());
}

TEST(Router, UnknownPathIsNoMatchWithEmptyAllowed) {
    const Router router = sample_router();
    auto m = router.match(Method::kGet, "/nowhere");
    ASSERT_TRUE(std::holds_alternative<Router::NoMatch>(m));
    EXPECT_TRUE(std::get<Router::NoMatch>(m).allowed.empty());
}

TEST(Router, EmptyRouterMatchesNothing) {
    const Router router;
    auto m = router.match(Method::kGet, "/");
    ASSERT_TRUE(std::holds_alternative<Router::NoMatch>(m));
    EXPECT_TRUE(std::get<Router::NoMatch>(m).allowed.empty());
}

TEST(Router, ReturnsAllowedMethodsForKnownPathWithOtherMethod) {
    const Router router = sample_router();
    auto m = router.match(Method::kPut, "/api/v1/users/usr_1");
    ASSERT_TRUE(std::holds_alternative<Router::NoMatch>(m));
    EXPECT_EQ(std::get<Router::NoMatch>(m).allowed,
              (std::vector<Method>{Method::kGet, Method::kPatch, Method::kDelete}));
}

TEST(Router, AllowedMethodsHaveNoDuplicates) {
    Router router;
    // Two patterns that both match the same path with the same method.
    router.add(Method::kGet, "/things/{id}", named("by id"));
    router.add(Method::kGet, "/things/{slug}", named("by slug"));
    router.add(Method::kPost, "/things/{id}", named("post"));
    auto m = router.match(Method::kDelete, "/things/x");
    ASSERT_TRUE(std::holds_alternative<Router::NoMatch>(m));
    EXPECT_EQ(std::get<Router::NoMatch>(m).allowed,
              (std::vector<Method>{Method::kGet, Method::kPost}));
}

TEST(Router, HeadMatchesGetRoute) {
    const Router router = sample_router();
    auto m = router.match(Method::kHead, "/api/v1/users/usr_5");
    ASSERT_TRUE(std::holds_alternative<Router::Match>(m));
    const auto& match = std::get<Router::Match>(m);
    EXPECT_EQ(matched_name(match), "get user");
    EXPECT_EQ(match.route->method, Method::kGet);
    EXPECT_EQ(match.params.at("id"), "usr_5");
}

TEST(Router, GetDoesNotMatchHeadOnlyRoute) {
    Router router;
    router.add(Method::kHead, "/ping", named("ping"));
    auto m = router.match(Method::kGet, "/ping");
    ASSERT_TRUE(std::holds_alternative<Router::NoMatch>(m));
    EXPECT_EQ(std::get<Router::NoMatch>(m).allowed, std::vector<Method>{Method::kHead});
}

TEST(Router, HeadOnPostOnlyPathIsMethodNotAllowed) {
    Router router;
    router.add(Method::kPost, "/login", named("login"));
    auto m = router.match(Method::kHead, "/login");
    ASSERT_TRUE(std::holds_alternative<Router::NoMatch>(m));
    EXPECT_EQ(std::get<Router::NoMatch>(m).allowed, std::vector<Method>{Method::kPost});
}

TEST(Router, KeepsRoutesInRegistrationOrderWithSplitSegments) {
    const Router router = sample_router();
    ASSERT_EQ(router.routes().size(), 7u);
    const Route& member = router.routes().back();
    EXPECT_EQ(member.pattern, "/api/v1/accounts/{account_id}/members/{user_id}");
    EXPECT_EQ(member.segments, (std::vector<std::string>{"api", "v1", "accounts", "{account_id}",
                                                         "members", "{user_id}"}));
}

TEST(Router, EmptyBracesAreALiteralSegment) {
    Router router;
    router.add(Method::kGet, "/x/{}", named("braces"));
    EXPECT_TRUE(std::holds_alternative<Router::NoMatch>(router.match(Method::kGet, "/x/abc")));
    auto m = router.match(Method::kGet, "/x/{}");
    ASSERT_TRUE(std::holds_alternative<Router::Match>(m));
    EXPECT_TRUE(std::get<Router::Match>(m).params.empty());
}

TEST(Router, RootPathMatchesRootRoute) {
    Router router;
    router.add(Method::kGet, "/", named("root"));
    auto m = router.match(Method::kGet, "/");
    ASSERT_TRUE(std::holds_alternative<Router::Match>(m));
    EXPECT_EQ(matched_name(std::get<Router::Match>(m)), "root");
}

TEST(Router, RepeatedSlashesCollapse) {
    // split_path skips empty segments, so "//api///v1/users" names the same route.
    const Router router = sample_router();
    auto m = router.match(Method::kGet, "//api///v1/users");
    ASSERT_TRUE(std::holds_alternative<Router::Match>(m));
    EXPECT_EQ(matched_name(std::get<Router::Match>(m)), "list users");
}

TEST(Method, NamesRoundTrip) {
    for (Method m : {Method::kGet, Method::kPost, Method::kPut, Method::kPatch, Method::kDelete,
                     Method::kHead, Method::kOptions})
        EXPECT_EQ(parse_method(method_name(m)), m) << method_name(m);
    EXPECT_EQ(parse_method("get"), Method::kOther);
    EXPECT_EQ(parse_method("TRACE"), Method::kOther);
    EXPECT_EQ(method_name(Method::kOther), "OTHER");
}

}  // namespace ujumbe::http
