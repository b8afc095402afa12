// Message retention on both engines: bodies blanked and messages deleted
// after their days, in batches, by the account's own days or the server's
// defaults; what is not final, other accounts, the ledger and the rollups
// untouched. And the fold of final messages' events and receipts into
// their rows, read back whole.

#include "messaging/retention.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "db/testing_db.h"
#include "messaging/rollups.h"
#include "messaging/status.h"
#include "messaging/store.h"
#include "messaging/testing_messages.h"

namespace ujumbe::messaging {
namespace {

constexpr Micros kDay = 86400 * kMicrosPerSecond;
constexpr Micros kNow = 20'100 * kDay + 12 * 3600 * kMicrosPerSecond;

class RetentionTest : public db::testing::EngineTest {
protected:
    Principal owner(const AccountId& account) {
        return {
            .user_id = UserId{"u-" + account.value}, .account_id = account, .role = Role::kOwner};
    }
    Retention retention(RetentionDays defaults = {}, int batch = 500) {
        return Retention(db(), clock_, {.defaults = defaults, .batch = batch});
    }
    Message stored(const AccountId& account, MessageStatus status, Micros at) {
        auto m = testing::stored_message(db(), account, status, at, at);
        auto events = db().write([&](db::Connection& c) {
            return store::insert_events(c, {{account, m.id, "message.queued", status, {}, at}});
        });
        EXPECT_TRUE(events);
        return m;
    }
    std::optional<std::string> body_of(const Message& m) {
        auto row = db().read([&](db::Connection& c) {
            return c.query_one("SELECT body FROM messages WHERE id = $1", {m.id.value});
        });
        EXPECT_TRUE(row);
        if (!row || !*row) return std::nullopt;
        return (*row)->text(0);
    }
    std::int64_t count(const std::string& sql, const std::string& id) {
        auto row = db().read([&](db::Connection& c) { return c.query_one(sql, {id}); });
        EXPECT_TRUE(row && *row);
        return row && *row ? (*row)->i64(0) : -1;
    }
    std::int64_t events_of(const Message& m) {
        return count("SELECT COUNT(*) FROM message_events WHERE message_id = $1", m.id.value);
    }

    FakeClock clock_{kNow};
    const AccountId mine_{"acct-mine"}, theirs_{"acct-theirs"};
};

TEST_P(RetentionTest, BodiesAreBlankedAndMessagesDeletedAfterTheirDays) {
    auto r = retention();
    ASSERT_TRUE(r.put(owner(mine_), {.body_days = std::optional<std::int64_t>{2},
                                     .message_days = std::optional<std::int64_t>{5}}));
    const auto ancient = stored(mine_, MessageStatus::kDelivered, kNow - 10 * kDay);
    const auto pending = stored(mine_, MessageStatus::kQueued, kNow - 10 * kDay);
    const auto older = stored(mine_, MessageStatus::kFailed, kNow - 3 * kDay);
    const auto recent = stored(mine_, MessageStatus::kDelivered, kNow - 1 * kDay);
    const auto inbound = stored(mine_, MessageStatus::kReceived, kNow - 4 * kDay);
    const auto theirs = stored(theirs_, MessageStatus::kDelivered, kNow - 10 * kDay);
    // A charge for the message that goes: the ledger keeps it whole.
    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return db::done(c.query(
            "INSERT INTO ledger_entries (id, account_id, currency, type, amount, balance_after, "
            "message_id, created_at) VALUES ('l-1', $1, 'USD', 'charge', -1000, 0, $2, $3)",
            {mine_.value, ancient.id.value, ancient.created_at}));
    }));

    auto pass = r.apply();
    ASSERT_TRUE(pass) << pass.error().message;
    EXPECT_EQ(pass->redacted, 3);  // ancient (then deleted), older, inbound
    EXPECT_EQ(pass->purged, 1);
    EXPECT_EQ(pass->accounts, 1);
    EXPECT_EQ(pass->folded, 4);  // the final messages kept: older, recent, inbound, theirs

    EXPECT_FALSE(body_of(ancient));
    EXPECT_EQ(events_of(ancient), 0);
    EXPECT_EQ(body_of(pending), "Hello");  // not final: neither blanked nor deleted
    EXPECT_EQ(events_of(pending), 1);
    EXPECT_EQ(body_of(older), "");
    EXPECT_EQ(body_of(inbound), "");
    EXPECT_EQ(body_of(recent), "Hello");
    EXPECT_EQ(body_of(theirs), "Hello");  // no days of its own, no defaults
    EXPECT_EQ(count("SELECT COUNT(*) FROM ledger_entries WHERE message_id = $1", ancient.id.value),
              1);
    // The statistics still count what was deleted.
    auto stats = db().write([&](db::Connection& c) -> Result<MessageStats> {
        UJ_TRY(store::fold_rollup_deltas(c));
        return store::stats_from_rollups(c, mine_, {});
    });
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_EQ(stats->total, 5);

    auto view = r.get(owner(mine_));
    ASSERT_TRUE(view);
    EXPECT_EQ(view->bodies_redacted_before, kNow - 2 * kDay);
    // A second pass finds nothing more to do.
    auto again = r.apply();
    ASSERT_TRUE(again);
    EXPECT_EQ(again->redacted + again->purged + again->folded, 0);
}

