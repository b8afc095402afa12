#pragma once
// Processes the webhook deliveries Meta made to WhatsApp channels, oldest
// first, after they were stored and answered: inbound messages become the
// account's inbound messages (and open the customer-service window),
// statuses and template changes are counted against what exists of them;
// a file a message carried is registered as media to download.
// Idempotent on Meta's ids: a redelivery changes nothing. A delivery for a
// number that is not its channel's is kept and reported in its outcome.
// On PostgreSQL nodes share the work (rows locked and skipped).

#include <chrono>
#include <functional>

#include "conversations/ports.h"
#include "core/clock.h"
#include "core/polling_thread.h"
#include "core/result.h"
#include "db/database.h"

namespace ujumbe::conversations {

struct ProcessorOptions {
    Micros poll = kMicrosPerSecond;  // between rounds when nothing wakes it
    int batch = 50;                  // deliveries per transaction
    // Processed deliveries are kept this long (to read why a message did not
    // arrive), Meta's ids taken longer than Meta redelivers (up to 7 days);
    // purged this often, in batches of purge_batch rows.
    Micros keep_events = 30LL * 86'400 * kMicrosPerSecond;
    Micros keep_seen = 14LL * 86'400 * kMicrosPerSecond;
    Micros purge_every = 3600 * kMicrosPerSecond;
    int purge_batch = 5000;
};

class WebhookProcessor {
public:
    // `media_waiting` is called after a batch registered received media
    // to download.
    WebhookProcessor(db::Database& db, Clock& clock, MessageSink* sink,
                     std::function<void()> media_waiting = {}, ProcessorOptions options = {});
    ~WebhookProcessor();

    void start();
    void stop();
    // A delivery was stored.
    void wake();

    // Processes every delivery waiting now; how many. (The thread's round.)
    Result<int> run();
    // Deletes what is past its keep; how many rows. (The round, when due.)
    Result<std::int64_t> purge();

private:
    Result<int> run_batch();

    db::Database& db_;
    Clock& clock_;
    MessageSink* sink_;
    std::function<void()> media_waiting_;
    ProcessorOptions options_;
    PollingThread thread_;
    Micros purged_at_ = 0;  // the thread's
};

}  // namespace ujumbe::conversations
