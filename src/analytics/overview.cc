#include "analytics/overview.h"

#include <chrono>
#include <cstdio>

#include "messaging/status.h"

namespace ujumbe::analytics {

namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

sys_days as_date(std::int64_t day) {
    return sys_days{days{day}};
}
std::int64_t day_of(sys_days d) {
    return d.time_since_epoch().count();
}

void add(Tally& t, const messaging::DailyCount& c) {
    if (c.direction == "inbound")
        t.received += c.messages;
    else
        count_outbound(t, c.channel, c.status, c.messages, c.segments);
}

}  // namespace

void count_outbound(Tally& t, const std::string& channel, const std::string& status, std::int64_t n,
                    std::int64_t segments) {
    t.sent += n;
    t.segments += segments;
    const auto s = messaging::parse_status(status);
    if (!s) return;
    if (messaging::reached(*s) || (channel == "email" && *s == messaging::MessageStatus::kSent))
        t.delivered += n;
    else if (*s == messaging::MessageStatus::kCanceled)
        return;  // withdrawn before sending: neither way
    else if (messaging::is_final(*s))
        t.undelivered += n;
    else
        t.pending += n;
}

bool is_message_spend(const billing::DailyLedger& e) {
    return !e.channel.empty() &&
           (e.type == billing::entry_type::kCharge || e.type == billing::entry_type::kRefund);
}

std::int64_t OverviewQuery::week_start() const {
    const std::chrono::weekday wd{as_date(today)};
    return today - static_cast<std::int64_t>(wd.iso_encoding() - 1);
}

std::int64_t OverviewQuery::month_start() const {
    const year_month_day ymd{as_date(today)};
    return day_of(sys_days{ymd.year() / ymd.month() / 1});
}

std::int64_t OverviewQuery::earliest_day() const {
    return std::min({first_day(), week_start(), month_start()});
}

std::optional<double> Tally::delivery_rate() const {
    const std::int64_t finished = delivered + undelivered;
    if (finished == 0) return std::nullopt;
    return static_cast<double>(delivered) / static_cast<double>(finished);
}

Overview fold_overview(const OverviewQuery& q, const std::vector<messaging::DailyCount>& messages,
                       const std::vector<billing::DailyLedger>& ledger) {
    Overview o;
    o.query = q;
    const std::int64_t first = q.first_day();
    o.daily.resize(static_cast<std::size_t>(q.days));
    for (int i = 0; i < q.days; ++i) o.daily[static_cast<std::size_t>(i)].day = first + i;
    const auto day_in_range = [&](std::int64_t day) -> DayActivity* {
        if (day < first || day > q.today) return nullptr;
        return &o.daily[static_cast<std::size_t>(day - first)];
    };
    const std::int64_t week = q.week_start(), month = q.month_start();
    for (const auto& c : messages) {
        if (q.channel && c.channel != *q.channel) continue;
        if (c.direction == "outbound" && c.day <= q.today) {
            if (c.day == q.today) o.sent_today += c.messages;
            if (c.day >= week) o.sent_this_week += c.messages;
            if (c.day >= month) o.sent_this_month += c.messages;
        }
        DayActivity* d = day_in_range(c.day);
        if (!d) continue;
        add(d->tally, c);
        add(o.total, c);
        add(o.by_channel[c.channel], c);
        o.by_status[c.status] += c.messages;
    }
    for (const auto& e : ledger) {
        if (!is_message_spend(e) || (q.channel && e.channel != *q.channel)) continue;
        DayActivity* d = day_in_range(e.day);
        if (!d) continue;
        d->tally.spend -= e.amount;
        o.total.spend -= e.amount;
        o.by_channel[e.channel].spend -= e.amount;
    }
    return o;
}

std::string day_date(std::int64_t day) {
    const year_month_day ymd{as_date(day)};
    char out[16];
    std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return out;
}

}  // namespace ujumbe::analytics
