// Money bounds against a real database (SQLite and PostgreSQL): random
// sequences of valid calls (top-ups, transfers, adjustments, credit limits,
// rate changes, sends, refunds, statements) never make a send credit a
// wallet or take it past its credit limit, never make a call fail with
// anything but a documented refusal, and never make a statement fail; and
// a month whose entries add up past int64 still gets its statement.

#include <gtest/gtest.h>

#include <random>

#include "billing/service.h"
#include "billing/store.h"
#include "contacts/testing_contacts.h"
#include "core/ids.h"
#include "identity/store.h"
#include "messaging/committer.h"
#include "messaging/service.h"

namespace ujumbe::billing {
namespace {

class BillingPropertyTest : public contacts::testing::ContactsTest {
protected:
    void SetUp() override {
        ContactsTest::SetUp();
        if (IsSkipped()) return;
        admin_ = platform_admin();
        billing_ = std::make_unique<BillingService>(db(), clock_, *identity_,
                                                    BillingOptions{.trial_credit = 0});
        committer_ = std::make_unique<messaging::Committer>(db(), "commits");
        messaging_ = std::make_unique<messaging::MessagingService>(
            db(), clock_, *identity_, *service_, *committer_, messaging::MessagingOptions{},
            messaging::MessagingPorts{.billing = billing_.get()});
    }
    void TearDown() override {
        if (committer_) committer_->stop();
        ContactsTest::TearDown();
    }

