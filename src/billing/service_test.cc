// Billing against a real database (SQLite and PostgreSQL): charging in the
// accepting transaction under concurrency, reseller charging, credit limits,
// refunds once, top-up references, isolation.

#include "billing/service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "billing/store.h"
#include "contacts/testing_contacts.h"
#include "identity/store.h"
#include "messaging/committer.h"
#include "messaging/service.h"

namespace ujumbe::billing {
namespace {

// Plan limits on members and contacts are asked of billing, as the server
// wires them.
class BillingTest : public contacts::testing::ContactsTest,
                    private identity::AccountPolicy,
                    private contacts::ContactPolicy {
protected:
    void SetUp() override {
        identity_ports_.accounts = this;
        contacts_ports_.limits = this;
        ContactsTest::SetUp();
        if (IsSkipped()) return;
        admin_ = platform_admin();
        billing_ = std::make_unique<BillingService>(db(), clock_, *identity_,
                                                    BillingOptions{.trial_credit = 0});
        committer_ = std::make_unique<messaging::Committer>(db(), "commits");
        messaging_ = std::make_unique<messaging::MessagingService>(
            db(), clock_, *identity_, *service_, *committer_, messaging::MessagingOptions{},
            messaging::MessagingPorts{.billing = billing_.get()});
        ASSERT_TRUE(billing_->put_rate(admin_, {.prefix = "254", .price = kMicrosPerUnit}));
    }
    void TearDown() override {
        if (committer_) committer_->stop();
        ContactsTest::TearDown();
    }
    Status registered(db::Connection&, const identity::Account&) override { return {}; }
    Status check_member_limit(const AccountId& account, std::int64_t current) override {
        return billing_->check_plan_limit(account, "users", current);
    }
    Status check_contact_limit(const AccountId& account, std::int64_t current) override {
        return billing_->check_plan_limit(account, "contacts", current);
    }

    // An account of `type` under `parent` (none: under the platform) and its owner.
    Principal account(const std::string& name, AccountType type = AccountType::kBusiness,
                      const std::optional<Principal>& parent = std::nullopt) {
        auto a = identity::new_account(type, name, clock_.now());
        a.country = "KE";
        a.parent_id = parent ? parent->account_id : admin_.account_id;
        EXPECT_TRUE(
            db().write([&](db::Connection& c) { return identity::store::insert_account(c, a); }));
        return {.user_id = UserId{new_uuid_v7()},
                .account_id = a.id,
                .role = Role::kOwner,
                .account_type = type};
    }
    void topup(const Principal& by, const Principal& to, Micros6 amount) {
        auto r = billing_->topup(
            by, {.account_id = to.account_id, .amount = amount, .reference = new_uuid_v7()});
        ASSERT_TRUE(r) << r.error().message;
    }
    Micros6 balance(const Principal& who) {
        auto w = billing_->wallet(who, std::nullopt);
        EXPECT_TRUE(w);
        return w ? w->balance : -1;
    }
    std::vector<LedgerEntry> ledger(const Principal& who) {
        auto l = billing_->transactions(who, std::nullopt, {}, {.limit = 1000});
        EXPECT_TRUE(l);
        return l ? l->items : std::vector<LedgerEntry>{};
    }

    Principal admin_;
    std::unique_ptr<BillingService> billing_;
    std::unique_ptr<messaging::Committer> committer_;
    std::unique_ptr<messaging::MessagingService> messaging_;
};

TEST_P(BillingTest, ThirtyTwoSendersRacingOnAWalletThatPaysExactlyNGetExactlyN) {
    const auto who = account("Racer Ltd");
    constexpr int kPays = 20;
    topup(admin_, who, kPays * kMicrosPerUnit);
    std::atomic<int> accepted{0}, refused{0}, other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 32; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2; ++i) {
                auto r = messaging_->send(
                    who, {.to = "+2547123456" + std::to_string(10 + t), .body = "race"});
                if (r)
                    ++accepted;
                else if (r.error().error_code == "INSUFFICIENT_BALANCE")
                    ++refused;
                else
                    ++other;
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(accepted, kPays);
    EXPECT_EQ(refused, 64 - kPays);
    EXPECT_EQ(other, 0);
    EXPECT_EQ(balance(who), 0);
    Micros6 sum = 0;
    std::set<MessageId> charged;
    for (const auto& e : ledger(who)) {
        sum += e.amount;
        if (e.type == "charge") {
            EXPECT_TRUE(charged.insert(*e.message_id).second);
        }
    }
    EXPECT_EQ(sum, 0);  // the entries add up to the balance
    EXPECT_EQ(charged.size(), static_cast<std::size_t>(kPays));
    auto listed = messaging_->list(who, {}, {});
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->count, kPays);
}

// Writers racing to put the same line of a card leave one line, with one
// of their prices; lines that differ by card, gateway or prefix stay apart.
TEST_P(BillingTest, RacingWritersOfOneRateLineLeaveOneLine) {
    const auto client = account("Lines Ltd");
    std::atomic<int> failed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t)
        threads.emplace_back([&, t] {
            for (const auto& line :
                 {RateInput{.prefix = "2557", .price = 1000 + t},
                  RateInput{.account_id = client.account_id, .prefix = "2557", .price = 2000 + t}})
                if (!billing_->put_rate(admin_, line)) ++failed;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(failed, 0);
    auto count = [&](const std::string& where) {
        auto row = db().read([&](db::Connection& c) {
            return c.query_one("SELECT COUNT(*) FROM rates WHERE prefix = '2557' AND " + where);
        });
        EXPECT_TRUE(row && *row);
        return row && *row ? (*row)->i64(0) : -1;
    };
    EXPECT_EQ(count("account_id IS NULL"), 1);
    EXPECT_EQ(count("account_id = '" + client.account_id.value + "'"), 1);
    auto base = db().read([&](db::Connection& c) {
        return c.query_one("SELECT price FROM rates WHERE prefix = '2557' AND account_id IS NULL");
    });
    ASSERT_TRUE(base && *base);
    EXPECT_GE((*base)->i64(0), 1000);
    EXPECT_LT((*base)->i64(0), 1016);
    // The same prefix through one gateway is a line of its own.
    ASSERT_TRUE(billing_->put_rate(
        admin_, {.prefix = "2557", .price = 5, .gateway_id = GatewayId{"gw-line"}}));
    EXPECT_EQ(count("account_id IS NULL"), 2);
}

TEST_P(BillingTest, ABulkCallIsChargedWholeOrNotAtAll) {
    const auto who = account("Bulk Ltd");
    topup(admin_, who, 2 * kMicrosPerUnit);
    auto r = messaging_->send_bulk(who, {{.to = "+254712345671", .body = "a"},
                                         {.to = "+254712345672", .body = "b"},
                                         {.to = "+254712345673", .body = "c"}});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInsufficientBalance);
    EXPECT_EQ(r.error().details["required"], 3);
    EXPECT_EQ(balance(who), 2 * kMicrosPerUnit);
    EXPECT_EQ(messaging_->list(who, {}, {})->count, 0);
}

TEST_P(BillingTest, TheCreditLimitLetsTheBalanceGoThatFarBelowZero) {
    const auto who = account("Credit Ltd");
    ASSERT_TRUE(billing_->set_credit_limit(
        admin_, {.account_id = who.account_id, .amount = 2 * kMicrosPerUnit}));
    EXPECT_TRUE(messaging_->send(who, {.to = "+254712345678", .body = "one"}));
    EXPECT_TRUE(messaging_->send(who, {.to = "+254712345678", .body = "two"}));
    auto third = messaging_->send(who, {.to = "+254712345678", .body = "three"});
    ASSERT_FALSE(third);
    EXPECT_EQ(third.error().error_code, "INSUFFICIENT_BALANCE");
    EXPECT_EQ(balance(who), -2 * kMicrosPerUnit);
}

TEST_P(BillingTest, AResellersClientPaysItsPriceAndTheResellerPaysItsOwn) {
    const auto reseller = account("Reseller Ltd", AccountType::kReseller);
    const auto client = account("Client Ltd", AccountType::kBusiness, reseller);
    topup(admin_, reseller, 10 * kMicrosPerUnit);
    topup(reseller, client, 10 * kMicrosPerUnit);
    ASSERT_TRUE(billing_->put_rate(
        reseller, {.account_id = client.account_id, .prefix = "254", .price = 1'500'000}));
    auto m = messaging_->send(client, {.to = "+254712345678", .body = std::string(200, 'x')});
    ASSERT_TRUE(m);  // two segments
    EXPECT_EQ(m->price, 3'000'000);
    EXPECT_EQ(m->cost, 2'000'000);
    EXPECT_EQ(balance(client), 7 * kMicrosPerUnit);
    EXPECT_EQ(balance(reseller), 8 * kMicrosPerUnit);  // base price: 1 per segment
    bool found = false;
    for (const auto& e : ledger(reseller))
        if (e.type == "charge") {
            found = true;
            EXPECT_EQ(e.message_id, m->id);
            EXPECT_EQ(e.counterparty_id, client.account_id);
        }
    EXPECT_TRUE(found);
    // A markup set by the admin for the reseller raises what the reseller pays.
    ASSERT_TRUE(
        billing_->put_rate(admin_, {.account_id = reseller.account_id, .markup_ppm = 100'000}));
    ASSERT_TRUE(messaging_->send(client, {.to = "+254712345678", .body = "short"}));
    EXPECT_EQ(balance(reseller), 8 * kMicrosPerUnit - 1'100'000);
    // A reseller that cannot pay stops its client's send.
    ASSERT_TRUE(billing_->put_rate(admin_, {.prefix = "254", .price = 100 * kMicrosPerUnit}));
    ASSERT_TRUE(billing_->put_rate(reseller,
                                   {.account_id = client.account_id, .prefix = "254", .price = 1}));
    auto refused = messaging_->send(client, {.to = "+254712345678", .body = "x"});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().details["wallet"], "reseller");
}

TEST_P(BillingTest, AFailedMessageIsRefundedOnceEvenWhenRecordedTwice) {
    const auto who = account("Refund Ltd");
    topup(admin_, who, 5 * kMicrosPerUnit);
    auto m = messaging_->send(who, {.to = "+254712345678", .body = "x"});
    ASSERT_TRUE(m);
    EXPECT_EQ(balance(who), 4 * kMicrosPerUnit);
    for (int i = 0; i < 2; ++i)
        ASSERT_TRUE(
            db().write([&](db::Connection& c) { return billing_->refund(c, {m->id}, "failed"); }));
    EXPECT_EQ(balance(who), 5 * kMicrosPerUnit);
    int refunds = 0;
    for (const auto& e : ledger(who)) refunds += e.type == "refund" ? 1 : 0;
    EXPECT_EQ(refunds, 1);
}

TEST_P(BillingTest, AMonthlyStatementAddsUpAndShowsTheResellersRevenue) {
    const auto reseller = account("Stmt Reseller", AccountType::kReseller);
    const auto client = account("Stmt Client", AccountType::kBusiness, reseller);
    topup(admin_, reseller, 10 * kMicrosPerUnit);
    topup(reseller, client, 10 * kMicrosPerUnit);
    ASSERT_TRUE(billing_->put_rate(
        reseller, {.account_id = client.account_id, .prefix = "254", .price = 1'500'000}));
    ASSERT_TRUE(messaging_->send(client, {.to = "+254712345678", .body = "one"}));
    ASSERT_TRUE(messaging_->send(client, {.to = "+254712345679", .body = "two"}));
    const std::string month = format_iso8601(clock_.now()).substr(0, 7);
    auto client_statement = billing_->statement(client, std::nullopt, month);
    ASSERT_TRUE(client_statement);
    EXPECT_EQ(client_statement->opening, 0);
    EXPECT_EQ(client_statement->closing, 7 * kMicrosPerUnit);
    EXPECT_EQ(client_statement->closing, balance(client));
    ASSERT_EQ(client_statement->charges.size(), 1u);
    EXPECT_EQ(client_statement->charges[0].country, "KE");
    EXPECT_EQ(client_statement->charges[0].messages, 2);
    EXPECT_EQ(client_statement->charges[0].amount, -3 * kMicrosPerUnit);
    auto reseller_statement = billing_->statement(reseller, std::nullopt, month);
    ASSERT_TRUE(reseller_statement);
    EXPECT_EQ(reseller_statement->closing, balance(reseller));
    ASSERT_EQ(reseller_statement->children.size(), 1u);
    EXPECT_EQ(reseller_statement->children[0].account_id, client.account_id);
    EXPECT_EQ(reseller_statement->children[0].client_paid, 3 * kMicrosPerUnit);
    EXPECT_EQ(reseller_statement->children[0].reseller_paid, 2 * kMicrosPerUnit);
    EXPECT_EQ(reseller_statement->children[0].revenue, kMicrosPerUnit);
    // The next month opens with this one's closing balance.
    clock_.advance(40LL * 86'400 * kMicrosPerSecond);
    auto next =
        billing_->statement(client, std::nullopt, format_iso8601(clock_.now()).substr(0, 7));
    ASSERT_TRUE(next);
    EXPECT_EQ(next->opening, 7 * kMicrosPerUnit);
    EXPECT_TRUE(next->by_type.empty());
    EXPECT_FALSE(billing_->statement(client, std::nullopt, "2026-13"));
    EXPECT_FALSE(billing_->statement(client, reseller.account_id, month));
}

TEST_P(BillingTest, ASubscriptionChargesItsFeeAndItsPlanCapsDailyMessages) {
    const auto who = account("Plan Ltd");
    auto payg = billing_->subscription(who);
    ASSERT_TRUE(payg);
    EXPECT_TRUE(payg->is_default);
    EXPECT_EQ(payg->plan.code, "pay_as_you_go");
    auto refused = billing_->subscribe(who, "starter");  // 10.00 a month, nothing in the wallet
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kInsufficientBalance);
    EXPECT_FALSE(billing_->subscribe(who, "no-such-plan"));
    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return db::done(c.query(
            "INSERT INTO plans (id, code, name, monthly_fee, included_messages, max_users, "
            "max_contacts, max_messages_per_day, sort_order, created_at) VALUES "
            "('01a20000-0000-7000-8000-0000000000aa', 'tiny', 'Tiny', 1000000, 10, 1, 10, 2, 9, "
            "0)"));
    }));
    topup(admin_, who, 5 * kMicrosPerUnit);
    auto sub = billing_->subscribe(who, "tiny");
    ASSERT_TRUE(sub) << sub.error().message;
    EXPECT_FALSE(sub->is_default);
    EXPECT_EQ(balance(who), 4 * kMicrosPerUnit);
    ASSERT_TRUE(messaging_->send(who, {.to = "+254712345678", .body = "one"}));
    ASSERT_TRUE(messaging_->send(who, {.to = "+254712345678", .body = "two"}));
    auto third = messaging_->send(who, {.to = "+254712345678", .body = "three"});
    ASSERT_FALSE(third);
    EXPECT_EQ(third.error().error_code, "DAILY_LIMIT_REACHED");
    EXPECT_EQ(third.error().details["scope"], "plan");
    auto usage = billing_->usage(who);
    ASSERT_TRUE(usage);
    EXPECT_EQ(usage->spend, kMicrosPerUnit);  // the fee: both messages were included
    EXPECT_EQ(usage->subscription.included_used, 2);
    auto plans = billing_->plans();
    ASSERT_TRUE(plans);
    EXPECT_GE(plans->size(), 4u);