TEST_P(RetentionTest, SmallBatchesTakeEverythingIncludingTiesAcrossBatches) {
    auto r = retention({}, 3);
    ASSERT_TRUE(r.put(owner(mine_), {.body_days = std::optional<std::int64_t>{1}}));
    std::vector<Message> old;
    for (int k = 0; k < 10; ++k)  // pairs share a creation time
        old.push_back(stored(mine_, MessageStatus::kDelivered, kNow - 3 * kDay + (k / 2)));
    auto pass = r.apply();
    ASSERT_TRUE(pass) << pass.error().message;
    EXPECT_EQ(pass->redacted, 10);
    for (const auto& m : old) EXPECT_EQ(body_of(m), "");
    ASSERT_TRUE(r.put(owner(mine_), {.message_days = std::optional<std::int64_t>{2}}));
    pass = r.apply();
    ASSERT_TRUE(pass);
    EXPECT_EQ(pass->purged, 10);
    for (const auto& m : old) EXPECT_FALSE(body_of(m));
}

TEST_P(RetentionTest, TheServersDefaultsApplyToAccountsWithoutDaysOfTheirOwn) {
    auto r = retention({.message_days = 3});
    ASSERT_TRUE(r.put(owner(mine_), {.message_days = std::optional<std::int64_t>{30}}));
    const auto mine = stored(mine_, MessageStatus::kDelivered, kNow - 10 * kDay);
    const auto theirs = stored(theirs_, MessageStatus::kDelivered, kNow - 10 * kDay);
    const auto fresh = stored(theirs_, MessageStatus::kDelivered, kNow - 1 * kDay);
    auto pass = r.apply();
    ASSERT_TRUE(pass) << pass.error().message;
    EXPECT_EQ(pass->purged, 1);
    EXPECT_EQ(body_of(mine), "Hello");
    EXPECT_FALSE(body_of(theirs));
    EXPECT_EQ(body_of(fresh), "Hello");

    auto view = r.get(owner(theirs_));
    ASSERT_TRUE(view);
    EXPECT_FALSE(view->own.message_days);
    EXPECT_EQ(view->effective.message_days, 3);
    // Clearing the account's own days brings the default back.
    auto cleared = r.put(owner(mine_), {.message_days = std::optional<std::int64_t>{}});
    ASSERT_TRUE(cleared);
    EXPECT_EQ(cleared->effective.message_days, 3);
    ASSERT_TRUE(r.apply());
    EXPECT_FALSE(body_of(mine));
}

TEST_P(RetentionTest, OnlyManagersSetDaysAndOnlyInRange) {
    auto r = retention();
    auto agent = owner(mine_);
    agent.role = Role::kAgent;
    auto refused = r.put(agent, {.body_days = std::optional<std::int64_t>{3}});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
    auto zero = r.put(owner(mine_), {.body_days = std::optional<std::int64_t>{0}});
    ASSERT_FALSE(zero);
    EXPECT_TRUE(zero.error().errors.count("body_days"));
    auto huge = r.put(owner(mine_), {.message_days = std::optional<std::int64_t>{36501}});
    ASSERT_FALSE(huge);
    EXPECT_TRUE(huge.error().errors.count("message_days"));
    // One account's days are its own.
    ASSERT_TRUE(r.put(owner(mine_), {.body_days = std::optional<std::int64_t>{7}}));
    EXPECT_FALSE(r.get(owner(theirs_))->own.body_days);
    EXPECT_EQ(r.get(owner(mine_))->own.body_days, 7);
}

