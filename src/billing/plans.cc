#include "billing/plans.h"

#include "billing/store.h"

namespace ujumbe::billing {

Result<std::vector<Plan>> read_plans(db::Database& db) {
    return db.read([](db::Connection& c) { return store::plans(c); });
}

Result<std::optional<Plan>> read_active_plan(db::Database& db, const AccountId& account) {
    return db.read([&](db::Connection& c) -> Result<std::optional<Plan>> {
        UJ_ASSIGN(auto found, store::find_subscription(c, account));
        if (!found || found->status != "active") return std::optional<Plan>{};
        return std::optional<Plan>(std::move(found->plan));
    });
}

}  // namespace ujumbe::billing
