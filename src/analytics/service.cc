#include "analytics/service.h"

#include "messaging/rollups.h"

namespace ujumbe::analytics {

AnalyticsService::AnalyticsService(Clock& clock, messaging::MessagingService& messaging,
                                   billing::BillingService& billing,
                                   contacts::ContactsService& contacts,
                                   campaigns::CampaignService& campaigns,
                                   conversations::Inbox& inbox)
    : clock_(clock),
      messaging_(messaging),
      billing_(billing),
      contacts_(contacts),
      campaigns_(campaigns),
      inbox_(inbox) {}

Result<Dashboard> AnalyticsService::overview(const Principal& who, int days,
                                             const std::optional<std::string>& channel) {
    if (days < 1 || days > kMaxDays) return Error::invalid("days", "A whole number from 1 to 366.");
    OverviewQuery q{
        .days = days, .today = clock_.now() / messaging::store::kMicrosPerDay, .channel = channel};
    const std::int64_t first = q.earliest_day(), past = q.today + 1;
    UJ_ASSIGN(auto counts, messaging_.daily_counts(who, first, past));
    UJ_ASSIGN(auto ledger, billing_.ledger_days(who, first, past));
    Dashboard out;
    out.overview = fold_overview(q, counts, ledger.days);
    out.wallet = std::move(ledger.wallet);
    out.currency = billing_.currency();
    UJ_ASSIGN(auto contacts, contacts_.list(who, {}, {.limit = 1}));
    out.contacts = contacts.count;
    UJ_ASSIGN(out.conversations, inbox_.counts(who));
    UJ_ASSIGN(out.campaigns, campaigns_.progress(who));
    return out;
}

}  // namespace ujumbe::analytics