    Principal account(const std::string& name, AccountType type,
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
    Wallet wallet(const Principal& who) {
        auto w = billing_->wallet(who, std::nullopt);
        EXPECT_TRUE(w);
        return w ? *w : Wallet{};
    }
    std::string month() { return format_iso8601(clock_.now()).substr(0, 7); }

    Principal admin_;
    std::unique_ptr<BillingService> billing_;
    std::unique_ptr<messaging::Committer> committer_;
    std::unique_ptr<messaging::MessagingService> messaging_;
};

template <typename T>
Status status_of(const Result<T>& r) {
    if (!r) return r.error();
    return {};
}

// A refusal the API documents for a valid call; anything else is a bug.
bool documented_refusal(const Error& e) {
    return e.error_code == "INSUFFICIENT_BALANCE" || e.error_code == "AMOUNT_OUT_OF_RANGE";
}

TEST_P(BillingPropertyTest, NoSequenceOfValidCallsBreaksABalanceOrAStatement) {
    const auto reseller = account("Prop Reseller", AccountType::kReseller);
    const auto client = account("Prop Client", AccountType::kBusiness, reseller);
    const auto business = account("Prop Business", AccountType::kBusiness);
    const std::vector<Principal> payers = {reseller, client, business};
    std::mt19937_64 rng(20261201 + static_cast<int>(GetParam()));
    auto pick = [&](std::int64_t lo, std::int64_t hi) {
        // The bounds themselves half of the time: that is where overflow hides.
        const auto roll = rng() % 4;
        if (roll == 0) return lo;
        if (roll == 1) return hi;
        return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
    };
    std::vector<std::pair<Principal, MessageId>> sent;
    int sends = 0, refusals = 0;
    for (int step = 0; step < 400; ++step) {
        const auto op = rng() % 9;
        const std::string reference = new_uuid_v7();
        SCOPED_TRACE("step " + std::to_string(step) + ", op " + std::to_string(op));
        Status outcome;
        if (op == 0) {  // the admin tops up any account
            const auto& to = payers[rng() % payers.size()];
            outcome = status_of(billing_->topup(admin_, {.account_id = to.account_id,
                                                         .amount = pick(1, kMaxAmount),
                                                         .reference = reference}));
        } else if (op == 1) {  // the reseller tops up or transfers to its client
            MoneyMove move{.account_id = client.account_id,
                           .amount = pick(1, kMaxAmount),
                           .reference = reference};
            outcome = status_of(rng() % 2 ? billing_->topup(reseller, move)
                                          : billing_->transfer(reseller, move));
        } else if (op == 2) {  // the admin adjusts either way
            const auto& to = payers[rng() % payers.size()];
            auto amount = pick(1, kMaxAmount);
            if (rng() % 2) amount = -amount;
            outcome = status_of(billing_->adjust(admin_, {.account_id = to.account_id,
                                                          .amount = amount,
                                                          .reference = reference,
                                                          .description = "correction"}));
        } else if (op == 3) {  // credit limits
            const auto& to = payers[rng() % payers.size()];
            const auto& by = to.account_id == client.account_id ? reseller : admin_;
            outcome = status_of(billing_->set_credit_limit(
                by, {.account_id = to.account_id, .amount = pick(0, kMaxAmount)}));
        } else if (op == 4) {  // rate changes: the base card, the client's card
            if (rng() % 2) {
                outcome = status_of(
                    billing_->put_rate(admin_, {.prefix = "254", .price = pick(0, kMaxPrice)}));
            } else if (rng() % 2) {
                outcome = status_of(billing_->put_rate(reseller, {.account_id = client.account_id,
                                                                  .prefix = "254",
                                                                  .price = pick(0, kMaxPrice)}));
            } else {
                outcome =
                    status_of(billing_->put_rate(reseller, {.account_id = client.account_id,
                                                            .prefix = "254",
                                                            .markup_ppm = pick(0, 10'000'000)}));
            }
        } else if (op <= 6) {  // sends, up to the longest body (many segments)
            const auto& who = rng() % 2 ? client : business;
            const auto before = wallet(who);
            const auto reseller_before = wallet(reseller);
            const auto length = static_cast<std::size_t>(pick(1, 1600));
            std::string body;
            for (std::size_t i = 0; i < length; ++i) body += rng() % 2 ? "a" : "\xD0\x96";
            std::vector<messaging::SendRequest> requests;
            const auto n = 1 + rng() % 3;
            for (std::size_t i = 0; i < n; ++i)
                requests.push_back(
                    {.to = "+2547123456" + std::to_string(10 + ++sends % 80), .body = body});
            if (n == 1) {
                auto m = messaging_->send(who, requests.front());
                if (m) sent.emplace_back(who, m->id);
                outcome = m ? Status{} : Status(m.error());
            } else {
                auto r = messaging_->send_bulk(who, requests);
                if (r)
                    for (const auto& o : r->outcomes)
                        if (o.message) sent.emplace_back(who, o.message->id);
                outcome = r ? Status{} : Status(r.error());
            }
            const auto after = wallet(who);
            const auto reseller_after = wallet(reseller);
            // A send never credits a wallet, and what it charges never takes
            // one past its credit limit (a limit lowered under a debt is the
            // payer's to settle; the send is refused then).
            EXPECT_LE(after.balance, before.balance);
            if (after.balance < before.balance) {
                EXPECT_GE(after.balance, -after.credit_limit);
            }
            EXPECT_LE(reseller_after.balance, reseller_before.balance);
            if (reseller_after.balance < reseller_before.balance) {
                EXPECT_GE(reseller_after.balance, -reseller_after.credit_limit);
            }
        } else if (op == 7 && !sent.empty()) {  // a message fails: refunded
            const auto& [who, id] = sent[rng() % sent.size()];
            outcome = db().write(
                [&](db::Connection& c) { return billing_->finished(c, {id}, "failed"); });
        } else {  // statements add up to the balance
            for (const auto& who : payers) {
                auto s = billing_->statement(who, std::nullopt, month());
                ASSERT_TRUE(s) << s.error().message;
                EXPECT_TRUE(s->closing == wallet(who).balance);
            }
        }
        if (!outcome) {
            ++refusals;
            EXPECT_TRUE(documented_refusal(outcome.error()))
                << outcome.error().error_code << ": " << outcome.error().message;
        }
        for (const auto& who : payers) {
            const auto w = wallet(who);
            EXPECT_GE(w.balance, -kMaxAmount - kMaxAmount);  // a debt within a credit limit
            // Refunds may give back what a full wallet spent: at most one more charge.
            EXPECT_LE(w.balance, kMaxBalance + kMaxBalance + kMaxAmount);
        }
        if (HasFailure()) break;
    }
    for (const auto& who : payers) {
        auto s = billing_->statement(who, std::nullopt, month());
        ASSERT_TRUE(s) << s.error().message;
        EXPECT_TRUE(s->closing == wallet(who).balance);
    }
    // The run went through both: accepted sends and refused calls.
    EXPECT_GT(sent.size(), 20u);
    EXPECT_GT(refusals, 5);
}

TEST_P(BillingPropertyTest, AMonthWhoseEntriesAddUpPastInt64StillHasItsStatement) {
    const auto who = account("Big Month", AccountType::kBusiness);
    // Ten thousand top-ups of the largest amount: 1e19 micro-units, past int64.
    constexpr int kEntries = 10'000;
    std::vector<LedgerEntry> entries;
    for (int i = 0; i < kEntries; ++i) {
        LedgerEntry e;
        e.id = LedgerEntryId{new_uuid_v7(clock_.now())};
        e.account_id = who.account_id;
        e.currency = "USD";
        e.type = "topup";
        e.amount = kMaxAmount;
        e.balance_after = kMaxAmount;
        e.created_at = clock_.now();
        entries.push_back(std::move(e));
    }
    ASSERT_TRUE(db().write([&](db::Connection& c) { return store::insert_entries(c, entries); }));
    auto s = billing_->statement(who, std::nullopt, month());
    ASSERT_TRUE(s) << s.error().message;
    ASSERT_EQ(s->by_type.size(), 1u);
    EXPECT_EQ(s->by_type[0].entries, kEntries);
    EXPECT_EQ(format_money_sum(s->by_type[0].amount), "10000000000000");
    EXPECT_EQ(format_money_sum(s->closing), "10000000000000");
}

INSTANTIATE_TEST_SUITE_P(Engines, BillingPropertyTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         [](const auto& info) { return db::testing::dialect_name(info.param); });

}  // namespace
}  // namespace ujumbe::billing
