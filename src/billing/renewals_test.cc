// Plan renewals against a real database (SQLite and PostgreSQL): month
// boundaries, a paid renewal, a past-due one that is paid or lapses, the
// catch-up rule after downtime, and nodes renewing at once.

#include "billing/renewals.h"

#include <gtest/gtest.h>

#include <thread>

#include "billing/store.h"
#include "contacts/testing_contacts.h"

namespace ujumbe::billing {
namespace {

Micros at(const char* iso) {
    return *parse_iso8601(iso);
}

TEST(MonthsAfter, KeepsTheDayAndTimeAndClampsToShortMonthsWithoutDrifting) {
    const Micros jan31 = at("2027-01-31T09:30:00Z");
    EXPECT_EQ(months_after(jan31, 0), jan31);
    EXPECT_EQ(months_after(jan31, 1), at("2027-02-28T09:30:00Z"));
    EXPECT_EQ(months_after(jan31, 2), at("2027-03-31T09:30:00Z"));  // from the anchor, not Feb 28
    EXPECT_EQ(months_after(jan31, 3), at("2027-04-30T09:30:00Z"));
    EXPECT_EQ(months_after(at("2028-01-31T00:00:00Z"), 1), at("2028-02-29T00:00:00Z"));
    EXPECT_EQ(months_after(at("2027-12-15T23:59:59Z"), 1), at("2028-01-15T23:59:59Z"));
    EXPECT_EQ(months_after(at("2027-03-10T00:00:00Z"), 24), at("2029-03-10T00:00:00Z"));
}

TEST(RenewedPeriod, StartsWhereThePeriodEndedOrAtTheBoundaryBeforeNowAfterDowntime) {
    Subscription s;
    s.cycle_anchor = at("2027-01-15T00:00:00Z");
    s.period_start = s.cycle_anchor;
    s.period_end = at("2027-02-15T00:00:00Z");
    auto [start, end] = renewed_period(s, at("2027-02-15T00:00:05Z"));
    EXPECT_EQ(start, at("2027-02-15T00:00:00Z"));
    EXPECT_EQ(end, at("2027-03-15T00:00:00Z"));
    // Three months down: the periods missed are not charged.
    std::tie(start, end) = renewed_period(s, at("2027-05-20T00:00:00Z"));
    EXPECT_EQ(start, at("2027-05-15T00:00:00Z"));
    EXPECT_EQ(end, at("2027-06-15T00:00:00Z"));
    // A period stored before anchors existed ended off a boundary: the
    // next one starts at its end.
    s.cycle_anchor = s.period_end = at("2027-02-14T00:00:00Z");
    std::tie(start, end) = renewed_period(s, at("2027-02-14T01:00:00Z"));
    EXPECT_EQ(start, at("2027-02-14T00:00:00Z"));
    EXPECT_EQ(end, at("2027-03-14T00:00:00Z"));
}

class RenewalsTest : public contacts::testing::ContactsTest {
protected:
    void SetUp() override {
        ContactsTest::SetUp();
        if (IsSkipped()) return;
        admin_ = platform_admin();
        options_ = {.trial_credit = 0,
                    .plan_retry = 3600 * kMicrosPerSecond,
                    .plan_grace = 3 * 86400 * kMicrosPerSecond};
        billing_ = std::make_unique<BillingService>(db(), clock_, *identity_, options_);
        renewals_ = std::make_unique<PlanRenewals>(db(), clock_, options_);
        ASSERT_TRUE(db().write([&](db::Connection& c) {
            return db::done(
                c.query("INSERT INTO plans (id, code, name, monthly_fee, included_messages, "
                        "sort_order, created_at) VALUES ('01a20000-0000-7000-8000-0000000000cc', "
                        "'tiny', 'Tiny', 1000000, 10, 9, 0)"));
        }));
    }

