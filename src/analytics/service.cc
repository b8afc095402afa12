#include "analytics/service.h"

namespace ujumbe::analytics {

AnalyticsService::AnalyticsService(Clock& clock, AnalyticsSources sources)
    : clock_(clock), in_(sources) {}

std::int64_t AnalyticsService::today() const {
    return clock_.now() / kMicrosPerDay;
}

Result<Dashboard> AnalyticsService::overview(const Principal& who, int days,
                                             const std::optional<std::string>& channel) {
    if (days < 1 || days > kMaxDays) return Error::invalid("days", "A whole number from 1 to 366.");
    OverviewQuery q{.days = days, .today = today(), .channel = channel};
    const std::int64_t first = q.earliest_day(), past = q.today + 1;
    UJ_ASSIGN(auto counts, in_.messaging.daily_counts(who, first, past));
    UJ_ASSIGN(auto ledger, in_.billing.ledger_days(who, first, past));
    Dashboard out;
    out.overview = fold_overview(q, counts, ledger.days);
    out.wallet = std::move(ledger.wallet);
    out.currency = in_.billing.currency();
    UJ_ASSIGN(auto contacts, in_.contacts.list(who, {}, {.limit = 1}));
    out.contacts = contacts.count;
    UJ_ASSIGN(out.conversations, in_.inbox.counts(who));
    UJ_ASSIGN(out.campaigns, in_.campaigns.progress(who));
    return out;
}

Result<Usage> AnalyticsService::usage(const Principal& who, const UsageQuery& q) {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins read the usage");
    if (q.last_day < q.first_day) return Error::invalid("date_to", "Must not be before date_from.");
    if (q.last_day - q.first_day + 1 > kMaxDays)
        return Error::invalid("date_from", "At most 366 days at once.");
    const std::int64_t past = q.last_day + 1;
    UsageSources sources;
    UJ_ASSIGN(sources.messages, in_.messaging.daily_usage(who, q.first_day, past));
    UJ_ASSIGN(auto ledger, in_.billing.ledger_days(who, q.first_day, past));
    sources.ledger = std::move(ledger.days);
    if (q.group_by != UsageGroup::kChannel) {
        UJ_ASSIGN(sources.requests, in_.requests.daily_requests(who.account_id, q.first_day, past));
        UJ_ASSIGN(sources.media, in_.media.uploaded_bytes(who, q.first_day, past));
    }
    Usage out;
    out.report = fold_usage(q, sources);
    if (q.group_by == UsageGroup::kUser) {
        UJ_ASSIGN(auto members, in_.identity.list_members(who, {}, {.limit = 1000}));
        for (auto& m : members.items) out.members.emplace(m.user.id.value, std::move(m));
    }
    return out;
}

}  // namespace ujumbe::analytics
