#pragma once
// Sends webhook deliveries (docs/webhooks.md). One thread, in rounds: soon
// after a commit appended events, when many answers wait to be recorded or
// deliveries left in the table wait for the room an answer freed, and every
// `poll` (what other nodes appended, retries come due). A round records
// what the last attempts found (retry times, endpoints failing and
// disabled), fans the events outbox out to deliveries (one per subscribed
// endpoint and per message callback_url, the body fixed then), and leases
// the deliveries that are due, in one transaction; then it sends them over
// an HTTP client on its own I/O thread. At most `endpoint_concurrency` are
// in flight per target (an endpoint, or a callback URL's origin) and
// `concurrency` in all, so one slow endpoint only holds up itself. A node
// that dies leaves leases that run out; the same node releases its own at
// start.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "channels/http_client.h"
#include "core/clock.h"
#include "core/polling_thread.h"
#include "core/result.h"
#include "db/database.h"
#include "db/statistics.h"
#include "webhooks/store.h"

namespace ujumbe::webhooks {

struct DispatcherOptions {
    std::string node_id;
    bool allow_private = false;
    Micros timeout = 10 * kMicrosPerSecond;  // a whole exchange
    Micros connect_timeout = 3 * kMicrosPerSecond;
    int concurrency = 64;
    int endpoint_concurrency = 8;
    Micros retry_unit = kMicrosPerSecond;  // of the schedule (schedule.h)
    Micros disable_after = 3 * 86400 * kMicrosPerSecond;
    Micros keep = 7 * 86400 * kMicrosPerSecond;  // finished deliveries
    Micros poll = 50 * 1000;
    int fan_out_batch = 500;
};

class Dispatcher {
public:
    // `secret` opens the sealed signing secrets.
    Dispatcher(db::Database& db, Clock& clock, std::string secret, DispatcherOptions options);
    ~Dispatcher();
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    void start();
    // Stops claiming; what is in flight is abandoned to its lease.
    void stop();
    // Something may be due now.
    void wake();

private:
    struct Target {
        int in_flight = 0;
        std::deque<store::Claimed> waiting;
    };
    int queue_depth() const;  // claimed per target, in flight and waiting
    Micros lease() const;
    void round(Micros now);
    // What this node may still take on in a round, in all and per target.
    struct Room;
    // Fans a batch of the outbox out; deliveries there is room for are
    // leased to this node at once and added to `handed`. Whether it took a
    // whole batch (more may be waiting).
    Result<bool> fan_out(db::Connection& c, Micros now, Room& room,
                         std::vector<store::Claimed>& handed);
    Status settle(db::Connection& c, std::vector<store::Attempt>& attempts, Micros now);
    // REQUIRES: mutex_ held. Starts waiting deliveries while the global
    // and their targets' slots allow.
    void pump();
    // REQUIRES: mutex_ held.
    void start_send(store::Claimed claimed);
    void finish(const store::Claimed& claimed, const channels::HttpAnswer& answer, Micros started);

    db::Database& db_;
    Clock& clock_;
    const std::string secret_;
    DispatcherOptions options_;

    boost::asio::io_context io_;
    std::shared_ptr<channels::HttpClient> client_;
    std::thread io_thread_;

    std::mutex mutex_;
    bool stopping_ = false;
    std::vector<store::Attempt> finished_;  // not recorded yet
    bool short_of_room_ = false;            // the last round left deliveries in the table
    std::atomic<bool> announced_{false};    // a commit appended events since the last round
    Micros last_look_ = 0;                  // for due deliveries, by a round
    std::map<std::string, Target> targets_;
    int busy_ = 0;       // in flight and waiting, all targets
    int in_flight_ = 0;  // all targets
    Micros last_sweep_ = 0;
    db::StatisticsSchedule statistics_;  // fed with the deliveries fanned out
    std::size_t fanned_ = 0;             // by this round's fan_out, if it commits
    std::optional<int> listener_;        // of committed events (Database::on_events_committed)
    PollingThread loop_;                 // last: it stops before the state its rounds use goes
};

}  // namespace ujumbe::webhooks
