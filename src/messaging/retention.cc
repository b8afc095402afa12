#include "messaging/retention.h"

#include <algorithm>
#include <map>

#include "core/log.h"
#include "messaging/retention_store.h"

namespace ujumbe::messaging {
namespace {

constexpr Micros kDay = 86400 * kMicrosPerSecond;

RetentionDays days_of(const std::optional<retention_store::AccountRetention>& row) {
    if (!row) return {};
    return {row->body_days, row->message_days};
}

Status check_days(const char* field, const std::optional<std::optional<std::int64_t>>& days) {
    if (days && *days && (**days < 1 || **days > Retention::kMaxDays))
        return Error::invalid(field, "Must be from 1 to 36500 days, or null.");
    return {};
}

}  // namespace

// The account's own days, else the server's; the plan's at the most.
RetentionDays Retention::effective(const RetentionDays& own, const RetentionDays& plan) const {
    const auto one = [](std::optional<std::int64_t> mine, std::optional<std::int64_t> fallback,
                        std::optional<std::int64_t> ceiling) {
        auto days = mine ? mine : fallback;
        if (ceiling) days = days ? std::min(*days, *ceiling) : *ceiling;
        return days;
    };
    return {one(own.body_days, options_.defaults.body_days, plan.body_days),
            one(own.message_days, options_.defaults.message_days, plan.message_days)};
}

Result<RetentionDays> Retention::plan_days(const AccountId& account) {
    if (!plans_) return RetentionDays{};
    return plans_->plan_days(account);
}

Result<RetentionView> Retention::get(const Principal& who) {
    UJ_ASSIGN(auto row, db_.read([&](db::Connection& c) {
        return retention_store::find(c, who.account_id);
    }));
    const auto own = days_of(row);
    UJ_ASSIGN(auto plan, plan_days(who.account_id));
    return RetentionView{own, options_.defaults, plan, effective(own, plan),
                         row ? row->bodies_redacted_before : 0};
}

Result<RetentionView> Retention::put(const Principal& who, const RetentionUpdate& update) {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins may do this");
    UJ_TRY(check_days("body_days", update.body_days));
    UJ_TRY(check_days("message_days", update.message_days));
    UJ_TRY(db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto row, retention_store::find(c, who.account_id));
        auto days = days_of(row);
        if (update.body_days) days.body_days = *update.body_days;
        if (update.message_days) days.message_days = *update.message_days;
        return retention_store::put_days(
            c, {who.account_id, days.body_days, days.message_days, 0, clock_.now()});
    }));
    return get(who);
}

Result<RetentionPass> Retention::apply() {
    const Micros now = clock_.now();
    // Accounts with days of their own, and with the server's defaults or
    // any plan's days every account with messages old enough for them.
    std::optional<std::int64_t> shortest, fewest_plan;
    if (plans_) {
        UJ_ASSIGN(fewest_plan, plans_->fewest_plan_days());
    }
    for (const auto& d : {options_.defaults.body_days, options_.defaults.message_days, fewest_plan})
        if (d) shortest = std::min(shortest.value_or(*d), *d);
    std::map<AccountId, retention_store::AccountRetention> accounts;
    UJ_TRY(db_.read([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto rows, retention_store::all(c));
        for (auto& r : rows) accounts.emplace(r.account_id, std::move(r));
        if (!shortest) return {};
        UJ_ASSIGN(auto old,
                  retention_store::accounts_with_messages_before(c, now - *shortest * kDay));
        for (auto& id : old) accounts.try_emplace(id, retention_store::AccountRetention{id});
        return {};
    }));
    RetentionPass pass;
    for (const auto& [id, row] : accounts) {
        if (stopping()) break;
        UJ_ASSIGN(auto plan, plan_days(id));
        UJ_ASSIGN(auto one, apply_to(id, effective({row.body_days, row.message_days}, plan),
                                     row.bodies_redacted_before, now));
        pass.accounts += one.redacted + one.purged > 0;
        pass.redacted += one.redacted;
        pass.purged += one.purged;
    }
    UJ_ASSIGN(pass.folded, fold(now));
    return pass;
}

Result<std::int64_t> Retention::fold(Micros now) {
    // One walk over the events left, oldest first: those of messages not
    // yet final are passed once a pass. It ends at the events of the last
    // hour (seq follows the time of writing): none of their messages is
    // ready, and at a high rate there are many.
    std::int64_t folded = 0, after = 0;
    while (!stopping()) {
        UJ_ASSIGN(auto batch, db_.write([&](db::Connection& c) {
            return retention_store::fold_batch(c, after, now - options_.fold_after,
                                               4 * options_.batch);
        }));
        folded += batch.messages;
        if (!batch.last_seq || batch.reached_recent) break;
        after = *batch.last_seq;
    }
    return folded;
}

Result<RetentionPass> Retention::apply_to(const AccountId& account, const RetentionDays& days,
                                          Micros redacted_before, Micros now) {
    RetentionPass out;
    // Each batch is a transaction of its own: the writer serves the traffic
    // between them.
    if (days.body_days) {
        const Micros cutoff = now - *days.body_days * kDay;
        Micros from = redacted_before;
        while (from < cutoff && !stopping()) {
            UJ_ASSIGN(auto batch,
                      db_.write([&](db::Connection& c) -> Result<retention_store::Redacted> {
                          UJ_ASSIGN(auto r, retention_store::redact_batch(c, account, from, cutoff,
                                                                          options_.batch));
                          UJ_TRY(retention_store::set_redacted_before(
                              c, account, r.resume_at.value_or(cutoff), now));
                          return r;
                      }));
            out.redacted += batch.count;
            if (!batch.resume_at) break;
            from = *batch.resume_at;
        }
    }
    if (days.message_days) {
        const Micros cutoff = now - *days.message_days * kDay;
        while (!stopping()) {
            UJ_ASSIGN(auto purged, db_.write([&](db::Connection& c) {
                return retention_store::purge_batch(c, account, cutoff, options_.batch);
            }));
            out.purged += purged;
            if (purged < options_.batch) break;
        }
    }
    return out;
}

void Retention::start() {
    // Accounts may set days of their own: the thread runs without defaults too.
    loop_.start("retention", options_.every, std::chrono::milliseconds(0), [this] {
        auto pass = apply();
        if (!pass) {
            log::warn("applying message retention failed", {{"error", pass.error().message}});
        } else if (pass->redacted + pass->purged + pass->folded > 0) {
            log::info("message retention applied", {{"accounts", pass->accounts},
                                                    {"bodies_redacted", pass->redacted},
                                                    {"messages_purged", pass->purged},
                                                    {"histories_folded", pass->folded}});
        }
    });
}

}  // namespace ujumbe::messaging
