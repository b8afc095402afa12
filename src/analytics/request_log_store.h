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
// Newest first, by page or cursor; counts exact up to db::kExactCountCap.
Result<db::WindowListing<LoggedRequest>> list_requests(Connection& c, const RequestLogQuery& q,
                                                       const db::Window& w);
// Deletes up to `limit` lines older than `before`; returns how many.
Result<std::int64_t> prune_requests(Connection& c, Micros before, int limit);

}  // namespace ujumbe::analytics::store
