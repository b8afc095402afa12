#pragma once
// Writes what happened to messages after acceptance, a batch at a time, in
// the caller's transaction: gateway answers (sent, rejected, failed),
// retries with back-off, delivery receipts matched to parts (the message's
// status derived from all of its parts), and inbound messages. Each status
// change is written with its event. Statements are set-wise: a batch of a
// thousand answers costs a handful of statements, not thousands.

#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "channels/gateway.h"
#include "core/clock.h"
#include "core/result.h"
#include "db/connection.h"
#include "messaging/model.h"
#include "messaging/ports.h"
#include "messaging/store.h"

namespace ujumbe::messaging {

struct SentRecord {
    Message message;  // as dispatched: "queued" when handed over without a claim
    GatewayId gateway_id;
    channels::SubmitOutcome outcome;
    // When the dispatcher took it. A message handed over without a claim
    // was never marked sending: its "sending" event is written with the
    // answer, at this time, and the row goes from queued to the answer's
    // status in one update.
    Micros handed_at = 0;
    std::size_t slots = 0;  // of the gateway, freed once this is recorded
};
struct RetryRecord {
    Message message;
    std::string error_code, error_message;
};
struct FailedRecord {
    Message message;
    std::string error_code, error_message;
};
// Matches the receipts kept because they came before their part (stored in
// early_receipts) with the parts recorded since; drops those older than `keep`.
struct MatchEarlyReceipts {
    Micros keep = 3600 * kMicrosPerSecond;
};
// Sent messages whose receipt did not come within the receipt timeout:
// those still sent end expired, RECEIPT_TIMEOUT.
struct ReceiptTimeouts {
    std::vector<MessageId> message_ids;
};
// Queue rows of `owner` to release for a claim (accepted messages whose
// commit was in doubt, never handed to the dispatcher).
struct ReleaseLeases {
    std::string owner;
    std::vector<MessageId> message_ids;
};
// A write that needs room, to learn whether the database takes writes again
// when a stalled batch has nothing else to write.
struct ProbeWrite {
    std::string node_id;
};
using Record = std::variant<SentRecord, RetryRecord, FailedRecord, channels::ReceiptReport,
                            channels::InboundReport, MatchEarlyReceipts, ReceiptTimeouts,
                            ReleaseLeases, ProbeWrite>;

struct RecorderOptions {
    int max_attempts = 12;
    Micros retry_min = 2 * kMicrosPerSecond, retry_max = 300 * kMicrosPerSecond;
};

class Recorder {
public:
    // `inbound_owner` names the account of inbound messages to a number no
    // account owns (the platform account). `hooks` (may be null) are asked
    // in the transactions that record outcomes.
    Recorder(RecorderOptions options, std::function<AccountId()> inbound_owner, OutcomeHooks* hooks)
        : options_(options), inbound_owner_(std::move(inbound_owner)), hooks_(hooks) {}

    // Receipts whose part is not recorded yet are kept in early_receipts,
    // matched by a later MatchEarlyReceipts; `kept_early` (may be null)
    // counts them.
    Status write(db::Connection& c, const std::vector<Record>& batch, Micros now,
                 std::size_t* kept_early = nullptr) const;

    // One inbound message (or part): stored, its hooks asked, its event written.
    Status write_inbound(db::Connection& c, const channels::InboundReport& in, Micros now) const;

private:
    Status write_sent(db::Connection& c, const std::vector<const SentRecord*>& sent,
                      Micros now) const;
    // A receipt and when it arrived.
    struct Arrived {
        channels::ReceiptReport receipt;
        Micros at = 0;
    };
    Status write_receipts(db::Connection& c, const std::vector<Arrived>& receipts, Micros now,
                          std::size_t* kept_early) const;
    Status match_early(db::Connection& c, const MatchEarlyReceipts& m, Micros now) const;
    Status write_timeouts(db::Connection& c, const ReceiptTimeouts& t, Micros now) const;
    Status write_retry(db::Connection& c, const RetryRecord& r, Micros now) const;
    Status write_failed(db::Connection& c, const FailedRecord& r, Micros now) const;

    RecorderOptions options_;
    std::function<AccountId()> inbound_owner_;
    OutcomeHooks* hooks_;
    // Tells the hooks about messages whose status became final.
    // The events of status changes, written; the hooks hear of them.
    Status write_events(db::Connection& c, const std::vector<store::EventRow>& events) const;
    Status finished(db::Connection& c, const std::vector<FinalMessage>& done, MessageStatus status,
                    const std::optional<std::string>& error_code) const;
};

}  // namespace ujumbe::messaging