// Plans as the app answers them, set by the test.
class FakePlans : public RetentionPlans {
public:
    Result<RetentionDays> plan_days(const AccountId& account) override {
        auto it = days.find(account);
        return it == days.end() ? RetentionDays{} : it->second;
    }
    Result<std::optional<std::int64_t>> fewest_plan_days() override {
        std::optional<std::int64_t> fewest;
        for (const auto& [_, d] : days)
            for (const auto& n : {d.body_days, d.message_days})
                if (n) fewest = std::min(fewest.value_or(*n), *n);
        return fewest;
    }
    std::map<AccountId, RetentionDays> days;
};

TEST_P(RetentionTest, APlansDaysAreACeilingOnTheAccountsAndTheDefaults) {
    FakePlans plans;
    plans.days[mine_] = {.message_days = 5};
    Retention r(db(), clock_, {.defaults = {.message_days = 30}}, &plans);
    // No days of its own: the plan's, not the longer default.
    const auto old = stored(mine_, MessageStatus::kDelivered, kNow - 7 * kDay);
    const auto theirs = stored(theirs_, MessageStatus::kDelivered, kNow - 7 * kDay);
    auto view = r.get(owner(mine_));
    ASSERT_TRUE(view);
    EXPECT_EQ(view->plan.message_days, 5);
    EXPECT_EQ(view->effective.message_days, 5);
    auto pass = r.apply();
    ASSERT_TRUE(pass) << pass.error().message;
    EXPECT_EQ(pass->purged, 1);
    EXPECT_FALSE(body_of(old));
    EXPECT_EQ(body_of(theirs), "Hello");  // the default's 30 days, no plan

    // Longer days of its own stay under the plan's; shorter ones apply.
    ASSERT_TRUE(r.put(owner(mine_), {.message_days = std::optional<std::int64_t>{365}}));
    EXPECT_EQ(r.get(owner(mine_))->effective.message_days, 5);
    ASSERT_TRUE(r.put(owner(mine_), {.body_days = std::optional<std::int64_t>{1}}));
    EXPECT_EQ(r.get(owner(mine_))->effective.body_days, 1);
    // A plan that only caps message days leaves body days to the account.
    EXPECT_FALSE(r.get(owner(theirs_))->effective.body_days);
}

// A message's events and receipts as one line each, to compare before and
// after a fold.
std::vector<std::string> lines_of(const std::vector<MessageEvent>& events,
                                  const std::vector<Receipt>& receipts) {
    std::vector<std::string> out;
    for (const auto& e : events)
        out.push_back(std::to_string(e.seq) + " " + e.type + " " + e.status + " " +
                      e.detail.value_or("-") + " " + std::to_string(e.created_at));
    for (const auto& r : receipts)
        out.push_back(r.id + " " + std::to_string(r.part) + " " + r.gateway_id.value + " " +
                      r.provider_id + " " + r.stat + " " + r.error_code.value_or("-") + " " +
                      r.submit_date.value_or("-") + " " + r.done_date.value_or("-") + " " +
                      std::to_string(r.received_at));
    return out;
}

class FoldTest : public RetentionTest {
protected:
    void add_event(const Message& m, MessageStatus status, Micros at,
                   std::optional<std::string> detail = std::nullopt) {
        ASSERT_TRUE(db().write([&](db::Connection& c) {
            return store::insert_events(
                c, {{m.account_id, m.id, event_type(status), status, std::move(detail), at}});
        }));
    }
    void add_receipt(const Message& m, const std::string& id, const std::string& stat, Micros at) {
        Receipt r;
        r.id = id;
        r.gateway_id = GatewayId{"gw-1"};
        r.provider_id = "abc123";
        r.stat = stat;
        r.error_code = stat == "DELIVRD" ? std::nullopt : std::optional<std::string>("001");
        r.submit_date = "2601011200";
        r.done_date = "2601011201";
        r.received_at = at;
        ASSERT_TRUE(
            db().write([&](db::Connection& c) { return store::insert_receipt(c, m.id, r); }));
    }
    std::vector<std::string> history_of(const Message& m) {
        auto read = db().read([&](db::Connection& c) -> Result<std::vector<std::string>> {
            UJ_ASSIGN(auto events, store::events_of(c, m.id));
            UJ_ASSIGN(auto receipts, store::receipts_of(c, m.id));
            return lines_of(events, receipts);
        });
        EXPECT_TRUE(read) << read.error().message;
        return read ? *read : std::vector<std::string>{};
    }
    std::int64_t rows_of(const Message& m) {
        return events_of(m) +
               count("SELECT COUNT(*) FROM message_receipts WHERE message_id = $1", m.id.value);
    }
};

