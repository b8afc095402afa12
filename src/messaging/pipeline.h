#pragma once
// The send side of the message pipeline (ARCHITECTURE.md, steps 2-5):
// claims due queue entries with a lease, picks each message's route and
// hands it to a gateway; records what the gateway answered (sent, failed
// over, retried later, rejected), matches receipts to message parts and
// derives the message's status, and stores inbound (MO) messages,
// reassembling concatenated ones. Every status change is written with its
// event in the same transaction, batched through the group-commit writer.
//
// Exactly once: a message moves to another gateway only when none of its
// parts left the previous one. A part written to the SMSC but unanswered
// is never resent (it is kept as sent, error NO_RESPONSE). After a crash,
// leases of this node are released at start, so the only messages sent
// again are those whose submit was answered but not yet recorded.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>

#include "channels/gateway.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "db/database.h"
#include "db/statistics.h"
#include "identity/service.h"
#include "messaging/committer.h"
#include "messaging/dispatch.h"
#include "messaging/model.h"
#include "messaging/ports.h"
#include "messaging/recorder.h"
#include "routing/service.h"

namespace ujumbe::messaging {

struct PipelineOptions {
    std::string node_id;       // lease owner; stable across restarts of this node
    bool single_node = false;  // SQLite: every lease is this node's
    int claim_batch = 500;     // queue rows per claim
    std::size_t max_in_flight = 5000;
    Micros lease = 300 * kMicrosPerSecond;
    Micros idle_poll = 200'000;  // claim at least this often
    RecorderOptions retries;     // attempts and back-off when no gateway can take a message
    // A message sent this long ago without a final receipt ends expired
    // (RECEIPT_TIMEOUT), unless its gateway has its own timeout; the guard
    // looks this often.
    Micros receipt_timeout = 48 * 3600 * kMicrosPerSecond;
    Micros guard_every = 60 * kMicrosPerSecond;
};

class Pipeline final : public channels::GatewayListener, public Dispatch {
public:
    // `hooks` (may be null) are asked in the transactions recording outcomes.
    Pipeline(db::Database& db, Clock& clock, Committer& committer, routing::RoutingService& routing,
             identity::IdentityService& identity, PipelineOptions options,
             OutcomeHooks* hooks = nullptr);
    ~Pipeline() override;

    void start();
    void stop();
    // Dispatch: accepted messages handed over without a claim.
    std::optional<Lease> reserve(std::size_t n) override;
    void unreserve(std::size_t n, std::vector<MessageId> in_doubt) override;
    void adopt(std::vector<Message> messages) override;
    // New work may be due.
    void wake() override;

    // Acknowledged (`done`) once committed; while outcomes cannot be
    // recorded, answered kRetryLater at once so the sender delivers again.
    void on_receipt(const channels::ReceiptReport& receipt, channels::ReportDone done) override;
    void on_inbound(const channels::InboundReport& inbound, channels::ReportDone done) override;
    // Records an inbound message in the caller's transaction (sources that
    // keep their own record of what they took, in the same commit).
    Status write_inbound(db::Connection& c, const channels::InboundReport& inbound);
    // Likewise a receipt (WhatsApp's statuses, taken from stored webhooks).
    Status write_receipt(db::Connection& c, const channels::ReceiptReport& receipt);

    std::size_t in_flight() const;

    // How the workers are doing, for /readyz. Times are Unix microseconds,
    // 0 when the worker is not stalled.
    struct Health {
        Micros recording_stalled_since = 0;  // outcomes wait for the database
        Micros claiming_stalled_since = 0;   // due messages cannot be claimed
        std::size_t outcomes_waiting = 0;    // recorded once the database is back
        std::size_t in_flight = 0;
    };
    Health health() const;

private:
    void loop();
    void prefetch_operators(const std::vector<Message>& batch);
    void dispatch(Message message);
    // A message on its way through its route's gateways.
    struct Attempt {
        std::shared_ptr<Message> message;
        std::vector<GatewayId> gateways;
        std::size_t index = 0;
        std::string last_error;
        Micros handed_at = 0;  // when the dispatcher took the message
    };
    void try_gateway(Attempt attempt);
    void submit_to(std::shared_ptr<channels::Gateway> gateway, Attempt attempt, std::size_t slots);
    // Frees slots of a gateway and submits the attempts waiting for them.
    void release(const GatewayId& gateway_id, std::size_t slots);
    // Records, in order, with the acknowledgements of the receipts and
    // inbound messages among them (empty for the others).
    struct Batch {
        std::vector<Record> records;
        std::vector<channels::ReportDone> dones;
    };
    void record(Record r, channels::ReportDone done = {});
    void flush();
    // Applies `batch` in one operation of the committer. When the database
    // is away it is kept and tried again (stall); when a record in it is
    // bad, each record is tried alone. `then` runs once everything is
    // recorded (or a bad record dropped).
    void post_records(std::shared_ptr<Batch> batch, std::function<void()> then);
    void stall(std::shared_ptr<Batch> batch, std::function<void()> then);
    // Retries a stalled batch when due; asks for early receipts to be matched.
    void tend_records(Micros now);
    // Ends messages that waited for a receipt longer than the timeout.
    void guard_stranded(Micros now);
    void finish(const MessageId& message_id);
    std::uint16_t next_reference(const std::string& to);
    // Analyzes the pipeline's tables when `dispatched` more make it due.
    void refresh_statistics(std::size_t dispatched, Micros now);

    db::Database& db_;
    Clock& clock_;
    Committer& committer_;
    routing::RoutingService& routing_;
    identity::IdentityService& identity_;
    PipelineOptions options_;
    AccountId platform_account_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool woken_ = false;
    // A claim round was asked for (wake) and has not run with room yet.
    bool claim_wanted_ = false;
    Micros last_claim_ = 0;
    std::set<MessageId> in_flight_;
    std::size_t reserved_ = 0;      // room promised to accepts not yet committed
    std::vector<Message> adopted_;  // handed over, not yet dispatched
    // Fed with the messages dispatched (claimed or handed over).
    db::StatisticsSchedule statistics_;
    std::thread thread_;

    mutable std::mutex record_mutex_;
    Batch pending_;
    bool flushing_ = false;
    // Batches the database could not take, tried again in order at retry_at_.
    struct Stalled {
        std::shared_ptr<Batch> batch;
        std::function<void()> then;
    };
    std::deque<Stalled> stalled_;
    Micros stalled_since_ = 0, retry_at_ = 0, backoff_ = 0;
    bool early_kept_ = false;  // receipts came before their parts: match them soon
    Micros early_matched_at_ = 0;
    Micros claim_failing_since_ = 0;  // guarded by mutex_
    Micros guarded_at_ = 0;           // pipeline thread only
    std::shared_ptr<std::atomic<bool>> guarding_ = std::make_shared<std::atomic<bool>>(false);
    Recorder recorder_;
    // Submits by gateway (its label, routing::GatewayRegistry::label_of) and
    // result, the error codes of parts not taken, and how long the gateway
    // took to answer (docs/metrics.md).
    metrics::CounterFamily& submits_;
    metrics::CounterFamily& submit_errors_;
    metrics::HistogramFamily& submit_seconds_;

    // Parts handed to each gateway and not yet recorded, and the attempts
    // waiting for room (see Gateway::capacity).
    struct Slots {
        std::size_t used = 0;
        std::deque<Attempt> waiting;
    };
    std::mutex slots_mutex_;
    std::unordered_map<GatewayId, Slots> slots_;

    std::mutex reference_mutex_;
    std::unordered_map<std::string, std::uint16_t> references_;
};

}  // namespace ujumbe::messaging
