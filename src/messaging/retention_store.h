#pragma once
// SQL of message retention (retention.h): each account's own settings, how
// far redaction has come, and the batches that blank bodies, delete old
// messages with their parts, receipts and events, and fold the events and
// receipts of final messages into their rows. The ledger is not touched
// here or anywhere else.

#include <optional>
#include <vector>

#include "core/ids.h"
#include "core/result.h"
#include "db/connection.h"

namespace ujumbe::messaging::retention_store {

using db::Connection;

// An account's own row of message_retention.
struct AccountRetention {
    AccountId account_id;
    std::optional<std::int64_t> body_days, message_days;  // none: the server's default
    Micros bodies_redacted_before = 0;
    Micros updated_at = 0;
};

Result<std::optional<AccountRetention>> find(Connection& c, const AccountId& account);
// Every account that has a row.
Result<std::vector<AccountRetention>> all(Connection& c);
// Sets an account's days, keeping how far redaction has come.
Status put_days(Connection& c, const AccountRetention& r);
Status set_redacted_before(Connection& c, const AccountId& account, Micros before, Micros now);

// Accounts with messages created before `before`, from the rollups and
// PostgreSQL's deltas (a few rows a day each, not the messages).
Result<std::vector<AccountId>> accounts_with_messages_before(Connection& c, Micros before);

// Blanks the bodies of up to `limit` final messages of `account` created in
// [from, before), oldest first. Returns how many, and the creation time of
// the last one (where the next batch starts) when the batch was full.
struct Redacted {
    std::int64_t count = 0;
    std::optional<Micros> resume_at;
};
Result<Redacted> redact_batch(Connection& c, const AccountId& account, Micros from, Micros before,
                              int limit);

// Deletes up to `limit` final messages of `account` created before `before`,
// oldest first, with their parts, receipts, events and SMPP receipt
// requests. Returns how many messages.
Result<std::int64_t> purge_batch(Connection& c, const AccountId& account, Micros before, int limit);

// Folds the events and receipts of final messages unchanged since
// `ready_before` into their rows (messages.history, history_codec.h),
// walking up to `limit` events after `after_seq`, oldest first. Returns the
// messages folded, the last seq walked (none: nothing was left to walk),
// and whether the walk reached events written since `ready_before`.
struct Folded {
    std::int64_t messages = 0;
    std::optional<std::int64_t> last_seq;
    bool reached_recent = false;
};
Result<Folded> fold_batch(Connection& c, std::int64_t after_seq, Micros ready_before, int limit);

}  // namespace ujumbe::messaging::retention_store
