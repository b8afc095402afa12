#pragma once
// SQL of the messaging module: messages, parts, the send queue, receipts,
// events, per-day counters, sender ids and inbound fragments. Every read a
// caller can name takes the tenant's account id; the pipeline's own
// statements (claims, outcomes, receipts) work by message id.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "channels/gateway.h"
#include "core/result.h"
#include "db/connection.h"
#include "db/store_support.h"
#include "db/window.h"
#include "messaging/model.h"

namespace ujumbe::messaging::store {

using db::Connection;

struct EventRow {
    AccountId account_id;
    MessageId message_id;
    std::string type;
    MessageStatus status;
    std::optional<std::string> detail;
    Micros created_at = 0;
};

// ---- acceptance
Status insert_messages(Connection& c, const std::vector<const Message*>& messages);
// Queue rows for messages to send at `due_at` each; leased to `owner` until
// `lease_until` when an owner is given (a node that dispatches them at once).
Status enqueue(Connection& c, const std::vector<std::pair<MessageId, Micros>>& due,
               const std::string& owner = "", Micros lease_until = 0);
Status insert_events(Connection& c, const std::vector<EventRow>& events);
// Adds `n` to the day's counters of the account (user_id '') and of the
// user, in one statement; returns both new totals (account, user).
Result<std::pair<std::int64_t, std::int64_t>> add_day_counts(Connection& c,
                                                             const std::string& account,
                                                             const std::string& user,
                                                             std::int64_t day, std::int64_t n);

// ---- the dispatcher
// Leases up to `limit` due rows not leased by anyone (or whose lease ran
// out) to `owner` until `lease_until`, marks queued messages sending, and
// returns the messages.
Result<std::vector<Message>> claim(Connection& c, const std::string& owner, Micros now,
                                   Micros lease_until, int limit);
// queued -> sending for these messages; returns the events to write.
Result<std::vector<EventRow>> mark_sending(Connection& c, const std::vector<MessageId>& ids,
                                           Micros now);
// Every lease of `owner` ends now (a restarted node takes its work back).
// The messages with these ids (any account's; missing ones left out), in no order.
Result<std::vector<Message>> messages_by_ids(Connection& c, const std::vector<MessageId>& ids);
// A campaign's messages counted by status, with the sum of the prices of
// those a refund may follow.
Result<std::vector<CampaignTally>> campaign_tally(Connection& c, const CampaignId& id);
// A campaign's report, its destinations grouped by number prefix (the
// first six digits) with one number of each group in `country`, for the
// service to name the country.
Result<CampaignReport> campaign_report(Connection& c, const CampaignId& id);
// A campaign's messages queued or being sent.
Result<std::int64_t> campaign_waiting(Connection& c, const CampaignId& id);
Status release_leases(Connection& c, const std::string& owner);
Status release_all_leases(Connection& c);
// Writes this node's row in pipeline_probes (fails while the disk is full).
Status probe_write(Connection& c, const std::string& node_id, Micros now);
// Releases these messages' rows leased to `owner`.
Status release_leases_of(Connection& c, const std::string& owner,
                         const std::vector<MessageId>& message_ids);
// The row stays, due again at `due_at`, unleased.
Status requeue(Connection& c, const MessageId& message_id, Micros due_at);
Status dequeue(Connection& c, const MessageId& message_id);
Result<std::int64_t> queued_count(Connection& c);
// Refreshes the planner's statistics of the pipeline's tables (PostgreSQL;
// SQLite plans without them). Plans made while a table looked empty scan it
// whole once it holds a million rows.
Status refresh_statistics(Connection& c);

// Writers check the change against the status table first (messaging/status.h).
struct StatusChange {
    MessageStatus status;
    std::optional<GatewayId> gateway_id;
    std::optional<std::string> error_code, error_message;
    std::optional<Micros> sent_at, done_at;
    bool count_attempt = false;
};
Status change_status(Connection& c, const MessageId& message_id, const StatusChange& change,
                     Micros now);
Status insert_parts(Connection& c, const MessageId& message_id,
                    const std::vector<MessagePart>& parts);
// The message's cost once the gateway that carried it is known.
Status set_cost(Connection& c, const MessageId& message_id, std::int64_t cost);

// ---- set-wise forms for the pipeline's batches (a few statements a batch,
// not a few a message: on PostgreSQL each statement is a round trip)
struct PartRow {
    MessageId message_id;
    MessagePart part;
};
Status upsert_parts(Connection& c, const std::vector<PartRow>& parts);
Status change_status_many(Connection& c, const std::vector<MessageId>& message_ids,
                          const StatusChange& change, Micros now);
Status dequeue_many(Connection& c, const std::vector<MessageId>& message_ids);
struct PartMatch {
    MessageId message_id;
    AccountId account_id;
    int part = 1;
    MessageStatus message_status;
    std::string provider_key;
    std::string channel;
};
// The parts of `gateway_id` with these provider keys.
Result<std::vector<PartMatch>> find_parts(Connection& c, const GatewayId& gateway_id,
                                          const std::vector<std::string>& provider_keys);
Result<std::vector<PartRow>> parts_of_many(Connection& c,
                                           const std::vector<MessageId>& message_ids);
Status insert_receipts(Connection& c, const std::vector<std::pair<MessageId, Receipt>>& rows);
// Sets part 1 of each message (single-part messages) to `status`.
Status set_first_parts(Connection& c, const std::vector<MessageId>& message_ids,
                       const std::string& status, const std::optional<std::string>& error_code,
                       Micros done_at);

// ---- receipts that came before the record of their part
struct EarlyReceipt {
    std::string id;
    channels::ReceiptReport receipt;
    Micros received_at = 0;
};
Status insert_early_receipts(Connection& c, const std::vector<EarlyReceipt>& rows);
// Early receipts whose part is recorded now, oldest first, at most `limit`.
Result<std::vector<EarlyReceipt>> matched_early_receipts(Connection& c, int limit);
Status delete_early_receipts(Connection& c, const std::vector<std::string>& ids);
// Drops those received before `cutoff`; how many.
Result<std::int64_t> drop_early_receipts(Connection& c, Micros cutoff);

// ---- the stranded-message guard
// Outbound messages that still wait for a receipt, sent longer ago than
// their gateway's receipt timeout (`timeout` for gateways without one).
// Not mail: a relay's acceptance is the last it hears of one.
Result<std::vector<MessageId>> overdue_sent(Connection& c, Micros now, Micros timeout, int limit);
// Of `ids`, those still sent, with their accounts.
struct StillSent {
    AccountId account_id;
    FinalMessage message;
};
Result<std::vector<StillSent>> still_sent(Connection& c, const std::vector<MessageId>& ids);
Result<std::vector<BacklogCount>> backlog(Connection& c, Micros now);
// Queue rows due by `now`, and the earliest due time among them (metrics).
Result<QueueDepth> queue_depth(Connection& c, Micros now);

struct PartRef {
    MessageId message_id;
    AccountId account_id;
    int part = 1;
    MessageStatus message_status;
};
Result<std::optional<PartRef>> find_part(Connection& c, const GatewayId& gateway_id,
                                         const std::string& provider_key);
Status update_part(Connection& c, const MessageId& message_id, int part, const std::string& status,
                   const std::optional<std::string>& error_code, std::optional<Micros> done_at);
Result<std::vector<MessagePart>> parts_of(Connection& c, const MessageId& message_id);
Status insert_receipt(Connection& c, const MessageId& message_id, const Receipt& r);

// ---- reads and changes by the tenant
Result<std::optional<Message>> find_message(Connection& c, const AccountId& account,
                                            const MessageId& id);
// A window of the account's messages, newest first, with their count
// (exact from the rollups when they keep the filters, else counted up to
// db::kExactCountCap).
Result<db::WindowListing<Message>> list_messages(Connection& c, const AccountId& account,
                                                 const MessageQuery& q, const db::Window& w);
// The same without the count (exports, which page through all of it).
Result<db::WindowListing<Message>> messages_in_window(Connection& c, const AccountId& account,
                                                      const MessageQuery& q, const db::Window& w);
// SQLite: writes the search table again from the messages (after a VACUUM
// renumbered their rowids), in the caller's write transaction. Returns the
// messages indexed.
Result<std::int64_t> rebuild_search(Connection& c);
// The columns of an event and of a receipt row, and each read from a row
// that has them from column `at` on.
inline constexpr const char* kEventColumns = "seq, type, status, detail, created_at";
inline constexpr const char* kReceiptColumns =
    "id, part, gateway_id, provider_id, stat, error_code, submit_date, done_date, received_at";
MessageEvent event_from(const db::Row& r, std::size_t at);
Receipt receipt_from(const db::Row& r, std::size_t at);
// Folded (messages.history) and still in rows, oldest first.
Result<std::vector<MessageEvent>> events_of(Connection& c, const MessageId& message_id);
Result<std::vector<Receipt>> receipts_of(Connection& c, const MessageId& message_id);
// Adds counts (by direction and status) into a MessageStats; zero counts
// (a status every message left again) are left out.
class StatsTally {
public:
    void add(const std::string& direction, const std::string& status, std::int64_t messages,
             std::int64_t segments);
    void add(const MessageStats& s);
    MessageStats stats() const;

private:
    std::map<std::string, std::int64_t> by_status_, by_direction_;
    std::int64_t total_ = 0, segments_ = 0;
};

// Counts by direction and status: from the rollups when they keep every
// filter of `q` (rollups.h), else by counting the messages.
Result<MessageStats> stats(Connection& c, const AccountId& account, const MessageQuery& q);
Result<MessageStats> stats_from_messages(Connection& c, const AccountId& account,
                                         const MessageQuery& q);

// ---- sender ids
Status insert_sender_id(Connection& c, const SenderIdRecord& s);
Status update_sender_id(Connection& c, const SenderIdRecord& s);
Status delete_sender_id(Connection& c, const SenderIdRecordId& id);
Result<std::optional<SenderIdRecord>> find_sender_id(Connection& c, const AccountScope& scope,
                                                     const SenderIdRecordId& id);
struct SenderIdQuery {
    AccountScope scope = AccountScope::all();
    std::optional<std::string> status, country, search;
};
Result<db::Listing<SenderIdRecord>> list_sender_ids(Connection& c, const SenderIdQuery& q,
                                                    db::Paged page);
// True when (account, sender) is approved for `country` (or for every
// country, "ZZ").
Result<bool> sender_approved(Connection& c, const AccountId& account, const std::string& sender,
                             const std::string& country);
// The account that owns an approved numeric sender id (inbound routing).
Result<std::optional<AccountId>> owner_of_number(Connection& c, const std::string& number);

// ---- inbound concatenated parts
struct Fragment {
    int part = 1;
    std::string destination;
    std::string body;
};
Status insert_fragment(Connection& c, const GatewayId& gateway_id, const std::string& source,
                       int reference, int total, const Fragment& f, Micros now);
Result<std::vector<Fragment>> fragments(Connection& c, const GatewayId& gateway_id,
                                        const std::string& source, int reference);
Status delete_fragments(Connection& c, const GatewayId& gateway_id, const std::string& source,
                        int reference);

}  // namespace ujumbe::messaging::store
