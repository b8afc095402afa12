#pragma once
// What the SMPP server owes its customers' bound systems: receipts for the
// submits that asked for them, and the account's inbound messages, each a
// deliver_sm. They are written to smpp_deliveries in the transaction that
// records the status or the inbound message, so none is lost to a crash,
// and sent by a pump to the account's bound receivers (receiver or
// transceiver sessions) on any node. A delivery stays until a session
// answers it with ESME_ROK; while none is bound, or answers fail, it is
// tried again with back-off, until it is older than max_age.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "channels/smpp/pdu.h"
#include "channels/smpp/server_session.h"
#include "core/clock.h"
#include "core/polling_thread.h"
#include "core/result.h"
#include "db/database.h"
#include "messaging/model.h"
#include "smpp_server/model.h"

namespace ujumbe::smpp_server {

// The sessions bound to receive, per SMPP account (kept by the endpoint).
class ReceiverDirectory {
public:
    virtual ~ReceiverDirectory() = default;
    virtual std::vector<SmppAccountId> accounts_with_receivers() const = 0;
    virtual std::vector<std::shared_ptr<smpp::ServerSession>> receivers(
        const SmppAccountId& account) const = 0;
};

struct DeliveryOptions {
    Micros max_age = 72 * 3600 * kMicrosPerSecond;  // older ones are dropped
    Micros lease = 60 * kMicrosPerSecond;           // a node's hold on what it sends
    Micros poll = 100 * 1000;                       // between rounds when not woken
    std::size_t in_flight_per_account = 2000;       // deliver_sm unanswered, all sessions
    std::size_t claim_batch = 500;
};

// The deliver_sm of a receipt or an inbound message (one per part).
std::vector<smpp::ShortMessage> deliver_messages(const PendingDelivery& d);

class Deliveries {
public:
    Deliveries(db::Database& db, Clock& clock, std::string node, DeliveryOptions options);
    ~Deliveries();
    Deliveries(const Deliveries&) = delete;
    Deliveries& operator=(const Deliveries&) = delete;

    // In the recording transaction: receipts owed for `ids`, now `status`.
    Status owe_receipts(db::Connection& c, const std::vector<MessageId>& ids,
                        messaging::MessageStatus status,
                        const std::optional<std::string>& error_code);
    // In the recording transaction: an inbound message for the account's
    // receivers.
    Status owe_inbound(db::Connection& c, const messaging::Message& m);

    // Starts the pump over `directory` (which must outlive stop()).
    void start(const ReceiverDirectory& directory);
    void stop();
    // Something may be owed now (a receiver bound, a delivery written).
    void wake();

private:
    struct Sent {
        std::int64_t id = 0;
        SmppAccountId account;
        int attempts = 0;
        bool ok = false;
    };
    void round(Micros now);
    void send(const SmppAccountId& account, std::vector<PendingDelivery> claimed,
              const std::vector<std::shared_ptr<smpp::ServerSession>>& sessions);

    db::Database& db_;
    Clock& clock_;
    const std::string node_;
    DeliveryOptions options_;
    const ReceiverDirectory* directory_ = nullptr;

    std::mutex mutex_;
    std::vector<Sent> answered_;                    // answers not settled yet
    std::map<std::string, std::size_t> in_flight_;  // per SMPP account
    std::size_t next_session_ = 0;
    Micros last_sweep_ = 0;
    PollingThread loop_;  // last: it stops before the state its rounds use goes
};

}  // namespace ujumbe::smpp_server
