#pragma once
// The plans and an account's active plan, read without a BillingService:
// the service answers through these, and so does the retention pass of
// `ujumbe admin`, which runs without the modules.

#include <optional>
#include <vector>

#include "billing/model.h"
#include "core/ids.h"
#include "core/result.h"
#include "db/database.h"

namespace ujumbe::billing {

Result<std::vector<Plan>> read_plans(db::Database& db);
// The plan of the account's active subscription; none while it pays as it
// goes (or its subscription is not active).
Result<std::optional<Plan>> read_active_plan(db::Database& db, const AccountId& account);

}  // namespace ujumbe::billing
