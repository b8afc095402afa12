#include "http/envelope.h"

#include <array>
#include <utility>

namespace ujumbe::http {

namespace {

constexpr std::array<std::pair<ErrorCode, int>, 15> kStatusOf = {{
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
}};

std::string dump(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

int http_status(ErrorCode code) {
    for (const auto& [c, status] : kStatusOf)
        if (c == code) return status;
    return 500;
}

Response ok(json data, int status, std::string_view message) {
    json body = json::object();
    body.emplace("success", true);
    body.emplace("data", std::move(data));
    if (!message.empty()) body.emplace("message", message);
    Response r;
    r.status = status;
    r.body = dump(body);
    r.data = std::make_shared<const json>(std::move(body["data"]));
    return r;
}

Response created(json data) {
    return ok(std::move(data), 201);
}

Response error_response(const Error& error) {
    const bool internal = error.code == ErrorCode::kInternal;
    json errors = json::object();
    for (const auto& [field, problems] : error.errors) errors[field] = problems;
    json body = {
        {"success", false},
        {"message", internal ? "Internal server error" : error.message},
        {"error_code", error.error_code.empty() ? "ERROR" : error.error_code},
        {"errors", std::move(errors)},
        {"details", internal ? json::object() : error.details},
    };
    Response r;
    r.status = http_status(error.code);
    r.body = dump(body);
    if (error.code == ErrorCode::kRateLimited)
        r.headers.emplace_back("Retry-After", std::to_string(std::max(1, error.retry_after_s)));
    else if (error.retry_after_s > 0)
        r.headers.emplace_back("Retry-After", std::to_string(error.retry_after_s));
    return r;
}

}  // namespace ujumbe::http
