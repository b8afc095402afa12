#include "analytics/request_log.h"

#include "analytics/request_log_store.h"
#include "core/log.h"

namespace ujumbe::analytics {

namespace {

constexpr int kPruneBatch = 5000;

}  // namespace

RequestLog::RequestLog(db::Database& db, Clock& clock, std::int64_t days, Micros prune_every)
    : db_(db),
      clock_(clock),
      days_(days),
      writer_(db,
              {.name = "request-log",
               .poll = kPollMicros,
               .wake_at = kWakeAt,
               .max_waiting = kMaxWaiting,
               .overflow = db::Overflow::kDrop},
              [](db::Connection& c, const std::vector<http::RequestLine>& batch) -> Status {
                  UJ_TRY(store::insert_requests(c, batch));
                  return store::add_api_usage(c, batch);
              }) {
    pruner_.start("request-prune", prune_every, std::chrono::milliseconds(0), [this] {
        if (auto pruned = prune(); !pruned)
            log::warn("request log not pruned", {{"error", pruned.error().message}});
    });
    pruner_.wake();  // the first round now, not a period from now
}

RequestLog::~RequestLog() {
    stop();
}

void RequestLog::stop() {
    pruner_.stop();
    writer_.stop();
}

void RequestLog::record(http::RequestLine line) {
    writer_.add(std::move(line));
}

Status RequestLog::flush() {
    return writer_.flush();
}

Result<std::int64_t> RequestLog::prune() {
    const Micros before = clock_.now() - days_ * kMicrosPerDay;
    std::int64_t total = 0;
    // In batches, each its own transaction: the writer is never held long.
    while (!pruner_.stopping()) {
        UJ_ASSIGN(auto n, db_.write([&](db::Connection& c) {
            return store::prune_requests(c, before, kPruneBatch);
        }));
        total += n;
        if (n < kPruneBatch) break;
    }
    return total;
}

Result<std::vector<DailyRequests>> RequestLog::daily_requests(const AccountId& account,
                                                              std::int64_t first_day,
                                                              std::int64_t past_day) {
    UJ_TRY(flush());
    return db_.read(
        [&](db::Connection& c) { return store::daily_requests(c, account, first_day, past_day); });
}

Result<db::WindowListing<LoggedRequest>> RequestLog::list(const RequestLogQuery& q,
                                                          const db::Window& w) {
    UJ_TRY(flush());
    return db_.read([&](db::Connection& c) { return store::list_requests(c, q, w); });
}

}  // namespace ujumbe::analytics