    // A business on the Tiny plan (1.00 a month) with `left` in its wallet
    // after the first month's fee.
    Principal subscriber(const std::string& name, Micros6 left) {
        const auto who = owner_of(name);
        topup(who, kMicrosPerUnit + left);
        auto s = billing_->subscribe(who, "tiny");
        EXPECT_TRUE(s) << (s ? "" : s.error().message);
        return who;
    }
    void topup(const Principal& who, Micros6 amount) {
        auto r = billing_->topup(
            admin_, {.account_id = who.account_id, .amount = amount, .reference = new_uuid_v7()});
        ASSERT_TRUE(r) << r.error().message;
    }
    Micros6 balance(const Principal& who) {
        auto w = billing_->wallet(who, std::nullopt);
        EXPECT_TRUE(w);
        return w ? w->balance : -1;
    }
    Subscription subscription(const Principal& who) {
        auto s = billing_->subscription(who);
        EXPECT_TRUE(s);
        return s ? *s : Subscription{};
    }
    RenewalRound run() {
        auto r = renewals_->run();
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        return r ? *r : RenewalRound{};
    }
    std::vector<LedgerEntry> charges(const Principal& who) {
        auto l = billing_->transactions(who, std::nullopt, {.type = "charge"}, {.limit = 100});
        EXPECT_TRUE(l);
        return l ? l->items : std::vector<LedgerEntry>{};
    }

    Principal admin_;
    BillingOptions options_;
    std::unique_ptr<BillingService> billing_;
    std::unique_ptr<PlanRenewals> renewals_;
};

TEST_P(RenewalsTest, APaidRenewalChargesTheFeeAndStartsTheIncludedMessagesAgain) {
    clock_.set(at("2027-01-31T10:00:00Z"));
    const auto who = subscriber("Renewing Ltd", 5 * kMicrosPerUnit);
    auto first = subscription(who);
    EXPECT_EQ(first.period_end, at("2027-02-28T10:00:00Z"));
    EXPECT_EQ(first.renewal_tried_at, std::nullopt);
    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return store::use_included(c, who.account_id, 7, clock_.now());
    }));
    EXPECT_EQ(run().renewed, 0);  // not due yet

    clock_.set(at("2027-02-28T10:00:01Z"));
    EXPECT_EQ(run().renewed, 1);
    EXPECT_EQ(balance(who), 4 * kMicrosPerUnit);
    auto renewed = subscription(who);
    EXPECT_EQ(renewed.status, "active");
    EXPECT_EQ(renewed.period_start, at("2027-02-28T10:00:00Z"));
    EXPECT_EQ(renewed.period_end, at("2027-03-31T10:00:00Z"));  // the anchor's day again
    EXPECT_EQ(renewed.included_used, 0);
    EXPECT_EQ(renewed.past_due_since, std::nullopt);
    const auto fees = charges(who);
    ASSERT_EQ(fees.size(), 2u);
    EXPECT_EQ(fees[0].amount, -kMicrosPerUnit);
    EXPECT_EQ(fees[0].description, "Plan Tiny renewal, 2027-02-28 to 2027-03-31");
    EXPECT_EQ(run().renewed, 0);  // once per period
    EXPECT_EQ(balance(who), 4 * kMicrosPerUnit);
}