TEST_P(FoldTest, FinalMessagesKeepTheirWholeHistoryInTheirRow) {
    constexpr Micros kHour = 3600 * kMicrosPerSecond;
    auto done = stored(mine_, MessageStatus::kDelivered, kNow - 2 * kHour);
    add_event(done, MessageStatus::kSent, kNow - 2 * kHour + 1, R"({"gateway_id":"gw-1"})");
    add_event(done, MessageStatus::kDelivered, kNow - 2 * kHour + 2);
    add_receipt(done, "r-1", "DELIVRD", kNow - 2 * kHour + 3);
    const auto pending = stored(mine_, MessageStatus::kSent, kNow - 2 * kHour);
    const auto recent = stored(theirs_, MessageStatus::kDelivered, kNow - kHour / 6);
    const auto before = history_of(done);
    ASSERT_EQ(before.size(), 4u);

    auto pass = retention().apply();
    ASSERT_TRUE(pass) << pass.error().message;
    EXPECT_EQ(pass->folded, 1);
    EXPECT_EQ(rows_of(done), 0);
    EXPECT_EQ(history_of(done), before);
    EXPECT_EQ(events_of(pending), 1);  // may still change
    EXPECT_EQ(events_of(recent), 1);   // changed within the hour

    // A receipt and an event after the fold are rows again, read after the
    // folded ones, and the next fold adds them to the row.
    add_receipt(done, "r-2", "UNDELIV", kNow + 1);
    add_event(done, MessageStatus::kDelivered, kNow + 2, R"({"duplicate":true})");
    auto later = history_of(done);
    ASSERT_EQ(later.size(), 6u);
    EXPECT_EQ(std::vector<std::string>(later.begin(), later.begin() + 3),
              std::vector<std::string>(before.begin(), before.begin() + 3));
    pass = retention().apply();
    ASSERT_TRUE(pass);
    EXPECT_EQ(pass->folded, 1);
    EXPECT_EQ(rows_of(done), 0);
    EXPECT_EQ(history_of(done), later);
    // Nothing left to fold: an idle pass.
    pass = retention().apply();
    ASSERT_TRUE(pass);
    EXPECT_EQ(pass->folded, 0);
}

TEST_P(FoldTest, SmallBatchesFoldEveryMessageWhoseEventsStraddleThem) {
    std::vector<Message> done;
    std::vector<std::vector<std::string>> before;
    for (int k = 0; k < 7; ++k) {
        done.push_back(stored(mine_, MessageStatus::kFailed, kNow - kDay + k));
        add_event(done.back(), MessageStatus::kFailed, kNow - kDay + k + 1);
        if (k % 3 == 0) (void)stored(mine_, MessageStatus::kQueued, kNow - kDay + k);
        before.push_back(history_of(done.back()));
    }
    auto pass = retention({}, 1).apply();  // four events a walk
    ASSERT_TRUE(pass) << pass.error().message;
    EXPECT_EQ(pass->folded, 7);
    for (std::size_t k = 0; k < done.size(); ++k) {
        EXPECT_EQ(rows_of(done[k]), 0);
        EXPECT_EQ(history_of(done[k]), before[k]);
    }
}

// Events are written in time order: once the walk meets the last hour's,
// the rest are newer still and none of their messages is ready.
TEST_P(FoldTest, TheWalkEndsAtTheLastHoursEvents) {
    const auto old = stored(mine_, MessageStatus::kDelivered, kNow - kDay);
    for (int k = 0; k < 6; ++k) (void)stored(mine_, MessageStatus::kDelivered, kNow - 60 + k);
    // Behind the recent ones in the walk (written out of time order here).
    const auto behind = stored(mine_, MessageStatus::kDelivered, kNow - kDay);
    auto pass = retention({}, 1).apply();  // four events a walk
    ASSERT_TRUE(pass) << pass.error().message;
    EXPECT_EQ(pass->folded, 1);
    EXPECT_EQ(rows_of(old), 0);
    EXPECT_EQ(rows_of(behind), 1);
}

INSTANTIATE_TEST_SUITE_P(Engines, FoldTest, db::testing::engines(), db::testing::EngineName());

INSTANTIATE_TEST_SUITE_P(Engines, RetentionTest, db::testing::engines(), db::testing::EngineName());

}  // namespace
}  // namespace ujumbe::messaging
