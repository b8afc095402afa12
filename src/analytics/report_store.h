#pragma once
// SQL of report exports, always within one account (but for the runner,
// which claims and prunes across accounts).

#include <optional>
#include <string>
#include <vector>

#include "analytics/report.h"
#include "db/connection.h"
#include "db/store_support.h"

namespace ujumbe::analytics::store {

using db::Connection;

Status insert_export(Connection& c, const ReportExport& e);
// Inserts `e` unless its account already has `max_pending` exports queued
// or running; whether it did. On PostgreSQL the account's row is held to
// the transaction's end, so that two requests at once cannot both pass.
Result<bool> queue_export(Connection& c, const ReportExport& e, std::int64_t max_pending);
Result<std::optional<ReportExport>> find_export(Connection& c, const AccountId& account,
                                                const ReportExportId& id);
// Newest first.
Result<db::Listing<ReportExport>> list_exports(Connection& c, const AccountId& account,
                                               const db::Paged& page);
// The file of a completed export (base64url), if any.
Result<std::optional<std::string>> export_body(Connection& c, const AccountId& account,
                                               const ReportExportId& id);
Result<bool> delete_export(Connection& c, const AccountId& account, const ReportExportId& id);

// The oldest export queued, or running with its lease run out (its node
// stopped), now running and leased until `lease_until` (PostgreSQL: rows
// other nodes hold are skipped).
Result<std::optional<ReportExport>> claim_export(Connection& c, Micros now, Micros lease_until);
// Gives a run back unfinished (the server is stopping): queued again, for
// the next runner at once, the attempt not counted.
Status release_export(Connection& c, const ReportExportId& id);
// The end of a run: completed with its file, or failed with its error.
Status finish_export(Connection& c, const ReportExport& e, const std::optional<std::string>& body);
// Deletes up to `limit` exports that expired before `now`; how many.
Result<std::int64_t> prune_exports(Connection& c, Micros now, int limit);

}  // namespace ujumbe::analytics::store
