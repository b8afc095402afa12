#pragma once
// Analytics of an account (docs/analytics.md): the overview of its
// messages, spend and what its dashboard shows, read from the rollups the
// messaging and billing modules keep and the counts of the others.

#include <optional>

#include "analytics/overview.h"
#include "billing/service.h"
#include "campaigns/service.h"
#include "contacts/service.h"
#include "conversations/inbox.h"
#include "core/clock.h"
#include "core/principal.h"
#include "core/result.h"
#include "messaging/service.h"

namespace ujumbe::analytics {

// The overview with the account's dashboard figures beside it.
struct Dashboard {
    Overview overview;
    std::optional<billing::Wallet> wallet;  // none before its first use
    std::string currency;
    std::int64_t contacts = 0;
    conversations::ConversationCounts conversations;
    campaigns::store::Progress campaigns;
};

class AnalyticsService {
public:
    static constexpr int kMaxDays = 366;

    AnalyticsService(Clock& clock, messaging::MessagingService& messaging,
                     billing::BillingService& billing, contacts::ContactsService& contacts,
                     campaigns::CampaignService& campaigns, conversations::Inbox& inbox);

    // The caller's last `days` UTC days (1 to kMaxDays, today included),
    // of one message channel or all.
    Result<Dashboard> overview(const Principal& who, int days,
                               const std::optional<std::string>& channel);

private:
    Clock& clock_;
    messaging::MessagingService& messaging_;
    billing::BillingService& billing_;
    contacts::ContactsService& contacts_;
    campaigns::CampaignService& campaigns_;
    conversations::Inbox& inbox_;
};

}  // namespace ujumbe::analytics
