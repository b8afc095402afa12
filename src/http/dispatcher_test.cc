#include "http/dispatcher.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "core/log.h"
#include "http/audit.h"
#include "http/envelope.h"

namespace ujumbe::http {

namespace {

// Answers every request with a fixed principal or error, and counts calls.
class FakeAuthenticator final : public Authenticator {
public:
    Result<Principal> authenticate(const Request& request) override {
        ++calls;
        last_target = request.target;
        if (error) return *error;
        return principal;
    }

    void sign_in_as_user() {
        error.reset();
        principal = Principal{};
        principal.user_id = UserId{"usr_1"};
        principal.account_id = AccountId{"acc_1"};
        principal.role = Role::kOwner;
        principal.account_type = AccountType::kBusiness;
        principal.session_id = SessionId{"ses_1"};
    }

    void sign_in_with_api_key(std::vector<std::string> scopes) {
        sign_in_as_user();
        principal.session_id = SessionId{};
        principal.api_key_id = ApiKeyId{"key_1"};
        principal.scopes = std::move(scopes);
    }

    int calls = 0;
    std::string last_target;
    Principal principal;
    std::optional<Error> error;
};

// The log level is process-wide: silence the error lines the chain writes for
// failures these tests provoke on purpose, and restore the default after.
class QuietLog {
public:
    QuietLog() { log::set_level("off"); }
    ~QuietLog() { log::set_level("error"); }  // the unit tests' level (core/testing_logs.cc)
};

class DispatcherTest : public ::testing::Test {
protected:
    DispatcherTest() : dispatcher_(router_, auth_) { auth_.sign_in_as_user(); }

    // A route whose handler records that it ran and what principal it saw.
    Route route(RouteOptions options = {}) {
        Route r;
        r.method = Method::kPost;
        r.pattern = "/api/v1/things";
        r.options = std::move(options);
        r.handler = [this](RequestContext& ctx, const Request&) -> Result<Response> {
            ++handler_calls_;
            seen_principal_ = ctx.principal;
            return created({{"id", "thing_1"}});
        };
        return r;
    }

    static Request post(std::string body, std::optional<std::string> content_type) {
        Request r;
        r.method = Method::kPost;
        r.target = r.path = "/api/v1/things";
        r.body = std::move(body);
        if (content_type) r.headers.emplace_back("content-type", *content_type);
        return r;
    }

    static Request get() {
        Request r;
        r.method = Method::kGet;
        r.target = r.path = "/api/v1/things";
        return r;
    }

    Response run(const Route& r, const Request& request) {
        RequestContext ctx;
        ctx.request_id = "req_test";
        return dispatcher_.handle(r, ctx, request);
    }

    static json body_of(const Response& r) { return json::parse(r.body); }

