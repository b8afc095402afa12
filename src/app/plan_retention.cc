#include "app/plan_retention.h"

#include <algorithm>

#include "billing/plans.h"

namespace ujumbe::app {

Result<messaging::RetentionDays> PlanRetention::plan_days(const AccountId& account) {
    UJ_ASSIGN(auto plan, billing::read_active_plan(db_, account));
    if (!plan) return messaging::RetentionDays{};
    return messaging::RetentionDays{plan->body_retention_days, plan->message_retention_days};
}

Result<std::optional<std::int64_t>> PlanRetention::fewest_plan_days() {
    UJ_ASSIGN(auto plans, billing::read_plans(db_));
    std::optional<std::int64_t> fewest;
    for (const auto& p : plans)
        for (const auto& days : {p.body_retention_days, p.message_retention_days})
            if (days) fewest = std::min(fewest.value_or(*days), *days);
    return fewest;
}

}  // namespace ujumbe::app
