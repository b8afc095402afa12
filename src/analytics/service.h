#pragma once
// Analytics of an account (docs/analytics.md): the overview of its
// messages, spend and what its dashboard shows, read from the rollups the
// messaging and billing modules keep and the counts of the others.

#include <optional>

#include "analytics/overview.h"
#include "analytics/request_log.h"
#include "analytics/usage.h"
#include "billing/service.h"
#include "campaigns/service.h"
#include "contacts/service.h"
#include "conversations/inbox.h"
#include "core/clock.h"
#include "core/principal.h"
#include "core/result.h"
#include "identity/service.h"
#include "media/service.h"
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

// Usage rows with the names of the users they are about (group_by user).
struct Usage {
    UsageReport report;
    std::map<std::string, identity::Member> members;  // by user id
};

// What the analytics module reads from the others.
struct AnalyticsSources {
    identity::IdentityService& identity;
    messaging::MessagingService& messaging;
    billing::BillingService& billing;
    contacts::ContactsService& contacts;
    campaigns::CampaignService& campaigns;
    conversations::Inbox& inbox;
    media::MediaService& media;
    RequestLog& requests;
};

class AnalyticsService {
public:
    static constexpr int kMaxDays = 366;

    AnalyticsService(Clock& clock, AnalyticsSources sources);

    // The caller's last `days` UTC days (1 to kMaxDays, today included),
    // of one message channel or all.
    Result<Dashboard> overview(const Principal& who, int days,
                               const std::optional<std::string>& channel);
    // The caller's account's usage over `q`'s days (at most kMaxDays);
    // owners and admins.
    Result<Usage> usage(const Principal& who, const UsageQuery& q);
    // Today, as a day since 1970-01-01 (UTC).
    std::int64_t today() const;

private:
    Clock& clock_;
    AnalyticsSources in_;
};

}  // namespace ujumbe::analytics
