#pragma once
// The API request log (docs/analytics.md): every request answered for a
// signed-in caller becomes a line (route template, caller, status,
// latency, address, request id), kept in memory and written by a thread of
// its own, many to a transaction, a moment after the answer; another
// thread deletes lines past their days. A request never waits for the log:
// past kMaxWaiting unwritten lines, new ones are dropped and counted.

#include <atomic>
#include <optional>

#include "analytics/model.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "core/polling_thread.h"
#include "core/result.h"
#include "db/batched_writer.h"
#include "db/database.h"
#include "db/window.h"
#include "http/request_log.h"

namespace ujumbe::analytics {

class RequestLog final : public http::RequestLogSink {
public:
    static constexpr std::size_t kMaxWaiting = 50000;
    // The writer's round: every kPollMicros, or at once when this many wait.
    static constexpr Micros kPollMicros = 200 * 1000;
    static constexpr std::size_t kWakeAt = 2000;

    // Keeps `days` days (> 0) of lines, pruning every `prune_every`.
    RequestLog(db::Database& db, Clock& clock, std::int64_t days, Micros prune_every);
    ~RequestLog() override;
    RequestLog(const RequestLog&) = delete;
    RequestLog& operator=(const RequestLog&) = delete;

    void record(http::RequestLine line) override;
    // Writes every waiting line now.
    Status flush();
    // Deletes the lines past their days now; returns how many.
    Result<std::int64_t> prune();
    // Stops both threads after writing what waits; idempotent.
    void stop();

    // Lines of `q`, newest first; writes what waits first, so a reader sees
    // every request answered before its own.
    Result<db::WindowListing<LoggedRequest>> list(const RequestLogQuery& q, const db::Window& w);

    // The account's API requests counted per UTC day and user, over the
    // days [first_day, past_day) (written first, as list() does).
    Result<std::vector<DailyRequests>> daily_requests(const AccountId& account,
                                                      std::int64_t first_day,
                                                      std::int64_t past_day);

    std::uint64_t dropped() const { return writer_.dropped(); }

private:
    db::Database& db_;
    Clock& clock_;
    const std::int64_t days_;
    db::BatchedWriter<http::RequestLine> writer_;
    PollingThread pruner_;
};

}  // namespace ujumbe::analytics
