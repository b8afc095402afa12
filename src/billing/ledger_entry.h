#pragma once
// A new ledger entry with its id, before it is stored.

#include <string>

#include "billing/model.h"
#include "core/ids.h"

namespace ujumbe::billing {

inline LedgerEntry new_entry(const AccountId& account, const std::string& currency,
                             const std::string& type, Micros6 amount, Micros6 balance_after,
                             Micros now) {
    LedgerEntry e;
    e.id = LedgerEntryId{new_uuid_v7(now)};
    e.account_id = account;
    e.currency = currency;
    e.type = type;
    e.amount = amount;
    e.balance_after = balance_after;
    e.created_at = now;
    return e;
}

}  // namespace ujumbe::billing
