#pragma once
// SQL of the SMPP server: smpp_accounts, smpp_messages (submits that asked
// for receipts) and smpp_deliveries (deliver_sm owed). The only place these
// tables appear. Reads of accounts take the caller's scope.

#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/result.h"
#include "db/connection.h"
#include "db/store_support.h"
#include "smpp_server/model.h"

namespace ujumbe::smpp_server::store {

using db::Connection;

struct StoredAccount {
    SmppAccount account;
    std::string sealed_password;
};

Status insert_account(Connection& c, const SmppAccount& a, const std::string& sealed_password);
Result<std::optional<StoredAccount>> find_account(Connection& c, const AccountScope& scope,
                                                  const SmppAccountId& id);
Result<std::optional<StoredAccount>> find_by_system_id(Connection& c, const std::string& system_id);
Result<db::Listing<SmppAccount>> list_accounts(Connection& c, const AccountScope& scope,
                                               const db::Paged& page);
// Writes every field but the password; false when no row has its id.
Result<bool> update_account(Connection& c, const SmppAccount& a);
Result<bool> set_password(Connection& c, const SmppAccountId& id, const std::string& sealed,
                          Micros now);
// Deletes the account and what it was owed; false when it is not in scope.
Result<bool> delete_account(Connection& c, const AccountScope& scope, const SmppAccountId& id);
// The active SMPP accounts of `account` that may bind to receive.
Result<std::vector<SmppAccountId>> receivers_of(Connection& c, const AccountId& account);

// Submits that asked for receipts: (message id, SMPP account, 1 | 2).
struct Submission {
    MessageId message_id;
    SmppAccountId smpp_account_id;
    int receipts = 1;
};
Status insert_submissions(Connection& c, const std::vector<Submission>& rows);
// Those of `message_ids` that asked for receipts, with the message's
// destination, sender, start of its body and creation time.
struct Wanted {
    Submission submission;
    std::string to, sender;
    std::string excerpt;  // the body's first octets, for the receipt's text:
    Micros created_at = 0;
};
Result<std::vector<Wanted>> receipts_wanted(Connection& c,
                                            const std::vector<MessageId>& message_ids);

Status insert_deliveries(Connection& c, const std::vector<PendingDelivery>& rows);
// Leases up to `limit` of the account's deliveries not leased now, oldest
// first, counting an attempt for each.
Result<std::vector<PendingDelivery>> claim_deliveries(Connection& c, const SmppAccountId& account,
                                                      const std::string& owner, Micros now,
                                                      Micros lease_until, std::size_t limit);
// Whether the account has a delivery not leased now.
Result<bool> has_due_deliveries(Connection& c, const SmppAccountId& account, Micros now);
Status delete_deliveries(Connection& c, const std::vector<std::int64_t>& ids);
// Lets deliveries be claimed again from `retry_at`.
Status release_deliveries(Connection& c, const std::vector<std::int64_t>& ids, Micros retry_at);
// Deletes deliveries made before `cutoff`; how many.
Result<std::int64_t> drop_deliveries_before(Connection& c, Micros cutoff);
Result<std::int64_t> count_deliveries(Connection& c, const SmppAccountId& account);

}  // namespace ujumbe::smpp_server::store
