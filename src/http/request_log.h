#pragma once
// What the server tells the API request log about each request answered
// for a signed-in caller: the route's template (never the path or query,
// which may carry ids and tokens), the caller, the answer's status and
// latency. Never a body or a header. Implemented by the analytics module;
// the server knows nothing of how lines are kept.

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/ids.h"
#include "http/request.h"

namespace ujumbe::http {

struct RequestLine {
    Micros at = 0;  // when the request arrived
    Method method = Method::kGet;
    std::string route;  // the route's template ("/api/v1/messages/{id}")
    int status = 0;
    Micros duration_us = 0;
    AccountId account_id;
    UserId user_id;
    std::optional<ApiKeyId> api_key_id;
    std::string ip;
    std::string request_id;
};

class RequestLogSink {
public:
    virtual ~RequestLogSink() = default;
    // Called on an I/O thread once the answer is ready; must not block
    // (nor throw).
    virtual void record(RequestLine line) = 0;
};

}  // namespace ujumbe::http