    // Tiny allows 10 contacts and 1 user.
    for (int i = 0; i < 10; ++i)
        ASSERT_TRUE(service_->upsert(who, {.phone = "+2547110000" + std::to_string(10 + i)}));
    auto eleventh = service_->upsert(who, {.phone = "+254711000099"});
    ASSERT_FALSE(eleventh);
    EXPECT_EQ(eleventh.error().error_code, "PLAN_LIMIT_REACHED");
    EXPECT_EQ(eleventh.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_TRUE(service_->upsert(who, {.name = "Known", .phone = "+254711000010"}));  // an update
    // The test's owner has no membership row: the first member is the one user allowed.
    auto add = [&](const std::string& email) {
        auto invited =
            identity_->invite(who, {.email = email, .name = "Member", .role = Role::kAgent});
        EXPECT_TRUE(invited);
        return identity_->accept_invitation_token(
            {invited->token, std::nullopt, "a-long-password-1"}, "10.0.0.1");
    };
    EXPECT_TRUE(add("first@example.com"));
    auto second = add("second@example.com");
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().error_code, "PLAN_LIMIT_REACHED");
    EXPECT_EQ(second.error().details["resource"], "users");
}

TEST_P(BillingTest, TheBaseCardCanPriceWhatEachGatewayCosts) {
    const GatewayId gateway{new_uuid_v7()};
    ASSERT_TRUE(
        billing_->put_rate(admin_, {.prefix = "2547", .price = 400'000, .gateway_id = gateway}));
    const auto who = account("Cost Ltd");
    EXPECT_FALSE(billing_->put_rate(
        admin_,
        {.account_id = who.account_id, .prefix = "254", .price = 1, .gateway_id = gateway}));
    auto costs = db().read([&](db::Connection& c) {
        return billing_->gateway_costs(c, gateway,
                                       {{MessageId{"m1"}, "sms", "+254712345678", 2},
                                        {MessageId{"m2"}, "sms", "+254212345678", 1}});
    });
    ASSERT_TRUE(costs);
    ASSERT_EQ(costs->size(), 1u);  // m2 is not priced by the gateway's lines
    EXPECT_EQ(costs->front(), (std::pair<MessageId, Micros6>{MessageId{"m1"}, 800'000}));
    auto other = db().read([&](db::Connection& c) {
        return billing_->gateway_costs(c, GatewayId{new_uuid_v7()},
                                       {{MessageId{"m1"}, "sms", "+254712345678", 2}});
    });
    ASSERT_TRUE(other);
    EXPECT_TRUE(other->empty());
    // Selling prices ignore gateway lines: the base price is still 1.
    auto m = messaging_->send(who, {.to = "+254712345678", .body = "x"});
    ASSERT_FALSE(m);  // the wallet is empty and the message costs 1
    EXPECT_EQ(m.error().details["required"], 1);
}

TEST_P(BillingTest, MessagesIncludedInThePlanCostNothingUntilTheyRunOut) {
    const auto who = account("Included Ltd");
    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return db::done(c.query(
            "INSERT INTO plans (id, code, name, monthly_fee, included_messages, sort_order, "
            "created_at) VALUES ('01a20000-0000-7000-8000-0000000000bb', 'two', 'Two', 0, 2, "
            "9, 0)"));
    }));
    ASSERT_TRUE(billing_->subscribe(who, "two"));
    topup(admin_, who, 5 * kMicrosPerUnit);
    auto bulk = messaging_->send_bulk(who, {{.to = "+254712345671", .body = "a"},
                                            {.to = "+254712345672", .body = "b"},
                                            {.to = "+254712345673", .body = "c"}});
    ASSERT_TRUE(bulk);
    EXPECT_EQ(bulk->outcomes[0].message->price, 0);
    EXPECT_EQ(bulk->outcomes[1].message->price, 0);
    EXPECT_EQ(bulk->outcomes[2].message->price, kMicrosPerUnit);
    EXPECT_EQ(balance(who), 4 * kMicrosPerUnit);
    auto stored = messaging_->get(who, bulk->outcomes[0].message->id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->message.price, 0);
    // A new period (subscribing again) starts with all of them again.
    ASSERT_TRUE(billing_->subscribe(who, "two"));
    auto next = messaging_->send(who, {.to = "+254712345674", .body = "d"});
    ASSERT_TRUE(next);
    EXPECT_EQ(next->price, 0);
}

// A send's billing terms are cached at the settings epoch: every change of
// a rate, plan or subscription moves it, so the next send prices and caps
// by the change; sending itself (counting included messages) does not.
TEST_P(BillingTest, RateAndPlanChangesApplyToTheNextSendDespiteTheCache) {
    auto epoch = [&] {
        auto e = db().read([](db::Connection& c) { return db::settings_epoch(c); });
        EXPECT_TRUE(e);
        return e ? *e : -1;
    };
    auto who = account("Cached Ltd");
    topup(admin_, who, 10 * kMicrosPerUnit);
    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return db::done(
            c.query("INSERT INTO plans (id, code, name, monthly_fee, included_messages, "
                    "max_messages_per_day, sort_order, created_at) VALUES "
                    "('01a20000-0000-7000-8000-0000000000cc', 'one', 'One', 0, 1, 100, 9, 0)"));
    }));
    ASSERT_TRUE(billing_->subscribe(who, "one"));
    auto send = [&](const std::string& body) {
        who.settings_epoch = epoch();  // as a credential check reads it
        return messaging_->send(who, {.to = "+254712345678", .body = body});
    };
    const auto settled = epoch();
    auto first = send("included");
    ASSERT_TRUE(first);
    EXPECT_EQ(first->price, 0);
    auto second = send("priced");
    ASSERT_TRUE(second);
    EXPECT_EQ(second->price, kMicrosPerUnit);
    EXPECT_EQ(epoch(), settled);  // charging and counting included messages

    ASSERT_TRUE(billing_->put_rate(admin_, {.prefix = "2547", .price = 3 * kMicrosPerUnit}));
    EXPECT_GT(epoch(), settled);
    auto repriced = send("repriced");
    ASSERT_TRUE(repriced);
    EXPECT_EQ(repriced->price, 3 * kMicrosPerUnit);

    const auto before_cap = epoch();
    ASSERT_TRUE(db().write([](db::Connection& c) {
        return db::done(c.query("UPDATE plans SET max_messages_per_day = 3 WHERE code = 'one'"));
    }));
    EXPECT_GT(epoch(), before_cap);
    auto capped = send("over the cap");
    ASSERT_FALSE(capped);
    EXPECT_EQ(capped.error().error_code, "DAILY_LIMIT_REACHED");
    ASSERT_TRUE(db().write([](db::Connection& c) {
        return db::done(c.query("UPDATE plans SET max_messages_per_day = NULL WHERE code = 'one'"));
    }));
    EXPECT_TRUE(send("uncapped"));
}

