#pragma once
// The analytics overview (docs/analytics.md): an account's messages and
// spend over its last N UTC days, folded from the message and ledger
// rollups, so its cost follows the days asked for and never the number of
// messages.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "billing/model.h"
#include "messaging/model.h"

namespace ujumbe::analytics {

// What an overview covers: the `days` UTC days ending with `today` (days
// since 1970-01-01), of one channel or all.
struct OverviewQuery {
    int days = 30;
    std::int64_t today = 0;
    std::optional<std::string> channel;

    std::int64_t first_day() const { return today - days + 1; }
    // The first days of today's ISO week (Monday) and month.
    std::int64_t week_start() const;
    std::int64_t month_start() const;
    // The earliest day any figure needs: the range, the week or the month.
    std::int64_t earliest_day() const;
};

// Messages of a channel, a day or the whole range.
struct Tally {
    std::int64_t sent = 0;                        // outbound messages accepted (any status)
    std::int64_t received = 0;                    // inbound messages
    std::int64_t delivered = 0, undelivered = 0;  // outbound, final either way
    std::int64_t pending = 0;                     // outbound, not final yet
    std::int64_t segments = 0;                    // outbound
    MoneySum spend = 0;                           // charges less refunds

    // Delivered of the outbound messages that reached a final status;
    // none when none did.
    std::optional<double> delivery_rate() const;
};

struct DayActivity {
    std::int64_t day = 0;
    Tally tally;
};

struct Overview {
    OverviewQuery query;
    Tally total;
    std::int64_t sent_today = 0, sent_this_week = 0, sent_this_month = 0;
    std::map<std::string, std::int64_t> by_status;  // every direction
    std::map<std::string, Tally> by_channel;
    std::vector<DayActivity> daily;  // every day of the range, oldest first
};

// Counts `n` outbound messages of `status` on `channel` (and their
// segments) into `t`. Mail has no receipts: sent is as far as it goes, and
// counts as reached.
void count_outbound(Tally& t, const std::string& channel, const std::string& status, std::int64_t n,
                    std::int64_t segments);

// A message's charge or refund (what spend and cost add up; charges are
// negative), not a top-up, a transfer or a plan fee.
bool is_message_spend(const billing::DailyLedger& e);

// Folds the rollups of [q.earliest_day(), q.today] into the overview.
Overview fold_overview(const OverviewQuery& q, const std::vector<messaging::DailyCount>& messages,
                       const std::vector<billing::DailyLedger>& ledger);

// "2026-12-05" of a day since 1970-01-01.
std::string day_date(std::int64_t day);

}  // namespace ujumbe::analytics
