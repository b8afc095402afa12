#pragma once
// The message rollups (docs/message-history.md): counts per account, UTC
// day of creation, direction, channel, status and gateway, kept by
// triggers in the transaction of every change. Statistics read them
// instead of counting messages.

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "core/result.h"
#include "db/connection.h"
#include "messaging/model.h"

namespace ujumbe::messaging::store {

using db::Connection;

using ujumbe::kMicrosPerDay;

// True when every filter of `q` is one the rollups keep (status, direction,
// channel, date range); number, sender, reference and search filters need
// the messages themselves.
bool rollups_answer(const MessageQuery& q);

// Counts by direction and status of the account's messages matching `q`
// (rollups_answer(q) must hold): whole UTC days of the range from the
// rollups, the part-days at its ends counted from the messages.
Result<MessageStats> stats_from_rollups(Connection& c, const AccountId& account,
                                        const MessageQuery& q);

// The account's rollups of the UTC days [first_day, past_day), by day,
// direction, channel, status and gateway.
Result<std::vector<DailyCount>> daily_counts(Connection& c, const AccountId& account,
                                             std::int64_t first_day, std::int64_t past_day);

// The account's outbound messages of the UTC days [first_day, past_day) by
// day, sending user and channel (message_usage).
Result<std::vector<DailyUsage>> daily_usage(Connection& c, const AccountId& account,
                                            std::int64_t first_day, std::int64_t past_day);

// Up to `limit` of the account's outbound messages created in [from,
// until), oldest first, after the message (created_at, id) `after` when
// given: a delivery report pages through a range with it.
Result<std::vector<DeliveryRow>> delivery_rows(
    Connection& c, const AccountId& account, Micros from, Micros until,
    const std::optional<std::pair<Micros, MessageId>>& after, int limit);

// The two writers below run in the caller's write transaction.
//
// PostgreSQL: folds the deltas the triggers appended into the rollups (and
// the usage counts); only
// one node folds at a time. Returns the deltas
// folded. SQLite's triggers write the rollups directly: nothing to do.
Result<std::int64_t> fold_rollup_deltas(Connection& c);

// Recounts every rollup from the messages stored, with writes to messages
// held off meanwhile. Returns the rollup rows written.
Result<std::int64_t> rebuild_rollups(Connection& c);

}  // namespace ujumbe::messaging::store