TEST_P(BillingTest, ThePlatformAdminAdjustsABalanceEitherWayWithAReason) {
    const auto who = account("Adjusted Ltd");
    auto up = billing_->adjust(admin_, {.account_id = who.account_id,
                                        .amount = 3 * kMicrosPerUnit,
                                        .reference = "adj-1",
                                        .description = "Goodwill credit"});
    ASSERT_TRUE(up);
    EXPECT_EQ(up->entry.type, "adjustment");
    auto down = billing_->adjust(admin_, {.account_id = who.account_id,
                                          .amount = -2 * kMicrosPerUnit,
                                          .reference = "adj-2",
                                          .description = "Correction"});
    ASSERT_TRUE(down);
    EXPECT_EQ(down->entry.balance_after, kMicrosPerUnit);
    auto too_far = billing_->adjust(admin_, {.account_id = who.account_id,
                                             .amount = -2 * kMicrosPerUnit,
                                             .reference = "adj-3",
                                             .description = "Too much"});
    ASSERT_FALSE(too_far);
    EXPECT_EQ(too_far.error().code, ErrorCode::kInsufficientBalance);
    EXPECT_FALSE(billing_->adjust(
        who,
        {.account_id = who.account_id, .amount = 1, .reference = "self", .description = "no"}));
    EXPECT_FALSE(billing_->adjust(
        admin_,
        {.account_id = who.account_id, .amount = 1, .reference = "why"}));  // no reason given
    EXPECT_EQ(balance(who), kMicrosPerUnit);
}

