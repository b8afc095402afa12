#pragma once
// Errors are values. An Error carries a category (which decides the HTTP
// status or SMPP command_status at the protocol edge), the stable
// `error_code` string of the API, a human message, per-field problems and
// free-form details. The one mapping from category to HTTP status lives in
// src/http/envelope.cc.

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ujumbe {

enum class ErrorCode {
    kInvalidArgument,       // 400: a field is missing or malformed
    kMalformedRequest,      // 400: the body cannot be parsed at all
    kUnauthenticated,       // 401
    kInsufficientBalance,   // 402
    kPermissionDenied,      // 403
    kNotFound,              // 404, also for another tenant's objects
    kMethodNotAllowed,      // 405
    kConflict,              // 409: uniqueness or invalid state transition
    kPayloadTooLarge,       // 413
    kUnsupportedMediaType,  // 415
    kFailedPrecondition,    // 422: a business rule refuses the request
    kRateLimited,           // 429
    kInternal,              // 500: never shows internals to the caller
    kUnavailable,           // 503
    kInsufficientStorage,   // 507: the database's disk is full
};

using FieldErrors = std::map<std::string, std::vector<std::string>>;

struct Error {
    ErrorCode code = ErrorCode::kInternal;
    std::string error_code;  // UPPER_SNAKE, stable across releases
    std::string message;
    FieldErrors errors;
    nlohmann::json details = nlohmann::json::object();
    int retry_after_s = 0;  // for kRateLimited, kUnavailable and kInsufficientStorage

    static Error invalid(std::string field, std::string problem);
    static Error invalid_fields(FieldErrors errors);
    // 400 for a body that cannot be read at all (MALFORMED_JSON unless named).
    static Error malformed(std::string message, std::string error_code = "MALFORMED_JSON");
    static Error unauthenticated(std::string error_code, std::string message);
    static Error forbidden(std::string message, std::string error_code = "FORBIDDEN");
    static Error not_found(std::string what);
    static Error conflict(std::string error_code, std::string message);
    static Error invalid_status(const std::string& current, std::vector<std::string> allowed);
    static Error precondition(std::string error_code, std::string message);
    // One request of several refused by a check: names the field, carries
    // its own code (INVALID_NUMBER, OUTSIDE_SERVICE_WINDOW, ...).
    static Error refusal(std::string field, std::string error_code, std::string problem,
                         ErrorCode code = ErrorCode::kInvalidArgument);
    static Error rate_limited(int retry_after_s);
    static Error internal(std::string message);
    static Error unavailable(std::string message);
    // The database cannot be reached (503 DATABASE_UNAVAILABLE) or cannot
    // store more (507 INSUFFICIENT_STORAGE): faults that pass, answered with
    // Retry-After.
    static Error database_unavailable(std::string message);
    static Error storage_full(std::string message);
};

// True for the two faults above and a busy database: the same work may
// succeed when tried again later, unchanged.
bool is_database_fault(const Error& error);

}  // namespace ujumbe
