#include "analytics/usage.h"

#include "analytics/overview.h"

namespace ujumbe::analytics {

namespace {

void add(std::optional<std::int64_t>& into, std::int64_t n) {
    into = into.value_or(0) + n;
}

}  // namespace

UsageReport fold_usage(const UsageQuery& q, const UsageSources& in) {
    const bool by_channel = q.group_by == UsageGroup::kChannel;
    std::map<std::string, UsageFigures> rows;
    const auto in_range = [&](std::int64_t day) { return day >= q.first_day && day <= q.last_day; };
    const auto row = [&](std::int64_t day, const std::string& user,
                         const std::string& channel) -> UsageFigures& {
        switch (q.group_by) {
            case UsageGroup::kDay:
                return rows[day_date(day)];
            case UsageGroup::kUser:
                return rows[user];
            case UsageGroup::kChannel:
                break;
        }
        return rows[channel];
    };
    if (q.group_by == UsageGroup::kDay)
        for (std::int64_t d = q.first_day; d <= q.last_day; ++d) rows[day_date(d)];
    for (const auto& m : in.messages) {
        if (!in_range(m.day)) continue;
        auto& f = row(m.day, m.user_id, m.channel);
        f.messages += m.messages;
        f.segments += m.segments;
    }
    for (const auto& e : in.ledger) {
        if (!is_message_spend(e) || !in_range(e.day)) continue;
        row(e.day, e.actor_id, e.channel).cost -= e.amount;
    }
    if (!by_channel) {
        for (const auto& r : in.requests)
            if (in_range(r.day)) add(row(r.day, r.user_id, "").api_requests, r.requests);
        for (const auto& b : in.media)
            if (in_range(b.day)) add(row(b.day, b.user_id, "").media_bytes, b.bytes);
        for (auto& [key, f] : rows) {
            f.api_requests = f.api_requests.value_or(0);
            f.media_bytes = f.media_bytes.value_or(0);
        }
    }
    UsageReport out;
    for (auto& [key, f] : rows) {
        out.total.messages += f.messages;
        out.total.segments += f.segments;
        out.total.cost += f.cost;
        if (f.api_requests) add(out.total.api_requests, *f.api_requests);
        if (f.media_bytes) add(out.total.media_bytes, *f.media_bytes);
        out.rows.push_back({key, std::move(f)});
    }
    if (!by_channel) {
        out.total.api_requests = out.total.api_requests.value_or(0);
        out.total.media_bytes = out.total.media_bytes.value_or(0);
    }
    return out;
}

}  // namespace ujumbe::analytics
