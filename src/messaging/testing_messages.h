#pragma once
// Test support: a message stored as the pipeline would have left it.

#include "core/clock.h"
#include "core/ids.h"
#include "db/database.h"
#include "messaging/model.h"

namespace ujumbe::messaging::testing {

// A one-part SMS of `account` in `status`, written at `now`, with a queue
// row due at `due` (unleased) unless the status is final.
Message stored_message(db::Database& db, const AccountId& account, MessageStatus status, Micros now,
                       Micros due);

}  // namespace ujumbe::messaging::testing
