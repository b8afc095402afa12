#pragma once
// Plan periods renew by themselves (decision 0032). A period is a whole
// month from the subscription's anchor (the same day of the month, the
// month's last day when it is shorter). When one ends, the plan's monthly
// fee is charged from the wallet and the included messages start again. A
// wallet that cannot pay leaves the subscription past due: the plan goes on
// without included messages, the renewal is tried again every retry
// interval, and when the grace period after the first failure ends the
// account goes back to pay as you go. The campaigns scheduler runs them.

#include <cstddef>
#include <optional>
#include <string>
#include <utility>

#include "billing/model.h"
#include "billing/service.h"
#include "core/clock.h"
#include "core/result.h"
#include "db/database.h"

namespace ujumbe::billing {

// The instant `months` whole months after `anchor` (UTC; the same time of
// day; a day the month lacks becomes its last day).
Micros months_after(Micros anchor, std::int64_t months);

// The period a renewal at `now` starts: from the end of the one that ended
// to the next month boundary after `now`. After a downtime of whole
// periods the ones missed are not charged: the new period is the one that
// holds `now`, started at the boundary before it.
std::pair<Micros, Micros> renewed_period(const Subscription& s, Micros now);

// Charges a plan's monthly fee from the account's wallet (a charge in the
// ledger described by `description`): the balance after it, or nullopt
// when the wallet cannot pay (nothing charged). Inside the caller's write.
Result<std::optional<Micros6>> charge_plan_fee(db::Connection& c, const AccountId& account,
                                               const Plan& plan, const std::string& currency,
                                               const std::string& description,
                                               const std::optional<UserId>& actor, Micros now);

struct RenewalRound {
    int renewed = 0, past_due = 0, downgraded = 0;
};

class PlanRenewals {
public:
    PlanRenewals(db::Database& db, Clock& clock, BillingOptions options)
        : db_(db), clock_(clock), options_(std::move(options)) {}

    // Renews (or marks past due, or downgrades) up to `limit` subscriptions
    // whose period has ended, each in a transaction of its own guarded by
    // what it read: nodes running it at once charge each renewal once.
    Result<RenewalRound> run(std::size_t limit = 100);

private:
    enum class Outcome { kTaken, kRenewed, kPastDue, kDowngraded };
    Result<Outcome> renew(const Subscription& s, Micros now);

    db::Database& db_;
    Clock& clock_;
    BillingOptions options_;
};

}  // namespace ujumbe::billing
