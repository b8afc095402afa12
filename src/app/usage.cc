#include "app/usage.h"

namespace ujumbe::app {

namespace {
// The account as its services see a reader of its own data.
Principal reader_of(const AccountId& account) {
    Principal p;
    p.account_id = account;
    p.role = "owner";
    return p;
}
}  // namespace

Result<billing::UsageSource::Messages> ModuleUsage::messages(const AccountId& account, Micros from,
                                                             Micros until, Micros day_start) {
    const auto who = reader_of(account);
    messaging::MessageQuery q{.direction = "outbound", .from = from, .until = until};
    UJ_ASSIGN(auto period, messaging_.stats(who, q));
    q.from = day_start;
    q.until.reset();
    UJ_ASSIGN(auto today, messaging_.stats(who, q));
    return Messages{period.total, period.segments, today.total};
}

Result<std::int64_t> ModuleUsage::users(const AccountId& account) {
    UJ_ASSIGN(auto members, identity_.list_members(reader_of(account), {}, {.limit = 1}));
    return members.count;
}

Result<std::int64_t> ModuleUsage::contacts(const AccountId& account) {
    UJ_ASSIGN(auto listed, contacts_.list(reader_of(account), {}, {.limit = 1}));
    return listed.count;
}

}  // namespace ujumbe::app
