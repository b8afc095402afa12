#pragma once
// How long each account keeps its messages (decision 0029). After
// body_days a final message's body is blanked; after message_days the
// message goes with its parts, receipts and events. The ledger and
// statements are never touched, and the rollups keep counting what was
// purged. An account's own days override the server's defaults
// (UJUMBE_BODY_RETENTION_DAYS, UJUMBE_MESSAGE_RETENTION_DAYS); its plan's
// days are a ceiling on either; with none of them, everything is kept. A thread applies them every
// few minutes in small transactions, so that traffic goes on between them; `ujumbe admin
// apply-retention` runs one pass by hand. The same pass folds the events
// and receipts of messages final for an hour into their rows
// (messages.history, decision 0030), whatever the days.

#include <cstdint>
#include <optional>

#include "core/clock.h"
#include "core/polling_thread.h"
#include "core/principal.h"
#include "core/result.h"
#include "db/database.h"

namespace ujumbe::messaging {

// Days to keep; none: kept for good.
struct RetentionDays {
    std::optional<std::int64_t> body_days, message_days;
};

// The days of the accounts' plans (billing, through the app's wiring).
class RetentionPlans {
public:
    virtual ~RetentionPlans() = default;
    // The days of the account's active plan; none where it sets none.
    virtual Result<RetentionDays> plan_days(const AccountId& account) = 0;
    // The fewest days any plan sets, either kind; none when no plan does.
    virtual Result<std::optional<std::int64_t>> fewest_plan_days() = 0;
};

struct RetentionOptions {
    RetentionDays defaults;  // the server's, for accounts without their own
    int batch = 500;         // messages per transaction
    // A final message unchanged this long has its events and receipts folded.
    Micros fold_after = 3600 * kMicrosPerSecond;
    Micros every = 10 * 60 * kMicrosPerSecond;
};

// What GET /messages/retention shows.
struct RetentionView {
    RetentionDays own, defaults, plan, effective;
    Micros bodies_redacted_before = 0;  // every final message before it is blanked
};

// A field left out stays as it is; one set to none clears the account's
// own value (the default applies again).
struct RetentionUpdate {
    std::optional<std::optional<std::int64_t>> body_days, message_days;
};

struct RetentionPass {
    std::int64_t accounts = 0, redacted = 0, purged = 0, folded = 0;
};

class Retention {
public:
    static constexpr std::int64_t kMaxDays = 36500;

    // Without `plans`, no plan sets days.
    Retention(db::Database& db, Clock& clock, RetentionOptions options,
              RetentionPlans* plans = nullptr)
        : db_(db), clock_(clock), options_(options), plans_(plans) {}
    Retention(const Retention&) = delete;
    Retention& operator=(const Retention&) = delete;

    Result<RetentionView> get(const Principal& who);
    // Owners and admins only.
    Result<RetentionView> put(const Principal& who, const RetentionUpdate& update);

    // One pass over every account with something to redact or purge, then
    // the fold of every final message's events and receipts.
    Result<RetentionPass> apply();

    void start();
    // Waits for the batch in progress; idempotent.
    void stop() { loop_.stop(); }

private:
    Result<RetentionDays> plan_days(const AccountId& account);
    RetentionDays effective(const RetentionDays& own, const RetentionDays& plan) const;
    Result<RetentionPass> apply_to(const AccountId& account, const RetentionDays& days,
                                   Micros redacted_before, Micros now);
    Result<std::int64_t> fold(Micros now);
    bool stopping() const { return loop_.stopping(); }

    db::Database& db_;
    Clock& clock_;
    RetentionOptions options_;
    RetentionPlans* plans_;
    PollingThread loop_;  // last: it stops before what its rounds use goes
};

}  // namespace ujumbe::messaging