TEST_P(RenewalsTest, AnUnpaidRenewalIsPastDueIsTriedAgainAndLapsesAfterTheGracePeriod) {
    const auto who = subscriber("Broke Ltd", 0);
    const auto end = subscription(who).period_end;
    clock_.set(end + kMicrosPerSecond);
    auto round = run();
    EXPECT_EQ(round.renewed, 0);
    EXPECT_EQ(round.past_due, 1);
    auto due = subscription(who);
    EXPECT_EQ(due.status, "active");
    EXPECT_EQ(due.past_due_since, clock_.now());
    EXPECT_EQ(due.grace_ends_at, clock_.now() + options_.plan_grace);
    EXPECT_EQ(due.period_end, end);
    auto plan = billing_->active_plan(who.account_id);
    ASSERT_TRUE(plan && *plan);
    EXPECT_EQ((*plan)->code, "tiny");  // its limits still hold in the grace period
    // Nothing included while it is unpaid.
    auto included = db().write(
        [&](db::Connection& c) { return store::use_included(c, who.account_id, 1, clock_.now()); });
    ASSERT_TRUE(included);
    EXPECT_EQ(*included, 0);
    EXPECT_EQ(run().past_due, 0);  // tried again only after the retry interval
    clock_.advance(options_.plan_retry);
    EXPECT_EQ(run().past_due, 1);
    EXPECT_EQ(subscription(who).past_due_since, end + kMicrosPerSecond);  // the first failure

    clock_.set(end + kMicrosPerSecond + options_.plan_grace);
    EXPECT_EQ(run().downgraded, 1);
    auto lapsed = subscription(who);
    EXPECT_TRUE(lapsed.is_default);
    EXPECT_EQ(lapsed.plan.code, "pay_as_you_go");
    EXPECT_EQ(lapsed.lapsed_plan, "tiny");
    EXPECT_EQ(lapsed.lapsed_at, clock_.now());
    plan = billing_->active_plan(who.account_id);
    ASSERT_TRUE(plan);
    EXPECT_FALSE(*plan);
    EXPECT_EQ(charges(who).size(), 1u);  // the first month only
    EXPECT_EQ(balance(who), 0);
    clock_.advance(40 * 86400 * kMicrosPerSecond);
    const auto later = run();
    EXPECT_EQ(later.renewed + later.past_due + later.downgraded, 0);
}

TEST_P(RenewalsTest, APastDueRenewalPaidAfterATopUpCoversThePeriodFromItsStart) {
    const auto who = subscriber("Late Ltd", 0);
    const auto end = subscription(who).period_end;
    clock_.set(end + 10 * kMicrosPerSecond);
    EXPECT_EQ(run().past_due, 1);
    topup(who, 3 * kMicrosPerUnit);
    clock_.advance(options_.plan_retry);
    EXPECT_EQ(run().renewed, 1);
    auto paid = subscription(who);
    EXPECT_EQ(paid.period_start, end);
    EXPECT_EQ(paid.period_end, months_after(paid.cycle_anchor, 2));
    EXPECT_EQ(paid.past_due_since, std::nullopt);
    EXPECT_EQ(paid.grace_ends_at, std::nullopt);
    EXPECT_EQ(balance(who), 2 * kMicrosPerUnit);
}

TEST_P(RenewalsTest, AfterMonthsOfDowntimeOneRenewalCoversThePeriodHoldingNow) {
    const auto who = subscriber("Dormant Ltd", 10 * kMicrosPerUnit);
    const auto anchor = subscription(who).cycle_anchor;
    clock_.set(months_after(anchor, 3) + 86400 * kMicrosPerSecond);
    EXPECT_EQ(run().renewed, 1);
    auto s = subscription(who);
    EXPECT_EQ(s.period_start, months_after(anchor, 3));
    EXPECT_EQ(s.period_end, months_after(anchor, 4));
    EXPECT_EQ(balance(who), 9 * kMicrosPerUnit);
}

TEST_P(RenewalsTest, NodesRenewingAtOnceChargeEachRenewalOnce) {
    constexpr int kAccounts = 12;
    std::vector<Principal> subscribers;
    for (int i = 0; i < kAccounts; ++i)
        subscribers.push_back(subscriber("Shared " + std::to_string(i), 5 * kMicrosPerUnit));
    clock_.advance(32LL * 86400 * kMicrosPerSecond);
    std::vector<std::unique_ptr<PlanRenewals>> nodes;
    for (int i = 0; i < 4; ++i)
        nodes.push_back(std::make_unique<PlanRenewals>(db(), clock_, options_));
    std::atomic<int> renewed{0};
    std::vector<std::thread> threads;
    for (auto& node : nodes)
        threads.emplace_back([&] {
            auto r = node->run();
            ASSERT_TRUE(r) << r.error().message;
            renewed += r->renewed;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(renewed.load(), kAccounts);
    for (const auto& who : subscribers) {
        EXPECT_EQ(balance(who), 4 * kMicrosPerUnit);
        EXPECT_EQ(charges(who).size(), 2u);
    }
}

INSTANTIATE_TEST_SUITE_P(Engines, RenewalsTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         [](const auto& info) { return db::testing::dialect_name(info.param); });

}  // namespace
}  // namespace ujumbe::billing
