#pragma once
// Reports (docs/analytics.md, "Reports"): the delivery, usage and revenue
// reports of an account, answered at once as JSON or asked for as a file
// (JSON, CSV, PDF) that a runner thread builds in the background. Any node
// may run an export: the runner claims it with a lease, and one whose node
// stopped is taken again when the lease runs out. Files are kept in the
// database until they expire.
// Thread safety: all public members may be called from any thread.

#include <optional>
#include <utility>

#include "analytics/report.h"
#include "analytics/service.h"
#include "billing/service.h"
#include "core/clock.h"
#include "core/polling_thread.h"
#include "db/database.h"
#include "identity/service.h"
#include "messaging/service.h"
#include "routing/service.h"

namespace ujumbe::analytics {

struct ReportSources {
    AnalyticsService& analytics;  // usage
    identity::IdentityService& identity;
    messaging::MessagingService& messaging;
    billing::BillingService& billing;
    routing::RoutingService& routing;
};

struct ReportOptions {
    Micros keep = 7 * kMicrosPerDay;            // an export's file, from when it is done
    Micros lease = 10 * 60 * kMicrosPerSecond;  // a run's, before another node may take it
    Micros poll = 30 * kMicrosPerSecond;        // the runner's look for work it was not woken for
    std::int64_t max_bytes = 32 << 20;          // a file larger fails
    std::int64_t max_attempts = 3;              // runs started before an export fails
    std::int64_t max_pending = 5;               // an account's exports queued or running
};

class Reports {
public:
    static constexpr int kMaxDays = 366;

    Reports(db::Database& db, Clock& clock, ReportSources in, ReportOptions options = {});
    ~Reports();
    Reports(const Reports&) = delete;
    Reports& operator=(const Reports&) = delete;

    // The report of `r` (owners and admins; revenue: of a reseller).
    Result<Report> build(const Principal& who, const ReportRequest& r);

    // Queues an export (checked as build() would be) and wakes the runner.
    Result<ReportExport> request_export(const Principal& who, const ReportRequest& r,
                                        ReportFormat format);
    Result<db::Listing<ReportExport>> list_exports(const Principal& who, db::Paged page);
    Result<ReportExport> get_export(const Principal& who, const ReportExportId& id);
    // A completed export and its file; 409 REPORT_NOT_READY before.
    Result<std::pair<ReportExport, std::string>> download(const Principal& who,
                                                          const ReportExportId& id);
    Status delete_export(const Principal& who, const ReportExportId& id);

    // Today, as a day since 1970-01-01 (UTC): where a range ends by default.
    std::int64_t today() const { return clock_.now() / kMicrosPerDay; }

    // Starts the runner thread; stop() waits for the export it runs.
    void start();
    void stop();
    // Runs the oldest export due, if any; whether one was claimed.
    Result<bool> run_next();
    // Deletes the exports past their keep; how many.
    Result<std::int64_t> prune();

private:
    Status check(const Principal& who, const ReportRequest& r) const;
    Result<Report> build_dlr(const Principal& who, const ReportRequest& r);
    Result<Report> build_revenue(const Principal& who, const ReportRequest& r);
    Result<Report> build_usage(const Principal& who, const ReportRequest& r);
    void run_round();

    db::Database& db_;
    Clock& clock_;
    ReportSources in_;
    ReportOptions options_;
    PollingThread runner_;
};

}  // namespace ujumbe::analytics
