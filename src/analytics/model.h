#pragma once
// Plain data of the analytics module: the API request log's lines and the
// filters a reader applies to them.

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/ids.h"
#include "http/request_log.h"

namespace ujumbe::analytics {

// A line of the request log as stored.
struct LoggedRequest {
    std::string id;
    http::RequestLine line;
};

// An account's API requests of one UTC day by one user.
struct DailyRequests {
    std::int64_t day = 0;
    std::string user_id;
    std::int64_t requests = 0;
};

struct RequestLogQuery {
    std::optional<AccountId> account_id;  // none: every account (platform admin)
    std::optional<std::string> method, route;
    std::optional<int> status;        // one status (404) ...
    std::optional<int> status_class;  // ... or a class: 4 for 4xx
    std::optional<UserId> user_id;
    std::optional<ApiKeyId> api_key_id;
    std::optional<Micros> from, until;
};

}  // namespace ujumbe::analytics