    Router router_;
    FakeAuthenticator auth_;
    Dispatcher dispatcher_;
    int handler_calls_ = 0;
    std::optional<Principal> seen_principal_;
};

}  // namespace

// --- scope_allows ------------------------------------------------------------

TEST(ScopeAllows, EmptyNeededAllowsAnyKey) {
    EXPECT_TRUE(scope_allows({}, ""));
    EXPECT_TRUE(scope_allows({"users:read"}, ""));
}

TEST(ScopeAllows, NoScopesAllowNothingScoped) {
    EXPECT_FALSE(scope_allows({}, "users:read"));
}

TEST(ScopeAllows, FullAccessAllowsEverything) {
    EXPECT_TRUE(scope_allows({"full_access"}, "users:read"));
    EXPECT_TRUE(scope_allows({"full_access"}, "users:write"));
    EXPECT_TRUE(scope_allows({"full_access"}, "billing:admin"));
}

TEST(ScopeAllows, ReadOnlyAllowsOnlyReadScopes) {
    EXPECT_TRUE(scope_allows({"read_only"}, "users:read"));
    EXPECT_TRUE(scope_allows({"read_only"}, "messages:read"));
    EXPECT_FALSE(scope_allows({"read_only"}, "users:write"));
    EXPECT_FALSE(scope_allows({"read_only"}, "users:readonly"));
    EXPECT_FALSE(scope_allows({"read_only"}, "users:read:all"));
}

TEST(ScopeAllows, ExactScopeAllows) {
    EXPECT_TRUE(scope_allows({"users:write"}, "users:write"));
    EXPECT_TRUE(scope_allows({"messages:send", "users:read"}, "users:read"));
    EXPECT_FALSE(scope_allows({"users:read"}, "users:write"));
    EXPECT_FALSE(scope_allows({"users:read"}, "messages:read"));
}

TEST(ScopeAllows, WriteImpliesReadOfTheSameResource) {
    EXPECT_TRUE(scope_allows({"users:write"}, "users:read"));
    EXPECT_TRUE(scope_allows({"api_keys:write"}, "api_keys:read"));
    EXPECT_FALSE(scope_allows({"users:write"}, "accounts:read"));
    EXPECT_FALSE(scope_allows({"user:write"}, "users:read"));
    EXPECT_FALSE(scope_allows({"xusers:write"}, "users:read"));
    EXPECT_FALSE(scope_allows({"users:write"}, "users:admin"));
}

TEST(ScopeAllows, ScopeNamesAreCaseSensitive) {
    EXPECT_FALSE(scope_allows({"Users:Read"}, "users:read"));
    EXPECT_FALSE(scope_allows({"FULL_ACCESS"}, "users:read"));
}

// --- Dispatcher::handle: content type ------------------------------------------

TEST_F(DispatcherTest, RejectsPostBodyWithoutContentType) {
    const Response r = run(route(), post(R"({"a":1})", std::nullopt));
    EXPECT_EQ(r.status, 415);
    const json body = body_of(r);
    EXPECT_EQ(body["success"], false);
    EXPECT_EQ(body["error_code"], "UNSUPPORTED_MEDIA_TYPE");
    EXPECT_EQ(body["message"], "Content-Type must be application/json");
    EXPECT_EQ(handler_calls_, 0);
    EXPECT_EQ(auth_.calls, 0);
}

TEST_F(DispatcherTest, RejectsPostBodyOfAnotherType) {
    for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "application/jsonx",
                             "application/json-patch+json"}) {
        EXPECT_EQ(run(route(), post(R"({"a":1})", type)).status, 415) << type;
    }
    EXPECT_EQ(handler_calls_, 0);
}

TEST_F(DispatcherTest, RejectsPutAndPatchBodiesOfAnotherType) {
    for (Method m : {Method::kPut, Method::kPatch}) {
        Request req = post("x=1", "text/plain");
        req.method = m;
        EXPECT_EQ(run(route(), req).status, 415) << method_name(m);
    }
}

TEST_F(DispatcherTest, AcceptsJsonWithCharsetParameter) {
    const Response r = run(route(), post(R"({"a":1})", "application/json; charset=utf-8"));
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(handler_calls_, 1);
}

TEST_F(DispatcherTest, AcceptsSpaceBeforeParameters) {
    EXPECT_EQ(run(route(), post("{}", "application/json ; charset=utf-8")).status, 201);
}

TEST_F(DispatcherTest, AcceptsMediaTypeInAnyCase) {
    EXPECT_EQ(run(route(), post("{}", "Application/JSON")).status, 201);
}

TEST_F(DispatcherTest, EmptyPostBodyNeedsNoContentType) {
    EXPECT_EQ(run(route(), post("", std::nullopt)).status, 201);
    EXPECT_EQ(handler_calls_, 1);
}

TEST_F(DispatcherTest, BodyOfOtherMethodsIsNotChecked) {
    Request req = post("whatever", "text/plain");
    req.method = Method::kDelete;
    EXPECT_EQ(run(route(), req).status, 201);
}

TEST_F(DispatcherTest, RouteMayAcceptOtherBodyTypes) {
    RouteOptions options;
    options.body_types = {"text/csv", "application/json"};
    EXPECT_EQ(run(route(options), post("a,b\n1,2\n", "text/csv")).status, 201);
    EXPECT_EQ(run(route(options), post("{}", "application/json")).status, 201);
    const Response r = run(route(options), post("<a/>", "application/xml"));
    EXPECT_EQ(r.status, 415);
    EXPECT_EQ(body_of(r)["message"], "Content-Type must be text/csv, application/json");
}