TEST_P(BillingTest, ATopUpReferenceIsUsedOnce) {
    const auto who = account("Topup Ltd");
    MoneyMove in{.account_id = who.account_id, .amount = kMicrosPerUnit, .reference = "r1"};
    auto first = billing_->topup(admin_, in);
    ASSERT_TRUE(first);
    EXPECT_FALSE(first->replayed);
    auto again = billing_->topup(admin_, in);
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->replayed);
    EXPECT_EQ(again->entry.id, first->entry.id);
    in.amount = 2 * kMicrosPerUnit;
    auto reused = billing_->topup(admin_, in);
    ASSERT_FALSE(reused);
    EXPECT_EQ(reused.error().error_code, "REFERENCE_REUSED");
    EXPECT_EQ(balance(who), kMicrosPerUnit);
}

TEST_P(BillingTest, AnAccountSeesOnlyWalletsItManages) {
    const auto a = account("A Ltd");
    const auto b = account("B Ltd");
    const auto reseller = account("R Ltd", AccountType::kReseller);
    const auto sibling = account("S Ltd", AccountType::kReseller);
    const auto client = account("C Ltd", AccountType::kBusiness, reseller);
    EXPECT_FALSE(billing_->wallet(a, b.account_id));
    EXPECT_FALSE(billing_->transactions(a, b.account_id, {}, {}));
    EXPECT_TRUE(billing_->wallet(reseller, client.account_id));
    EXPECT_FALSE(billing_->wallet(sibling, client.account_id));
    EXPECT_FALSE(
        billing_->topup(sibling, {.account_id = client.account_id, .amount = 1, .reference = "x"}));
    EXPECT_FALSE(
        billing_->topup(a, {.account_id = a.account_id, .amount = 1, .reference = "self"}));
}

INSTANTIATE_TEST_SUITE_P(Engines, BillingTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         [](const auto& info) { return db::testing::dialect_name(info.param); });

}  // namespace
}  // namespace ujumbe::billing
