#pragma once
// Turns what the dispatcher reports about an audited request into an entry
// and appends it. Entries are written by a thread of their own, many in one
// transaction, at most some 20 ms after their request was answered (one
// commit per change cost a write-heavy admin endpoint a third of its rate,
// bench/README.md); reading the log writes what is waiting first, so a
// reader never misses an entry of an answered request. A crash loses the
// entries of the last few milliseconds; a failed write is logged and
// retried. Never fails the request.

#include "audit/model.h"
#include "core/clock.h"
#include "db/batched_writer.h"
#include "db/database.h"
#include "http/audit.h"

namespace ujumbe::audit {

class Recorder final : public http::AuditSink {
public:
    // Beyond this many waiting entries a request writes them itself.
    static constexpr std::size_t kMaxWaiting = 10000;
    // The writer's round: every kPollMicros, or at once when this many wait.
    static constexpr Micros kPollMicros = 20 * 1000;
    static constexpr std::size_t kWakeAt = 500;

    Recorder(db::Database& db, Clock& clock);
    ~Recorder() override;
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    void record(const http::AuditEvent& event) override;
    // Writes every waiting entry now.
    Status flush();
    // Stops the writer after writing what waits; idempotent.
    void stop();

private:
    Entry entry_of(const http::AuditEvent& event) const;

    Clock& clock_;
    db::BatchedWriter<Entry> writer_;
};

}  // namespace ujumbe::audit
