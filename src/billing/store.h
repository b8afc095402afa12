#pragma once
// SQL of the billing module: wallets, ledger entries, rates. Every function
// on an account's money takes its account id.

#include <optional>
#include <string>
#include <vector>

#include "billing/model.h"
#include "core/result.h"
#include "db/connection.h"
#include "db/store_support.h"
#include "db/window.h"

namespace ujumbe::billing::store {

using db::Connection;

// The wallet, created empty when missing.
Result<Wallet> ensure_wallet(Connection& c, const AccountId& account, const std::string& currency,
                             Micros now);
Result<std::optional<Wallet>> find_wallet(Connection& c, const AccountId& account,
                                          const std::string& currency);
// Adds `delta` (negative: a debit) unless a debit would take the balance
// below -credit_limit or a credit would take it above `ceiling` (a credit to
// a wallet deeper in debt than its limit, lowered since, still comes in);
// returns the new balance, or nullopt when refused (or no wallet). One
// statement: concurrent debits cannot overdraw, concurrent credits cannot
// pass the ceiling.
Result<std::optional<Micros6>> move_balance(Connection& c, const AccountId& account,
                                            const std::string& currency, Micros6 delta, Micros now,
                                            Micros6 ceiling = kMaxBalance);
Status set_low_balance_threshold(Connection& c, const AccountId& account,
                                 const std::string& currency, std::optional<Micros6> threshold,
                                 Micros now);
Status set_credit_limit(Connection& c, const AccountId& account, const std::string& currency,
                        Micros6 limit, Micros now);

Status insert_entries(Connection& c, const std::vector<LedgerEntry>& entries);
Result<std::optional<LedgerEntry>> find_by_reference(Connection& c, const AccountId& account,
                                                     const std::string& type,
                                                     const std::string& reference);
Result<db::WindowListing<LedgerEntry>> list_entries(Connection& c, const AccountId& account,
                                                    const LedgerQuery& q, const db::Window& w);
// Keyset pages for the CSV export, oldest first, after `after_id`.
Result<std::vector<LedgerEntry>> entries_after(Connection& c, const AccountId& account,
                                               const LedgerQuery& q, const std::string& after_id,
                                               int limit);
// The charges of these messages (for refunds).
Result<std::vector<LedgerEntry>> charges_of(Connection& c,
                                            const std::vector<MessageId>& message_ids);
Result<bool> refunded(Connection& c, const AccountId& account, const MessageId& message_id);
// Inserts the refund entry unless the message was refunded to that account
// already; true when inserted.
Result<bool> insert_refund_once(Connection& c, const LedgerEntry& refund);

// The account's ledger rollups in `currency` of the UTC days
// [first_day, past_day).
Result<std::vector<DailyLedger>> daily_ledger(Connection& c, const AccountId& account,
                                              const std::string& currency, std::int64_t first_day,
                                              std::int64_t past_day);

// Recounts every account's ledger rollups from the entries, with new
// entries held off meanwhile (PostgreSQL). Returns the rollup rows written.
Result<std::int64_t> rebuild_ledger_rollups(Connection& c);

// The account's ledger over [from, until) in `currency`.
// The reseller's revenue from each client with ledger entries in [from,
// until), by client id.
Result<std::vector<ClientRevenue>> revenue_by_client(Connection& c, const AccountId& reseller,
                                                     const std::string& currency, Micros from,
                                                     Micros until);
Result<Statement> statement(Connection& c, const AccountId& account, const std::string& currency,
                            Micros from, Micros until);

// ---- plans and subscriptions
Result<std::vector<Plan>> plans(Connection& c);
Result<std::optional<Plan>> find_plan(Connection& c, const std::string& code);
Result<std::optional<Subscription>> find_subscription(Connection& c, const AccountId& account);
// Starts the subscription's first period (a new plan: included messages
// and renewal state start again; its anchor is the period's start).
Status put_subscription(Connection& c, const Subscription& s, Micros now);
// Active subscriptions whose period ended by `now` and whose renewal was
// not tried after `tried_before`, the longest due first.
Result<std::vector<Subscription>> due_renewals(Connection& c, Micros now, Micros tried_before,
                                               std::size_t limit);
// Marks the renewal of `s` tried at `now` if no one renewed or tried it
// since `s` was read: false when someone did (on PostgreSQL the row stays
// locked to the end of the transaction, so a second node waits, then
// finds it moved).
Result<bool> claim_renewal(Connection& c, const Subscription& s, Micros now);
// A paid renewal: the period [start, end), nothing included used yet.
Status renew_subscription(Connection& c, const AccountId& account, Micros start, Micros end,
                          Micros now);
Status mark_past_due(Connection& c, const AccountId& account, Micros now);
// The grace period is over: back to pay as you go.
Status lapse_subscription(Connection& c, const AccountId& account, Micros now);
// Takes up to `n` of the included messages left in the account's current
// plan period; returns how many it took.
Result<std::int64_t> use_included(Connection& c, const AccountId& account, std::int64_t n,
                                  Micros now);
// Sum of the account's charges over [from, until) (negative).
Result<MoneySum> charged(Connection& c, const AccountId& account, Micros from, Micros until);

// ---- rates. A card's owner: an account, or none for the platform's base card.
using CardOwner = std::optional<AccountId>;
Result<std::vector<Rate>> card_of(Connection& c, const CardOwner& owner);
Result<std::optional<Rate>> find_rate(Connection& c, const RateId& id);
// The line of (account, channel, prefix, country, gateway ("" for every gateway)).
Result<std::optional<Rate>> find_line(Connection& c, const CardOwner& owner,
                                      const std::string& channel, const std::string& prefix,
                                      const std::string& country, const std::string& gateway_id);
Status insert_rate(Connection& c, const Rate& r);
Status update_rate(Connection& c, const Rate& r);
Status delete_rate(Connection& c, const RateId& id);

}  // namespace ujumbe::billing::store
