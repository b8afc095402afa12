#pragma once
// Usage statistics (docs/analytics.md, "Usage"): an account's messages,
// segments, cost, API requests and uploaded media bytes per UTC day, per
// user or per channel, folded from the daily counts each module keeps.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analytics/model.h"
#include "billing/model.h"
#include "media/model.h"
#include "messaging/model.h"

namespace ujumbe::analytics {

enum class UsageGroup { kDay, kUser, kChannel };

// What usage covers: the UTC days [first_day, last_day].
struct UsageQuery {
    std::int64_t first_day = 0, last_day = 0;
    UsageGroup group_by = UsageGroup::kDay;
};

struct UsageFigures {
    std::int64_t messages = 0, segments = 0;
    MoneySum cost = 0;  // charges less refunds of the messages
    // Not tied to a channel: none in a row of a channel.
    std::optional<std::int64_t> api_requests, media_bytes;
};

struct UsageRow {
    std::string key;  // the date ("2026-12-05"), the user's id ('' for none) or the channel
    UsageFigures figures;
};

struct UsageSources {
    std::vector<messaging::DailyUsage> messages;
    std::vector<billing::DailyLedger> ledger;
    std::vector<DailyRequests> requests;
    std::vector<media::DailyBytes> media;
};

// Rows in key order (every day of the range for kDay) and their total.
struct UsageReport {
    std::vector<UsageRow> rows;
    UsageFigures total;
};

UsageReport fold_usage(const UsageQuery& q, const UsageSources& in);

}  // namespace ujumbe::analytics