// --- Dispatcher::handle: authentication and scope -------------------------------

TEST_F(DispatcherTest, UnauthenticatedRouteSkipsAuthentication) {
    RouteOptions options;
    options.authenticated = false;
    auth_.error = Error::unauthenticated("NOT_AUTHENTICATED", "no credentials");
    const Response r = run(route(options), get());
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(auth_.calls, 0);
    EXPECT_EQ(handler_calls_, 1);
    EXPECT_FALSE(seen_principal_);
}

TEST_F(DispatcherTest, AuthenticatedRouteGivesHandlerThePrincipal) {
    const Response r = run(route(), get());
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(auth_.calls, 1);
    EXPECT_EQ(auth_.last_target, "/api/v1/things");
    ASSERT_TRUE(seen_principal_);
    EXPECT_EQ(seen_principal_->user_id.value, "usr_1");
    EXPECT_EQ(seen_principal_->account_id.value, "acc_1");
}

TEST_F(DispatcherTest, AuthenticationErrorPassesThroughAs401) {
    auth_.error = Error::unauthenticated("TOKEN_EXPIRED", "Access token has expired");
    const Response r = run(route(), get());
    EXPECT_EQ(r.status, 401);
    const json body = body_of(r);
    EXPECT_EQ(body["success"], false);
    EXPECT_EQ(body["error_code"], "TOKEN_EXPIRED");
    EXPECT_EQ(body["message"], "Access token has expired");
    EXPECT_EQ(handler_calls_, 0);
}

TEST_F(DispatcherTest, ContentTypeIsCheckedBeforeAuthentication) {
    auth_.error = Error::unauthenticated("NOT_AUTHENTICATED", "no credentials");
    EXPECT_EQ(run(route(), post("{}", "text/plain")).status, 415);
    EXPECT_EQ(auth_.calls, 0);
}

TEST_F(DispatcherTest, ApiKeyLackingScopeIsForbidden) {
    RouteOptions options;
    options.scope = "users:write";
    auth_.sign_in_with_api_key({"users:read"});
    const Response r = run(route(options), post("{}", "application/json"));
    EXPECT_EQ(r.status, 403);
    const json body = body_of(r);
    EXPECT_EQ(body["error_code"], "INSUFFICIENT_SCOPE");
    EXPECT_EQ(body["details"], (json{{"required_scope", "users:write"}}));
    EXPECT_NE(body["message"].get<std::string>().find("users:write"), std::string::npos);
    EXPECT_EQ(handler_calls_, 0);
}

TEST_F(DispatcherTest, ApiKeyWithScopeIsAllowed) {
    RouteOptions options;
    options.scope = "users:read";
    auth_.sign_in_with_api_key({"users:write"});
    EXPECT_EQ(run(route(options), get()).status, 201);
    ASSERT_TRUE(seen_principal_);
    EXPECT_EQ(seen_principal_->api_key_id, ApiKeyId{"key_1"});
}

TEST_F(DispatcherTest, ApiKeyOnUnscopedRouteIsAllowed) {
    auth_.sign_in_with_api_key({});
    EXPECT_EQ(run(route(), get()).status, 201);
}

TEST_F(DispatcherTest, SessionPrincipalIsNotLimitedByScope) {
    RouteOptions options;
    options.scope = "users:write";
    auth_.sign_in_as_user();
    EXPECT_EQ(run(route(options), get()).status, 201);
    EXPECT_EQ(handler_calls_, 1);
}

// --- Dispatcher::handle: handler results ---------------------------------------

TEST_F(DispatcherTest, ReturnsHandlerResponseAsIs) {
    Route r = route();
    r.handler = [](RequestContext&, const Request&) -> Result<Response> {
        Response resp;
        resp.status = 204;
        resp.content_type = "text/plain";
        resp.headers.emplace_back("X-Custom", "1");
        return resp;
    };
    const Response resp = run(r, get());
    EXPECT_EQ(resp.status, 204);
    EXPECT_EQ(resp.content_type, "text/plain");
    EXPECT_EQ(resp.headers, (std::vector<std::pair<std::string, std::string>>{{"X-Custom", "1"}}));
}

