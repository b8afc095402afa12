#pragma once
// Publishes realtime events to the clients of every node (decision 0037).
// On SQLite (one node) an event goes to this node's hub once the
// transaction that made it commits. On PostgreSQL it is a NOTIFY in that
// transaction, which every node's PgListener hears after the commit (this
// one's too); nothing is published for a transaction rolled back.
// An event is published only while its account has a client somewhere:
// nodes note their clients' accounts in realtime_presence every second and
// read everyone's, so accounts nobody watches (bulk senders) cost nothing.

#include <mutex>
#include <set>
#include <string>

#include "core/clock.h"
#include "core/polling_thread.h"
#include "core/result.h"
#include "db/database.h"
#include "realtime/event.h"
#include "realtime/hub.h"

namespace ujumbe::realtime {

struct PublisherOptions {
    std::string node_id;
    Micros presence_every = kMicrosPerSecond;
    Micros presence_keep = 10 * kMicrosPerSecond;  // a node silent this long has no clients
};

// NOTIFY's channel, and the most a payload may hold (PostgreSQL's limit is 8000 bytes).
inline constexpr const char* kNotifyChannel = "ujumbe_realtime";
inline constexpr std::size_t kMaxNotifyBytes = 7600;

class Publisher {
public:
    Publisher(db::Database& db, Clock& clock, Hub& hub, PublisherOptions options);
    ~Publisher();

    void start();
    void stop();
    // A client came or went here: presence is noted at once.
    void clients_changed();

    // Someone may hear events of `account` (here, or on another node).
    bool wanted(const AccountId& account) const;
    // In the caller's transaction: heard once it commits.
    Status publish(db::Connection& c, const Event& e);
    // Now, outside any transaction (typing); may be called on an I/O thread.
    void publish_now(const Event& e);

private:
    void note_presence();

    db::Database& db_;
    Clock& clock_;
    Hub& hub_;
    PublisherOptions options_;
    const bool shared_;  // PostgreSQL: several nodes
    PollingThread thread_;
    mutable std::mutex mutex_;
    std::set<AccountId> present_;  // accounts with a client on any node
};

}  // namespace ujumbe::realtime
