#pragma once
// The response envelope of SPEC.md section 2, and the one table that maps an
// Error category to an HTTP status.

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "http/request.h"

namespace ujumbe::http {

using json = nlohmann::json;

int http_status(ErrorCode code);

// {"success": true, "data": data[, "message": message]}
Response ok(json data, int status = 200, std::string_view message = {});
Response created(json data);
// {"success": false, "message", "error_code", "errors", "details"}; adds
// Retry-After for rate limits. Internal errors show no internals.
Response error_response(const Error& error);

}  // namespace ujumbe::http