TEST_F(DispatcherTest, MapsHandlerErrorToEnvelope) {
    Route r = route();
    r.handler = [](RequestContext&, const Request&) -> Result<Response> {
        return Error::not_found("User");
    };
    const Response resp = run(r, get());
    EXPECT_EQ(resp.status, 404);
    const json body = body_of(resp);
    EXPECT_EQ(body["success"], false);
    EXPECT_EQ(body["error_code"], "NOT_FOUND");
    EXPECT_EQ(body["message"], "User not found");
}

TEST_F(DispatcherTest, HandlerInternalErrorHidesItsMessage) {
    QuietLog quiet;
    Route r = route();
    r.handler = [](RequestContext&, const Request&) -> Result<Response> {
        return Error::internal("disk full at /var/lib/ujumbe");
    };
    const Response resp = run(r, get());
    EXPECT_EQ(resp.status, 500);
    EXPECT_EQ(resp.body.find("/var/lib"), std::string::npos);
    EXPECT_EQ(body_of(resp)["message"], "Internal server error");
}

TEST_F(DispatcherTest, HandlerExceptionBecomes500WithoutLeakingText) {
    QuietLog quiet;
    Route r = route();
    r.handler = [](RequestContext&, const Request&) -> Result<Response> {
        throw std::runtime_error("pq: password authentication failed for user ujumbe");
    };
    Response resp;
    EXPECT_NO_THROW(resp = run(r, get()));
    EXPECT_EQ(resp.status, 500);
    const json body = body_of(resp);
    EXPECT_EQ(body["success"], false);
    EXPECT_EQ(body["error_code"], "INTERNAL_ERROR");
    EXPECT_EQ(body["message"], "Internal server error");
    EXPECT_EQ(body["details"], json::object());
    EXPECT_EQ(resp.body.find("password"), std::string::npos);
    EXPECT_EQ(resp.body.find("unexpected error"), std::string::npos);
}

TEST_F(DispatcherTest, NonStandardExceptionBecomes500) {
    QuietLog quiet;
    Route r = route();
    r.handler = [](RequestContext&, const Request&) -> Result<Response> { throw 42; };
    Response resp;
    EXPECT_NO_THROW(resp = run(r, get()));
    EXPECT_EQ(resp.status, 500);
    EXPECT_EQ(body_of(resp)["error_code"], "INTERNAL_ERROR");
}

TEST_F(DispatcherTest, AuthenticatorExceptionBecomes500) {
    QuietLog quiet;
    class ThrowingAuthenticator final : public Authenticator {
    public:
        Result<Principal> authenticate(const Request&) override {
            throw std::runtime_error("sessions table missing");
        }
    } throwing;
    Dispatcher dispatcher(router_, throwing);
    RequestContext ctx;
    Response resp;
    EXPECT_NO_THROW(resp = dispatcher.handle(route(), ctx, get()));
    EXPECT_EQ(resp.status, 500);
    EXPECT_EQ(resp.body.find("sessions"), std::string::npos);
    EXPECT_EQ(handler_calls_, 0);
}

TEST_F(DispatcherTest, ExposesItsRouter) {
    router_.add(Method::kGet, "/x",
                [](RequestContext&, const Request&) -> Result<Response> { return ok(nullptr); });
    EXPECT_EQ(&dispatcher_.router(), &router_);
    EXPECT_EQ(dispatcher_.router().routes().size(), 1u);
}

// --- no_route ------------------------------------------------------------------

TEST(NoRoute, EmptyAllowedIs404) {
    const Response r = no_route(Router::NoMatch{});
    EXPECT_EQ(r.status, 404);
    const json body = json::parse(r.body);
    EXPECT_EQ(body["error_code"], "NOT_FOUND");
    EXPECT_TRUE(r.headers.empty());
}

