#include "http/envelope.h"

#include <gtest/gtest.h>

namespace ujumbe::http {

namespace {

json body_of(const Response& r) {
    return json::parse(r.body);
}

std::optional<std::string> header_of(const Response& r, const std::string& name) {
    for (const auto& [n, v] : r.headers)
        if (n == name) return v;
    return std::nullopt;
}

}  // namespace

TEST(HttpStatus, MapsEveryErrorCode) {
    const std::vector<std::pair<ErrorCode, int>> expected = {
        {ErrorCode::kInvalidArgument, 400},
        {ErrorCode::kMalformedRequest, 400},
        {ErrorCode::kUnauthenticated, 401},
        {ErrorCode::kInsufficientBalance, 402},
        {ErrorCode::kPermissionDenied, 403},
        {ErrorCode::kNotFound, 404},
        {ErrorCode::kMethodNotAllowed, 405},
        {ErrorCode::kConflict, 409},
        {ErrorCode::kPayloadTooLarge, 413},
        {ErrorCode::kUnsupportedMediaType, 415},
        {ErrorCode::kFailedPrecondition, 422},
        {ErrorCode::kRateLimited, 429},
        {ErrorCode::kInternal, 500},
        {ErrorCode::kUnavailable, 503},
        {ErrorCode::kInsufficientStorage, 507},
    };
    for (const auto& [code, status] : expected)
        EXPECT_EQ(http_status(code), status) << static_cast<int>(code);
}

TEST(HttpStatus, UnknownCodeIs500) {
    EXPECT_EQ(http_status(static_cast<ErrorCode>(999)), 500);
}

TEST(Ok, WrapsDataWithSuccessTrue) {
    const Response r = ok({{"id", "usr_1"}});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_TRUE(r.headers.empty());
    EXPECT_EQ(body_of(r), (json{{"success", true}, {"data", {{"id", "usr_1"}}}}));
}

TEST(Ok, AddsMessageOnlyWhenGiven) {
    const Response with = ok(json::object(), 202, "Queued");
    EXPECT_EQ(with.status, 202);
    EXPECT_EQ(body_of(with),
              (json{{"success", true}, {"data", json::object()}, {"message", "Queued"}}));
    EXPECT_FALSE(body_of(ok(nullptr)).contains("message"));
}

TEST(Ok, KeepsNullAndArrayData) {
    EXPECT_TRUE(body_of(ok(nullptr))["data"].is_null());
    EXPECT_EQ(body_of(ok(json::array({1, 2})))["data"], json::array({1, 2}));
}

TEST(Created, Is201WithTheSameShape) {
    const Response r = created({{"id", "acc_1"}});
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(body_of(r), (json{{"success", true}, {"data", {{"id", "acc_1"}}}}));
}

TEST(Ok, ReplacesInvalidUtf8InsteadOfThrowing) {
    const Response r = ok({{"name", std::string("caf\xC3")}});
    EXPECT_EQ(r.status, 200);
    EXPECT_NO_THROW(json::parse(r.body));
}

TEST(ErrorResponse, HasEveryEnvelopeField) {
    Error e = Error::invalid("email", "Enter a valid email address.");
    const Response r = error_response(e);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(body_of(r), (json{{"success", false},
                                {"message", "email: Enter a valid email address."},
                                {"error_code", "VALIDATION_ERROR"},
                                {"errors", {{"email", {"Enter a valid email address."}}}},
                                {"details", json::object()}}));
}

TEST(ErrorResponse, ErrorsIsAnEmptyObjectWithoutFieldProblems) {
    const json body = body_of(error_response(Error::not_found("User")));
    EXPECT_TRUE(body["errors"].is_object());
    EXPECT_TRUE(body["errors"].empty());
    EXPECT_EQ(body["message"], "User not found");
    EXPECT_EQ(body["error_code"], "NOT_FOUND");
}

TEST(ErrorResponse, CarriesDetails) {
    const Response r = error_response(Error::invalid_status("suspended", {"active"}));
    EXPECT_EQ(r.status, 409);
    const json body = body_of(r);
    EXPECT_EQ(body["error_code"], "INVALID_STATUS");
    EXPECT_EQ(body["details"],
              (json{{"current_status", "suspended"}, {"allowed_statuses", {"active"}}}));
}

TEST(ErrorResponse, EmptyErrorCodeBecomesError) {
    Error e{ErrorCode::kConflict, "", "Clash"};
    EXPECT_EQ(body_of(error_response(e))["error_code"], "ERROR");
}

TEST(ErrorResponse, StatusFollowsTheCategory) {
    EXPECT_EQ(error_response(Error::unauthenticated("INVALID_TOKEN", "x")).status, 401);
    EXPECT_EQ(error_response(Error::forbidden("no")).status, 403);
    EXPECT_EQ(error_response(Error::precondition("NO_ROUTE", "x")).status, 422);
    EXPECT_EQ(error_response(Error::unavailable("db down")).status, 503);
    EXPECT_EQ(error_response(Error::malformed("x")).status, 400);
}

TEST(ErrorResponse, InternalErrorsHideMessageAndDetails) {
    Error e = Error::internal("connection to 10.0.0.5:5432 refused; password=hunter2");
    e.details = {{"sql", "SELECT secret FROM keys"}};
    const Response r = error_response(e);
    EXPECT_EQ(r.status, 500);
    const json body = body_of(r);
    EXPECT_EQ(body["message"], "Internal server error");
    EXPECT_EQ(body["error_code"], "INTERNAL_ERROR");
    EXPECT_EQ(body["details"], json::object());
    EXPECT_EQ(r.body.find("hunter2"), std::string::npos);
    EXPECT_EQ(r.body.find("SELECT"), std::string::npos);
}

TEST(ErrorResponse, NonInternalErrorsShowTheirMessage) {
    const json body = body_of(error_response(Error::unavailable("Try again shortly")));
    EXPECT_EQ(body["message"], "Try again shortly");
}

TEST(ErrorResponse, RateLimitedAddsRetryAfter) {
    const Response r = error_response(Error::rate_limited(42));
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(header_of(r, "Retry-After"), "42");
    const json body = body_of(r);
    EXPECT_EQ(body["error_code"], "RATE_LIMITED");
    EXPECT_EQ(body["details"], (json{{"retry_after", 42}}));
}

TEST(ErrorResponse, RetryAfterIsAtLeastOneSecond) {
    EXPECT_EQ(header_of(error_response(Error::rate_limited(0)), "Retry-After"), "1");
    EXPECT_EQ(header_of(error_response(Error::rate_limited(-3)), "Retry-After"), "1");
}

TEST(ErrorResponse, DatabaseFaultsAre503Or507WithRetryAfter) {
    struct Case {
        Error error;
        int status;
        const char* retry_after;
        const char* error_code;
    };
    for (const auto& c : {Case{Error::database_unavailable("x"), 503, "5", "DATABASE_UNAVAILABLE"},
                          Case{Error::storage_full("x"), 507, "30", "INSUFFICIENT_STORAGE"}}) {
        const Response r = error_response(c.error);
        EXPECT_EQ(r.status, c.status);
        EXPECT_EQ(header_of(r, "Retry-After"), c.retry_after);
        const json body = body_of(r);
        EXPECT_EQ(body["error_code"], c.error_code);
        EXPECT_EQ(body["message"], "x");
    }
}

TEST(ErrorResponse, OtherErrorsHaveNoRetryAfter) {
    EXPECT_FALSE(header_of(error_response(Error::unavailable("x")), "Retry-After"));
    EXPECT_TRUE(error_response(Error::not_found("X")).headers.empty());
}

}  // namespace ujumbe::http
