#pragma once
// SQL of the API request log (table api_requests): the only place it
// appears. Lines are appended in batches, read newest first by window and
// deleted by age; nothing updates one.

#include <vector>

#include "analytics/model.h"
#include "core/result.h"
#include "db/connection.h"
#include "db/window.h"

namespace ujumbe::analytics::store {

using db::Connection;

// Appends the lines, many to a statement, each with a new id.
Status insert_requests(Connection& c, const std::vector<http::RequestLine>& lines);
// Adds the lines to the API requests counted per account, UTC day and user.
Status add_api_usage(Connection& c, const std::vector<http::RequestLine>& lines);
// The account's API requests of the UTC days [first_day, past_day) by day
// and user.
Result<std::vector<DailyRequests>> daily_requests(Connection& c, const AccountId& account,
                                                  std::int64_t first_day, std::int64_t past_day);

// Newest first, by page or cursor; counts exact up to db::kExactCountCap.
Result<db::WindowListing<LoggedRequest>> list_requests(Connection& c, const RequestLogQuery& q,
                                                       const db::Window& w);
// Deletes up to `limit` lines older than `before`; returns how many.
Result<std::int64_t> prune_requests(Connection& c, Micros before, int limit);

}  // namespace ujumbe::analytics::store
