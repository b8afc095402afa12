#include "analytics/reports.h"

#include <map>

#include "analytics/dlr_report.h"
#include "analytics/report_render.h"
#include "analytics/report_store.h"
#include "analytics/report_tables.h"
#include "core/crypto.h"
#include "core/log.h"
#include "formats/phone.h"

namespace ujumbe::analytics {

namespace {

// Messages a delivery report reads a page at a time.
constexpr int kDlrPage = 5000;
// Exports a prune deletes a transaction at a time.
constexpr int kPruneBatch = 500;
// Enough of an E.164 number to name its country (+1 876 is Jamaica).
constexpr std::size_t kCountryPrefix = 7;

Principal requester_of(const ReportExport& e) {
    Principal who;
    who.user_id = e.user_id;
    who.account_id = e.account_id;
    who.role = e.role;
    who.account_type = e.account_type;
    return who;
}

// What a failed export tells its requester: the refusal as it was, never
// the internals of a fault.
std::string failure_text(const Error& e) {
    return e.code == ErrorCode::kInternal ? "The report could not be built." : e.message;
}

}  // namespace

Reports::Reports(db::Database& db, Clock& clock, ReportSources in, ReportOptions options)
    : db_(db), clock_(clock), in_(in), options_(options) {}

Reports::~Reports() {
    stop();
}

void Reports::start() {
    runner_.start("reports", options_.poll, std::chrono::milliseconds(0), [this] { run_round(); });
    runner_.wake();  // exports left queued by the last run, at once
}

void Reports::stop() {
    runner_.stop();
}

Status Reports::check(const Principal& who, const ReportRequest& r) const {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins read reports");
    if (r.kind == ReportKind::kRevenue && who.account_type != AccountType::kReseller)
        return Error::forbidden("Revenue reports are a reseller's: what its clients paid");
    if (r.last_day < r.first_day) return Error::invalid("date_to", "Must not be before date_from.");
    if (r.last_day - r.first_day + 1 > kMaxDays)
        return Error::invalid("date_from", "At most 366 days at once.");
    return {};
}

Result<Report> Reports::build(const Principal& who, const ReportRequest& r) {
    UJ_TRY(check(who, r));
    Result<Report> out = Error::internal("unknown report");
    switch (r.kind) {
        case ReportKind::kDlr:
            out = build_dlr(who, r);
            break;
        case ReportKind::kUsage:
            out = build_usage(who, r);
            break;
        case ReportKind::kRevenue:
            out = build_revenue(who, r);
            break;
    }
    if (!out) return out;
    out->request = r;
    out->generated_at = clock_.now();
    out->currency = in_.billing.currency();
    UJ_ASSIGN(auto account, in_.identity.account_by_id(who.account_id));
    out->account_name = account.business_name.empty() ? account.name : account.business_name;
    return out;
}

Result<Report> Reports::build_dlr(const Principal& who, const ReportRequest& r) {
    DlrFold fold;
    std::map<std::string, std::string> gateways, countries;
    const auto names_of = [&](const messaging::DeliveryRow& m) {
        DlrFold::Names n;
        if (!m.gateway_id.empty()) {
            auto [it, added] = gateways.try_emplace(m.gateway_id);
            if (added) it->second = in_.routing.gateway_label(GatewayId{m.gateway_id});
            n.gateway = it->second;
        }
        if (m.to.starts_with('+')) {  // a phone number (mail goes to addresses)
            auto [it, added] = countries.try_emplace(m.to.substr(0, kCountryPrefix));
            if (added) it->second = formats::describe_phone(m.to, "").country;
            n.country = it->second;
            n.operator_name = in_.routing.operator_of(m.to).name;
        }
        return n;
    };
    const Micros from = r.first_day * kMicrosPerDay, until = (r.last_day + 1) * kMicrosPerDay;
    std::optional<std::pair<Micros, MessageId>> after;
    while (true) {
        if (runner_.stopping()) return Error::unavailable("The server is stopping.");
        UJ_ASSIGN(auto page, in_.messaging.delivery_rows(who, from, until, after, kDlrPage));
        for (const auto& m : page)
            if (!r.channel || m.channel == *r.channel) fold.add(m, names_of(m));
        if (page.size() < static_cast<std::size_t>(kDlrPage)) break;
        after.emplace(page.back().created_at, page.back().id);
    }
    Report out;
    out.tables = fold.tables(r.first_day, r.last_day);
    return out;
}

Result<Report> Reports::build_usage(const Principal& who, const ReportRequest& r) {
    UJ_ASSIGN(auto usage,
              in_.analytics.usage(
                  who, {.first_day = r.first_day, .last_day = r.last_day, .group_by = r.group_by}));
    Report out;
    out.tables.push_back(usage_table(usage, r.group_by));
    return out;
}

Result<Report> Reports::build_revenue(const Principal& who, const ReportRequest& r) {
    UJ_ASSIGN(auto clients, in_.billing.client_revenue(who, r.first_day * kMicrosPerDay,
                                                       (r.last_day + 1) * kMicrosPerDay));
    std::map<std::string, std::string> names;
    for (const auto& c : clients) {
        // A client is named as its reseller sees it; one it no longer has
        // (moved to another reseller) keeps its id only.
        if (auto child = in_.identity.get_child(who, c.account_id))
            names[c.account_id.value] =
                child->business_name.empty() ? child->name : child->business_name;
    }
    Report out;
    out.tables.push_back(revenue_table(clients, names));
    return out;
}

Result<ReportExport> Reports::request_export(const Principal& who, const ReportRequest& r,
                                             ReportFormat format) {
    UJ_TRY(check(who, r));
    const Micros now = clock_.now();
    ReportExport e;
    e.id = ReportExportId{new_uuid_v7(now)};
    e.account_id = who.account_id;
    e.user_id = who.user_id;
    e.role = who.role;
    e.account_type = who.account_type;
    e.request = r;
    e.format = format;
    e.created_at = now;
    // A queued export that never runs goes too, in time.
    e.expires_at = now + options_.keep;
    // A year of messages is minutes of work: an account may not queue more
    // than a few at once, or one caller could keep every node's runner busy.
    UJ_ASSIGN(auto queued, db_.write([&](db::Connection& c) {
        return store::queue_export(c, e, options_.max_pending);
    }));
    if (!queued)
        return Error::precondition(
            "TOO_MANY_EXPORTS", "This account already has " + std::to_string(options_.max_pending) +
                                    " exports waiting or running; wait for one to finish.");
    runner_.wake();
    return e;
}

Result<db::Listing<ReportExport>> Reports::list_exports(const Principal& who, db::Paged page) {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins read reports");
    return db_.read(
        [&](db::Connection& c) { return store::list_exports(c, who.account_id, page); });
}

Result<ReportExport> Reports::get_export(const Principal& who, const ReportExportId& id) {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins read reports");
    UJ_ASSIGN(auto found, db_.read([&](db::Connection& c) {
        return store::find_export(c, who.account_id, id);
    }));
    if (!found) return Error::not_found("Report export");
    return std::move(*found);
}

Result<std::pair<ReportExport, std::string>> Reports::download(const Principal& who,
                                                               const ReportExportId& id) {
    UJ_ASSIGN(auto e, get_export(who, id));
    if (e.status != "completed")
        return Error::conflict("REPORT_NOT_READY",
                               e.status == "failed" ? "The export failed: " + e.error.value_or("")
                                                    : "The export is " + e.status + ".");
    UJ_ASSIGN(auto body, db_.read([&](db::Connection& c) {
        return store::export_body(c, who.account_id, id);
    }));
    auto bytes = body ? base64url_decode(*body) : std::nullopt;
    if (!bytes) return Error::not_found("Report export");  // deleted meanwhile
    return std::pair{std::move(e), std::move(*bytes)};
}

Status Reports::delete_export(const Principal& who, const ReportExportId& id) {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins read reports");
    UJ_ASSIGN(bool deleted, db_.write([&](db::Connection& c) {
        return store::delete_export(c, who.account_id, id);
    }));
    if (!deleted) return Error::not_found("Report export");
    return {};
}

Result<bool> Reports::run_next() {
    const Micros now = clock_.now();
    UJ_ASSIGN(auto claimed, db_.write([&](db::Connection& c) {
        return store::claim_export(c, now, now + options_.lease);
    }));
    if (!claimed) return false;
    ReportExport e = std::move(*claimed);
    std::optional<std::string> body;
    if (e.attempts > options_.max_attempts) {
        e.status = "failed";
        e.error = "Its runs were stopped " + std::to_string(options_.max_attempts) +
                  " times before it was done.";
    } else if (auto report = build(requester_of(e), e.request); !report) {
        if (report.error().code == ErrorCode::kUnavailable) {
            // Stopping: queued again for the next start. The database away:
            // the lease brings it back.
            if (runner_.stopping())
                UJ_TRY(
                    db_.write([&](db::Connection& c) { return store::release_export(c, e.id); }));
            return report.error();
        }
        e.status = "failed";
        e.error = failure_text(report.error());
    } else if (auto file = render_report(*report, e.format); !file) {
        e.status = "failed";
        e.error = failure_text(file.error());
    } else if (static_cast<std::int64_t>(file->body.size()) > options_.max_bytes) {
        e.status = "failed";
        e.error = "The report is larger than " + std::to_string(options_.max_bytes >> 20) +
                  " MB; ask for fewer days.";
    } else {
        e.status = "completed";
        e.content_type = file->content_type;
        e.filename = file->filename;
        e.size_bytes = static_cast<std::int64_t>(file->body.size());
        body = base64url_encode(file->body);
    }
    e.finished_at = clock_.now();
    e.expires_at = *e.finished_at + options_.keep;
    UJ_TRY(db_.write([&](db::Connection& c) { return store::finish_export(c, e, body); }));
    log::info(
        "report export finished",
        {{"export_id", e.id.value}, {"account_id", e.account_id.value}, {"status", e.status}});
    return true;
}

Result<std::int64_t> Reports::prune() {
    std::int64_t total = 0;
    while (true) {
        UJ_ASSIGN(auto n, db_.write([&](db::Connection& c) {
            return store::prune_exports(c, clock_.now(), kPruneBatch);
        }));
        total += n;
        if (n < kPruneBatch) return total;
    }
}

void Reports::run_round() {
    while (!runner_.stopping()) {
        auto ran = run_next();
        if (!ran) {
            log::warn("report export not run", {{"error", ran.error().message}});
            break;
        }
        if (!*ran) break;
    }
    if (auto pruned = prune(); !pruned)
        log::warn("report exports not pruned", {{"error", pruned.error().message}});
}

}  // namespace ujumbe::analytics
