#include "billing/renewals.h"

#include <algorithm>
#include <chrono>

#include "billing/ledger_entry.h"
#include "billing/store.h"
#include "core/log.h"
#include "core/money.h"
#include "db/event_outbox.h"

namespace ujumbe::billing {

namespace {

std::string day_of(Micros at) {
    return format_iso8601(at).substr(0, 10);
}

// What the account's webhooks hear of its plan.
Status tell(db::Connection& c, const Subscription& s, const char* type, nlohmann::json data,
            Micros now) {
    data["plan"] = s.plan.code;
    return db::append_events(c, {{s.account_id.value, type, std::nullopt, data.dump(), now}});
}

}  // namespace

Micros months_after(Micros anchor, std::int64_t months) {
    using namespace std::chrono;
    const sys_time<microseconds> at{microseconds{anchor}};
    const auto day = floor<days>(at);
    const auto time_of_day = at - day;
    const year_month_day date{day};
    const auto month = year_month{date.year(), date.month()} + std::chrono::months{months};
    const auto last = year_month_day_last{month.year(), month_day_last{month.month()}}.day();
    const year_month_day target{month.year(), month.month(), std::min(date.day(), last)};
    return (sys_days{target} + time_of_day).time_since_epoch().count();
}

std::pair<Micros, Micros> renewed_period(const Subscription& s, Micros now) {
    const Micros from = std::max(now, s.period_end);
    // A month is at most 31 days: start below the boundary after `from`.
    std::int64_t n =
        std::max<std::int64_t>(1, (from - s.cycle_anchor) / (31 * 86400 * kMicrosPerSecond));
    while (months_after(s.cycle_anchor, n) <= from) ++n;
    return {std::max(s.period_end, months_after(s.cycle_anchor, n - 1)),
            months_after(s.cycle_anchor, n)};
}

Result<std::optional<Micros6>> charge_plan_fee(db::Connection& c, const AccountId& account,
                                               const Plan& plan, const std::string& currency,
                                               const std::string& description,
                                               const std::optional<UserId>& actor, Micros now) {
    UJ_TRY(store::ensure_wallet(c, account, currency, now));
    UJ_ASSIGN(auto left, store::move_balance(c, account, currency, -plan.monthly_fee, now));
    if (!left) return std::optional<Micros6>{};
    auto e = new_entry(account, currency, entry_type::kCharge, -plan.monthly_fee, *left, now);
    e.description = description;
    e.actor_id = actor;
    UJ_TRY(store::insert_entries(c, {e}));
    return left;
}

Result<RenewalRound> PlanRenewals::run(std::size_t limit) {
    const Micros now = clock_.now();
    UJ_ASSIGN(auto due, db_.read([&](db::Connection& c) {
        return store::due_renewals(c, now, now - options_.plan_retry, limit);
    }));
    RenewalRound round;
    for (const auto& s : due) {
        UJ_ASSIGN(const auto outcome, renew(s, now));
        switch (outcome) {
            case Outcome::kTaken:
                break;
            case Outcome::kRenewed:
                ++round.renewed;
                break;
            case Outcome::kPastDue:
                ++round.past_due;
                break;
            case Outcome::kDowngraded:
                ++round.downgraded;
                log::info("plan lapsed",
                          {{"account_id", s.account_id.value}, {"plan", s.plan.code}});
                break;
        }
    }
    return round;
}

Result<PlanRenewals::Outcome> PlanRenewals::renew(const Subscription& s, Micros now) {
    return db_.write([&](db::Connection& c) -> Result<Outcome> {
        UJ_ASSIGN(const bool claimed, store::claim_renewal(c, s, now));
        if (!claimed) return Outcome::kTaken;
        const auto [start, end] = renewed_period(s, now);
        if (s.plan.monthly_fee > 0) {
            UJ_ASSIGN(auto paid, charge_plan_fee(c, s.account_id, s.plan, options_.currency,
                                                 "Plan " + s.plan.name + " renewal, " +
                                                     day_of(start) + " to " + day_of(end),
                                                 std::nullopt, now));
            if (!paid) {
                const Micros since = s.past_due_since.value_or(now);
                if (now - since >= options_.plan_grace) {
                    UJ_TRY(store::lapse_subscription(c, s.account_id, now));
                    UJ_TRY(tell(
                        c, s, "subscription.downgraded",
                        {{"past_due_since", format_iso8601(since)}, {"new_plan", "pay_as_you_go"}},
                        now));
                    return Outcome::kDowngraded;
                }
                UJ_TRY(store::mark_past_due(c, s.account_id, now));
                if (!s.past_due_since)
                    UJ_TRY(tell(c, s, "subscription.past_due",
                                {{"amount_due", money_json(s.plan.monthly_fee)},
                                 {"currency", options_.currency},
                                 {"grace_ends_at", format_iso8601(now + options_.plan_grace)}},
                                now));
                return Outcome::kPastDue;
            }
        }
        UJ_TRY(store::renew_subscription(c, s.account_id, start, end, now));
        UJ_TRY(tell(c, s, "subscription.renewed",
                    {{"current_period_start", format_iso8601(start)},
                     {"current_period_end", format_iso8601(end)},
                     {"amount", money_json(s.plan.monthly_fee)},
                     {"currency", options_.currency}},
                    now));
        return Outcome::kRenewed;
    });
}

}  // namespace ujumbe::billing
