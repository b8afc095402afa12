#pragma once
// Plans' retention days for message retention (messaging/retention.h),
// read from billing's tables: the server and `ujumbe admin
// apply-retention` answer the same way.

#include "db/database.h"
#include "messaging/retention.h"

namespace ujumbe::app {

class PlanRetention final : public messaging::RetentionPlans {
public:
    explicit PlanRetention(db::Database& db) : db_(db) {}

    // The active subscription's plan; none for pay as you go.
    Result<messaging::RetentionDays> plan_days(const AccountId& account) override;
    Result<std::optional<std::int64_t>> fewest_plan_days() override;

private:
    db::Database& db_;
};

}  // namespace ujumbe::app
