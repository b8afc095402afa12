#include "core/error.h"

namespace ujumbe {

Error Error::invalid(std::string field, std::string problem) {
    FieldErrors errors;
    errors[std::move(field)].push_back(std::move(problem));
    return invalid_fields(std::move(errors));
}

Error Error::invalid_fields(FieldErrors errors) {
    std::string message = "Invalid input";
    if (!errors.empty()) {
        const auto& [field, problems] = *errors.begin();
        message = field + ": " + (problems.empty() ? "invalid" : problems.front());
    }
    return Error{ErrorCode::kInvalidArgument, "VALIDATION_ERROR", std::move(message),
                 std::move(errors)};
}

Error Error::malformed(std::string message, std::string error_code) {
    return Error{ErrorCode::kMalformedRequest, std::move(error_code), std::move(message)};
}

Error Error::unauthenticated(std::string error_code, std::string message) {
    return Error{ErrorCode::kUnauthenticated, std::move(error_code), std::move(message)};
}

Error Error::forbidden(std::string message, std::string error_code) {
    return Error{ErrorCode::kPermissionDenied, std::move(error_code), std::move(message)};
}

Error Error::not_found(std::string what) {
    return Error{ErrorCode::kNotFound, "NOT_FOUND", std::move(what) + " not found"};
}

Error Error::conflict(std::string error_code, std::string message) {
    return Error{ErrorCode::kConflict, std::move(error_code), std::move(message)};
}

Error Error::invalid_status(const std::string& current, std::vector<std::string> allowed) {
    Error e{ErrorCode::kConflict, "INVALID_STATUS",
            "This action is not allowed while the status is '" + current + "'"};
    e.details = {{"current_status", current}, {"allowed_statuses", std::move(allowed)}};
    return e;
}

Error Error::precondition(std::string error_code, std::string message) {
    return Error{ErrorCode::kFailedPrecondition, std::move(error_code), std::move(message)};
}

Error Error::refusal(std::string field, std::string error_code, std::string problem,
                     ErrorCode code) {
    Error e = Error::invalid(std::move(field), std::move(problem));
    e.error_code = std::move(error_code);
    e.code = code;
    return e;
}

Error Error::rate_limited(int retry_after_s) {
    Error e{ErrorCode::kRateLimited, "RATE_LIMITED", "Too many requests; try again later"};
    e.retry_after_s = retry_after_s;
    e.details = {{"retry_after", retry_after_s}};
    return e;
}

Error Error::internal(std::string message) {
    return Error{ErrorCode::kInternal, "INTERNAL_ERROR", std::move(message)};
}

Error Error::unavailable(std::string message) {
    return Error{ErrorCode::kUnavailable, "UNAVAILABLE", std::move(message)};
}

Error Error::database_unavailable(std::string message) {
    Error e{ErrorCode::kUnavailable, "DATABASE_UNAVAILABLE", std::move(message)};
    e.retry_after_s = 5;
    return e;
}

Error Error::storage_full(std::string message) {
    Error e{ErrorCode::kInsufficientStorage, "INSUFFICIENT_STORAGE", std::move(message)};
    e.retry_after_s = 30;
    return e;
}

bool is_database_fault(const Error& error) {
    return error.error_code == "DATABASE_UNAVAILABLE" || error.error_code == "INSUFFICIENT_STORAGE";
}

}  // namespace ujumbe