TEST(NoRoute, AllowedMethodsGive405WithAllowHeader) {
    const Response r = no_route(Router::NoMatch{{Method::kGet, Method::kPatch, Method::kDelete}});
    EXPECT_EQ(r.status, 405);
    const json body = json::parse(r.body);
    EXPECT_EQ(body["error_code"], "METHOD_NOT_ALLOWED");
    EXPECT_EQ(body["message"], "Method not allowed; use GET, PATCH, DELETE, HEAD");
    EXPECT_EQ(
        r.headers,
        (std::vector<std::pair<std::string, std::string>>{{"Allow", "GET, PATCH, DELETE, HEAD"}}));
}

TEST(NoRoute, WorksWithRouterMatch) {
    Router router;
    router.add(Method::kGet, "/a",
               [](RequestContext&, const Request&) -> Result<Response> { return ok(nullptr); });
    auto miss = router.match(Method::kPost, "/a");
    ASSERT_TRUE(std::holds_alternative<Router::NoMatch>(miss));
    EXPECT_EQ(no_route(std::get<Router::NoMatch>(miss)).status, 405);
    auto unknown = router.match(Method::kGet, "/b");
    ASSERT_TRUE(std::holds_alternative<Router::NoMatch>(unknown));
    EXPECT_EQ(no_route(std::get<Router::NoMatch>(unknown)).status, 404);
}

// Keeps what the dispatcher reported about audited requests.
class KeptAudit final : public AuditSink {
public:
    void record(const AuditEvent& e) override {
        actions.push_back(e.route.options.audit);
        statuses.push_back(e.response.status);
        befores.push_back(e.before);
    }
    std::vector<std::string> actions;
    std::vector<int> statuses;
    std::vector<std::optional<nlohmann::json>> befores;
};

TEST(DispatcherAudit, ReadsTheObjectBeforeAChangeAndNothingBeforeACreate) {
    Router router;
    FakeAuthenticator auth;
    auth.sign_in_as_user();
    Dispatcher dispatcher(router, auth);
    KeptAudit audit;
    dispatcher.set_audit(&audit);
    const auto answer = [](json data) {
        return [data](RequestContext&, const Request&) -> Result<Response> { return ok(data); };
    };
    router.add(Method::kGet, "/api/v1/things", answer({{"results", json::array()}, {"count", 0}}));
    router.add(Method::kGet, "/api/v1/things/{id}", answer({{"id", "t1"}, {"status", "old"}}));
    router.add(Method::kPost, "/api/v1/things", answer({{"id", "t2"}}), {.audit = "things.create"});
    router.add(Method::kPut, "/api/v1/things/{id}", answer({{"id", "t1"}, {"status", "new"}}),
               {.audit = "things.update"});
    router.add(Method::kPost, "/api/v1/things/{id}/approve", answer({{"id", "t1"}}),
               {.audit = "things.approve"});
    router.add(Method::kPost, "/api/v1/things/{id}/fail",
               [](RequestContext&, const Request&) -> Result<Response> {
                   return Error::invalid("x", "no");
               },
               {.audit = "things.fail"});
    const auto send = [&](Method m, const std::string& path) {
        Request r;
        r.method = m;
        r.target = r.path = path;
        auto matched = std::get<Router::Match>(router.match(m, path));
        RequestContext ctx;
        ctx.path_params = matched.params;
        return dispatcher.handle(*matched.route, ctx, r);
    };
    send(Method::kPost, "/api/v1/things");
    send(Method::kPut, "/api/v1/things/t1");
    send(Method::kPost, "/api/v1/things/t1/approve");
    send(Method::kPost, "/api/v1/things/t1/fail");
    send(Method::kGet, "/api/v1/things/t1");
    // Failures are not changes; reads are never audited.
    ASSERT_EQ(audit.actions,
              (std::vector<std::string>{"things.create", "things.update", "things.approve"}));
    EXPECT_FALSE(audit.befores[0]) << "a create reads no list as its before";
    ASSERT_TRUE(audit.befores[1]);
    EXPECT_EQ((*audit.befores[1])["status"], "old");
    ASSERT_TRUE(audit.befores[2]) << "an action reads the object it acts on";
    EXPECT_EQ((*audit.befores[2])["id"], "t1");
}

}  // namespace ujumbe::http
