#pragma once
// The audit log's table: appended to, read by window; nothing here (or
// anywhere) updates or deletes an entry.

#include <vector>

#include "audit/model.h"
#include "core/result.h"
#include "db/connection.h"
#include "db/window.h"

namespace ujumbe::audit::store {

using db::Connection;

// Appends the entries, many to a statement.
Status insert(Connection& c, const std::vector<Entry>& entries);
// Newest first, by page or cursor; counts exact up to db::kExactCountCap.
Result<db::WindowListing<Entry>> list(Connection& c, const Visibility& v, const Query& q,
                                      const db::Window& w);

}  // namespace ujumbe::audit::store
