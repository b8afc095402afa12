// The billing store on both engines: rate cards (the base card apart from
// accounts' cards, gateway lines apart from every-gateway lines), wallets and
// their bounds, the ledger and its sums, references, refunds once, plans.

#include "billing/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "contacts/testing_contacts.h"
#include "core/ids.h"

namespace ujumbe::billing {
namespace {

constexpr Micros kMinute = 60 * kMicrosPerSecond;
constexpr Micros kDay = 86'400 * kMicrosPerSecond;
constexpr const char* kCurrency = "KES";

class BillingStoreTest : public contacts::testing::ContactsTest {
protected:
    void SetUp() override {
        ContactsTest::SetUp();
        if (IsSkipped()) return;
        mine_ = owner_of("Mine Ltd", "KE").account_id;
        theirs_ = owner_of("Theirs Ltd", "KE").account_id;
    }

    // `r` stored with a fresh id, the currency and the clock's time.
    Rate stored(Rate r) {
        r.id = RateId{new_uuid_v7(clock_.now())};
        r.currency = kCurrency;
        r.created_at = r.updated_at = clock_.now();
        auto s = db().write([&](db::Connection& c) { return store::insert_rate(c, r); });
        EXPECT_TRUE(s) << (s ? "" : s.error().message);
        return r;
    }
    // The ids of the owner's card, sorted.
    std::vector<std::string> card_ids(const store::CardOwner& owner) {
        auto card = db().read([&](db::Connection& c) { return store::card_of(c, owner); });
        EXPECT_TRUE(card);
        std::vector<std::string> ids;
        if (card) {
            for (const auto& r : *card) ids.push_back(r.id.value);
        }
        std::sort(ids.begin(), ids.end());
        return ids;
    }
    std::optional<Rate> line(const store::CardOwner& owner, const std::string& prefix,
                             const std::string& gateway = "", const std::string& country = "",
                             const std::string& channel = "sms") {
        auto found = db().read([&](db::Connection& c) {
            return store::find_line(c, owner, channel, prefix, country, gateway);
        });
        EXPECT_TRUE(found);
        return found ? *found : std::nullopt;
    }

    LedgerEntry entry(const AccountId& who, const char* type, Micros6 amount, Micros at) {
        return {.id = LedgerEntryId{new_uuid_v7(at)},
                .account_id = who,
                .currency = kCurrency,
                .type = type,
                .amount = amount,
                .created_at = at};
    }
    Status insert(const LedgerEntry& e) {
        return db().write([&](db::Connection& c) { return store::insert_entries(c, {e}); });
    }
    // Moves the wallet by `amount` and records the entry with the balance
    // after it, as the service does.
    LedgerEntry posted(const AccountId& who, const char* type, Micros6 amount, Micros at,
                       std::optional<MessageId> message_id = std::nullopt) {
        LedgerEntry e = entry(who, type, amount, at);
        e.message_id = std::move(message_id);
        if (e.message_id) {
            e.channel = "sms";
            e.country = "KE";
        }
        auto s = db().write([&](db::Connection& c) -> Status {
            UJ_TRY(store::ensure_wallet(c, who, kCurrency, at));
            UJ_ASSIGN(auto after, store::move_balance(c, who, kCurrency, amount, at));
            if (!after) return Error::conflict("REFUSED", "move_balance refused the entry");
            e.balance_after = *after;
            return store::insert_entries(c, {e});
        });
        EXPECT_TRUE(s) << (s ? "" : s.error().message);
        return e;
    }
    std::optional<Micros6> moved(const AccountId& who, Micros6 delta,
                                 Micros6 ceiling = kMaxBalance) {
        auto r = db().write([&](db::Connection& c) {
            return store::move_balance(c, who, kCurrency, delta, clock_.now(), ceiling);
        });
        EXPECT_TRUE(r);
        return r ? *r : std::nullopt;
    }
    Micros6 balance(const AccountId& who) {
        auto w =
            db().read([&](db::Connection& c) { return store::find_wallet(c, who, kCurrency); });
        EXPECT_TRUE(w && *w);
        return w && *w ? (*w)->balance : -1;
    }
    MoneySum charged(const AccountId& who, Micros from, Micros until) {
        auto sum =
            db().read([&](db::Connection& c) { return store::charged(c, who, from, until); });
        EXPECT_TRUE(sum);
        return sum ? *sum : MoneySum{1};
    }

    Plan plan(const std::string& code) {
        auto p = db().read([&](db::Connection& c) { return store::find_plan(c, code); });
        EXPECT_TRUE(p && *p) << code;
        return p && *p ? **p : Plan{};
    }
    void subscribe(const AccountId& who, const Plan& p, Micros start, Micros end,
                   const std::string& status = "active") {
        const Subscription s{.account_id = who,
                             .plan = p,
                             .status = status,
                             .period_start = start,
                             .period_end = end};
        ASSERT_TRUE(
            db().write([&](db::Connection& c) { return store::put_subscription(c, s, start); }));
    }
    std::int64_t use_included(const AccountId& who, std::int64_t n, Micros at) {
        auto r = db().write([&](db::Connection& c) { return store::use_included(c, who, n, at); });
        EXPECT_TRUE(r);
        return r ? *r : -1;
    }

    AccountId mine_, theirs_;
};

TEST_P(BillingStoreTest, TheBaseCardAndAnAccountsCardAreKeptApart) {
    const auto base = stored({.prefix = "254", .price = kMicrosPerUnit});
    const auto own = stored({.account_id = mine_, .prefix = "254", .markup_ppm = 100'000});
    const auto own_only =
        stored({.account_id = mine_, .prefix = "255", .price = 2 * kMicrosPerUnit});
    const std::vector<std::string> base_ids{base.id.value};
    EXPECT_EQ(card_ids(std::nullopt), base_ids);
    std::vector<std::string> own_ids{own.id.value, own_only.id.value};
    std::sort(own_ids.begin(), own_ids.end());
    EXPECT_EQ(card_ids(mine_), own_ids);
    EXPECT_TRUE(card_ids(theirs_).empty());

    const auto base_line = line(std::nullopt, "254");
    ASSERT_TRUE(base_line);
    EXPECT_EQ(base_line->id, base.id);
    EXPECT_FALSE(base_line->account_id);
    EXPECT_EQ(base_line->price, kMicrosPerUnit);
    const auto own_line = line(mine_, "254");
    ASSERT_TRUE(own_line);
    EXPECT_EQ(own_line->id, own.id);
    EXPECT_EQ(own_line->account_id, mine_);
    EXPECT_FALSE(own_line->price);
    EXPECT_EQ(own_line->markup_ppm, 100'000);
    EXPECT_FALSE(line(std::nullopt, "255"));  // an account's line is not the base card's
    EXPECT_FALSE(line(theirs_, "254"));       // nor another account's
    EXPECT_FALSE(line(mine_, "2547"));        // a line is found by its exact prefix only
}

TEST_P(BillingStoreTest, AGatewaysLineIsApartFromTheLineForEveryGateway) {
    const auto every = stored({.prefix = "254", .price = kMicrosPerUnit});
    const auto via_a = stored({.prefix = "254", .price = 400'000, .gateway_id = GatewayId{"gw-a"}});
    const auto by_country = stored({.country = "KE", .price = 900'000});

    const auto every_line = line(std::nullopt, "254");
    ASSERT_TRUE(every_line);
    EXPECT_EQ(every_line->id, every.id);
    EXPECT_FALSE(every_line->gateway_id);
    const auto a_line = line(std::nullopt, "254", "gw-a");
    ASSERT_TRUE(a_line);
    EXPECT_EQ(a_line->id, via_a.id);
    EXPECT_EQ(a_line->gateway_id, GatewayId{"gw-a"});
    EXPECT_EQ(a_line->price, 400'000);
    EXPECT_FALSE(line(std::nullopt, "254", "gw-b"));  // no line of its own
    EXPECT_FALSE(line(std::nullopt, "254", "", "", "whatsapp"));
    const auto country_line = line(std::nullopt, "", "", "KE");
    ASSERT_TRUE(country_line);
    EXPECT_EQ(country_line->id, by_country.id);
    EXPECT_FALSE(line(std::nullopt, "", "", "TZ"));

    std::vector<std::string> all{every.id.value, via_a.id.value, by_country.id.value};
    std::sort(all.begin(), all.end());
    EXPECT_EQ(card_ids(std::nullopt), all);
}

TEST_P(BillingStoreTest, AnUpdateChangesOnlyALinesPriceAndADeleteRemovesOnlyThatLine) {
    const auto base = stored({.prefix = "254", .price = kMicrosPerUnit});
    const auto own = stored({.account_id = mine_, .prefix = "254", .price = 2 * kMicrosPerUnit});
    clock_.advance(kMinute);
    Rate changed = own;
    changed.prefix = "255";  // not a price: stays as stored
    changed.price = std::nullopt;
    changed.markup_ppm = 150'000;
    changed.updated_at = clock_.now();
    ASSERT_TRUE(db().write([&](db::Connection& c) { return store::update_rate(c, changed); }));

    auto found = db().read([&](db::Connection& c) { return store::find_rate(c, own.id); });
    ASSERT_TRUE(found);
    ASSERT_TRUE(*found);
    const Rate& r = **found;
    EXPECT_EQ(r.account_id, mine_);
    EXPECT_EQ(r.channel, "sms");
    EXPECT_EQ(r.prefix, "254");
    EXPECT_FALSE(r.price);
    EXPECT_EQ(r.markup_ppm, 150'000);
    EXPECT_EQ(r.currency, kCurrency);
    EXPECT_EQ(r.created_at, own.created_at);
    EXPECT_EQ(r.updated_at, changed.updated_at);

    ASSERT_TRUE(db().write([&](db::Connection& c) { return store::delete_rate(c, own.id); }));
    auto gone = db().read([&](db::Connection& c) { return store::find_rate(c, own.id); });
    ASSERT_TRUE(gone);
    EXPECT_FALSE(*gone);
    EXPECT_TRUE(card_ids(mine_).empty());
    const std::vector<std::string> base_ids{base.id.value};
    EXPECT_EQ(card_ids(std::nullopt), base_ids);
}

TEST_P(BillingStoreTest, ABalanceMovesOnlyWithinItsCreditLimitAndCeiling) {
    EXPECT_FALSE(moved(mine_, kMicrosPerUnit));  // no wallet yet: nothing moves
    const Micros created = clock_.now();
    auto wallet = db().write(
        [&](db::Connection& c) { return store::ensure_wallet(c, mine_, kCurrency, created); });
    ASSERT_TRUE(wallet);
    EXPECT_EQ(wallet->balance, 0);
    EXPECT_EQ(wallet->credit_limit, 0);

    EXPECT_EQ(moved(mine_, 5 * kMicrosPerUnit), 5 * kMicrosPerUnit);
    EXPECT_FALSE(moved(mine_, -6 * kMicrosPerUnit));                     // below zero
    EXPECT_FALSE(moved(mine_, 2 * kMicrosPerUnit, 6 * kMicrosPerUnit));  // past the ceiling
    EXPECT_EQ(moved(mine_, kMicrosPerUnit, 6 * kMicrosPerUnit), 6 * kMicrosPerUnit);  // up to it
    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return store::set_credit_limit(c, mine_, kCurrency, 2 * kMicrosPerUnit, created);
    }));
    EXPECT_EQ(moved(mine_, -8 * kMicrosPerUnit), -2 * kMicrosPerUnit);
    EXPECT_FALSE(moved(mine_, -1));  // one micro-unit past the credit limit
    EXPECT_EQ(balance(mine_), -2 * kMicrosPerUnit);
    // The credit limit lowered below the debt: payments still come in, spending does not.
    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return store::set_credit_limit(c, mine_, kCurrency, 0, created);
    }));
    EXPECT_FALSE(moved(mine_, -1));
    EXPECT_EQ(moved(mine_, kMicrosPerUnit), -kMicrosPerUnit);
    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return store::set_credit_limit(c, mine_, kCurrency, 2 * kMicrosPerUnit, created);
    }));
    EXPECT_EQ(moved(mine_, -kMicrosPerUnit), -2 * kMicrosPerUnit);

    clock_.advance(kMinute);
    auto again = db().write(
        [&](db::Connection& c) { return store::ensure_wallet(c, mine_, kCurrency, clock_.now()); });
    ASSERT_TRUE(again);
    EXPECT_EQ(again->balance, -2 * kMicrosPerUnit);  // kept, not reset
    EXPECT_EQ(again->credit_limit, 2 * kMicrosPerUnit);
    EXPECT_EQ(again->created_at, created);
    auto others =
        db().read([&](db::Connection& c) { return store::find_wallet(c, theirs_, kCurrency); });
    ASSERT_TRUE(others);
    EXPECT_FALSE(*others);
    auto dollars =
        db().read([&](db::Connection& c) { return store::find_wallet(c, mine_, "USD"); });
    ASSERT_TRUE(dollars);
    EXPECT_FALSE(*dollars);
}

TEST_P(BillingStoreTest, EntriesFollowTheBalanceAndChargedSumsOnlyChargesInTheWindow) {
    const Micros from = clock_.now(), until = from + 10 * kMinute;
    posted(mine_, entry_type::kTopup, 10 * kMicrosPerUnit, from - 1);
    posted(mine_, entry_type::kCharge, -kMicrosPerUnit, from, MessageId{"m-1"});
    posted(mine_, entry_type::kCharge, -2 * kMicrosPerUnit, from + kMinute, MessageId{"m-2"});
    const auto refund = posted(mine_, entry_type::kRefund, 2 * kMicrosPerUnit, from + 2 * kMinute,
                               MessageId{"m-2"});
    const auto late =
        posted(mine_, entry_type::kCharge, -4 * kMicrosPerUnit, until, MessageId{"m-3"});
    posted(theirs_, entry_type::kTopup, 100 * kMicrosPerUnit, from);
    posted(theirs_, entry_type::kCharge, -50 * kMicrosPerUnit, from + kMinute, MessageId{"m-9"});

    EXPECT_EQ(refund.balance_after, 9 * kMicrosPerUnit);
    EXPECT_EQ(late.balance_after, 5 * kMicrosPerUnit);
    EXPECT_EQ(balance(mine_), 5 * kMicrosPerUnit);
    EXPECT_EQ(balance(theirs_), 50 * kMicrosPerUnit);

    // [from, until): m-1 and m-2, not the refund, not m-3 at `until`, not theirs.
    EXPECT_EQ(charged(mine_, from, until), -3 * kMicrosPerUnit);
    EXPECT_EQ(charged(mine_, until, until + 1), -4 * kMicrosPerUnit);
    EXPECT_EQ(charged(mine_, from + kMinute + 1, until), 0);
    EXPECT_EQ(charged(mine_, from - 1, from), 0);  // a top-up is no charge
    EXPECT_EQ(charged(theirs_, from, until), -50 * kMicrosPerUnit);

    auto s = db().read(
        [&](db::Connection& c) { return store::statement(c, mine_, kCurrency, from, until); });
    ASSERT_TRUE(s);
    EXPECT_EQ(s->opening, 10 * kMicrosPerUnit);
    EXPECT_EQ(s->closing, 9 * kMicrosPerUnit);
    ASSERT_EQ(s->by_type.size(), 2u);
    EXPECT_EQ(s->by_type[0].type, "charge");
    EXPECT_EQ(s->by_type[0].entries, 2);
    EXPECT_EQ(s->by_type[0].amount, -3 * kMicrosPerUnit);
    EXPECT_EQ(s->by_type[1].type, "refund");
    EXPECT_EQ(s->by_type[1].amount, 2 * kMicrosPerUnit);
    ASSERT_EQ(s->charges.size(), 1u);
    EXPECT_EQ(s->charges[0].country, "KE");
    EXPECT_EQ(s->charges[0].messages, 2);
}

TEST_P(BillingStoreTest, TheDailyTotalsFollowEveryEntryAndARebuildFindsTheSame) {
    const Micros start = clock_.now() - clock_.now() % kDay;  // a day's first instant
    const std::int64_t day = start / kDay;
    posted(mine_, entry_type::kTopup, 10 * kMicrosPerUnit, start);
    // Amounts with micro-units, and enough of them to carry into the units.
    for (int i = 0; i < 3; ++i)
        posted(mine_, entry_type::kCharge, -1'700'000, start + i + 1,
               MessageId{"m-" + std::to_string(i)});
    posted(mine_, entry_type::kRefund, 1'700'000, start + 10, MessageId{"m-0"});
    posted(mine_, entry_type::kCharge, -kMicrosPerUnit, start + kDay, MessageId{"m-9"});
    posted(theirs_, entry_type::kTopup, 10 * kMicrosPerUnit, start);
    posted(theirs_, entry_type::kCharge, -5 * kMicrosPerUnit, start, MessageId{"t-1"});

    const auto days = [&](const AccountId& who, std::int64_t first, std::int64_t past) {
        auto r = db().read(
            [&](db::Connection& c) { return store::daily_ledger(c, who, kCurrency, first, past); });
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        return r ? *r : std::vector<DailyLedger>{};
    };
    const auto check = [&] {
        const auto mine = days(mine_, day, day + 2);
        ASSERT_EQ(mine.size(), 4u);
        EXPECT_EQ(mine[0].day, day);
        EXPECT_EQ(mine[0].type, "charge");
        EXPECT_EQ(mine[0].channel, "sms");
        EXPECT_EQ(mine[0].country, "KE");
        EXPECT_EQ(mine[0].entries, 3);
        EXPECT_TRUE(mine[0].amount == -5'100'000);
        EXPECT_EQ(mine[1].type, "refund");
        EXPECT_TRUE(mine[1].amount == 1'700'000);
        EXPECT_EQ(mine[2].type, "topup");
        EXPECT_EQ(mine[2].channel, "");
        EXPECT_TRUE(mine[2].amount == 10 * kMicrosPerUnit);
        EXPECT_EQ(mine[3].day, day + 1);
        EXPECT_EQ(days(mine_, day + 1, day + 2).size(), 1u);
        EXPECT_EQ(days(mine_, day + 2, day + 3).size(), 0u);
        const auto theirs = days(theirs_, day, day + 2);
        ASSERT_EQ(theirs.size(), 2u);
        EXPECT_TRUE(theirs[0].amount == -5 * kMicrosPerUnit);
        EXPECT_TRUE(theirs[1].amount == 10 * kMicrosPerUnit);
    };
    check();
    auto rebuilt = db().write([](db::Connection& c) { return store::rebuild_ledger_rollups(c); });
    ASSERT_TRUE(rebuilt) << rebuilt.error().message;
    EXPECT_EQ(*rebuilt, 6);
    check();
}

TEST_P(BillingStoreTest, OneAccountsEntriesNeverShowInAnothers) {
    const Micros at = clock_.now();
    auto topup = entry(mine_, entry_type::kTopup, 5 * kMicrosPerUnit, at);
    topup.reference = "ref-1";
    auto charge = entry(mine_, entry_type::kCharge, -kMicrosPerUnit, at + 1);
    charge.message_id = MessageId{"m-1"};
    auto refund = entry(mine_, entry_type::kRefund, kMicrosPerUnit, at + 2);
    refund.message_id = MessageId{"m-1"};
    const auto theirs = entry(theirs_, entry_type::kTopup, 7 * kMicrosPerUnit, at);
    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return store::insert_entries(c, {topup, charge, refund, theirs});
    }));

    ASSERT_TRUE(db().read([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto listed, store::list_entries(c, theirs_, {}, {}));
        EXPECT_EQ(listed.count, 1);
        for (const auto& e : listed.items) EXPECT_EQ(e.id, theirs.id);
        UJ_ASSIGN(auto exported, store::entries_after(c, theirs_, {}, "", 100));
        EXPECT_EQ(exported.size(), 1u);
        UJ_ASSIGN(auto by_message,
                  store::list_entries(c, theirs_, {.message_id = MessageId{"m-1"}}, {}));
        EXPECT_EQ(by_message.count, 0);
        UJ_ASSIGN(auto by_reference,
                  store::find_by_reference(c, theirs_, entry_type::kTopup, "ref-1"));
        EXPECT_FALSE(by_reference);
        UJ_ASSIGN(bool was_refunded, store::refunded(c, theirs_, MessageId{"m-1"}));
        EXPECT_FALSE(was_refunded);
        UJ_ASSIGN(auto sum, store::charged(c, theirs_, at, at + kMinute));
        EXPECT_EQ(sum, 0);
        UJ_ASSIGN(auto s, store::statement(c, theirs_, kCurrency, at, at + kMinute));
        EXPECT_EQ(s.closing, 7 * kMicrosPerUnit);
        EXPECT_TRUE(s.charges.empty());

        UJ_ASSIGN(auto own, store::list_entries(c, mine_, {}, {}));
        EXPECT_EQ(own.count, 3);
        UJ_ASSIGN(auto own_export, store::entries_after(c, mine_, {}, "", 100));
        EXPECT_EQ(own_export.size(), 3u);
        UJ_ASSIGN(auto own_reference,
                  store::find_by_reference(c, mine_, entry_type::kTopup, "ref-1"));
        EXPECT_TRUE(own_reference);
        return {};
    }));
}

TEST_P(BillingStoreTest, AReferenceNamesOneEntryPerAccountAndType) {
    const Micros at = clock_.now();
    auto with_reference = [&](const AccountId& who, const char* type) {
        LedgerEntry e = entry(who, type, kMicrosPerUnit, at);
        e.reference = "ref-1";
        return e;
    };
    const auto first = with_reference(mine_, entry_type::kTopup);
    ASSERT_TRUE(insert(first));
    auto again = insert(with_reference(mine_, entry_type::kTopup));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kConflict);
    EXPECT_EQ(again.error().error_code, "UNIQUE_VIOLATION");
    EXPECT_TRUE(insert(with_reference(theirs_, entry_type::kTopup)));     // another account
    EXPECT_TRUE(insert(with_reference(mine_, entry_type::kTransferIn)));  // another type
    // Entries without a reference repeat freely.
    EXPECT_TRUE(insert(entry(mine_, entry_type::kCharge, -1, at)));
    EXPECT_TRUE(insert(entry(mine_, entry_type::kCharge, -1, at)));

    auto found = db().read([&](db::Connection& c) {
        return store::find_by_reference(c, mine_, entry_type::kTopup, "ref-1");
    });
    ASSERT_TRUE(found);
    ASSERT_TRUE(*found);
    EXPECT_EQ((*found)->id, first.id);
    EXPECT_EQ((*found)->amount, kMicrosPerUnit);
    auto other = db().read([&](db::Connection& c) {
        return store::find_by_reference(c, mine_, entry_type::kTopup, "ref-2");
    });
    ASSERT_TRUE(other);
    EXPECT_FALSE(*other);
}

TEST_P(BillingStoreTest, AMessageIsRefundedOncePerAccount) {
    const Micros at = clock_.now();
    auto charge = entry(mine_, entry_type::kCharge, -kMicrosPerUnit, at);
    charge.message_id = MessageId{"m-1"};
    auto reseller_charge = entry(theirs_, entry_type::kCharge, -500'000, at);
    reseller_charge.message_id = MessageId{"m-1"};
    reseller_charge.counterparty_id = mine_;
    auto other = entry(mine_, entry_type::kCharge, -kMicrosPerUnit, at);
    other.message_id = MessageId{"m-2"};
    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return store::insert_entries(c, {charge, reseller_charge, other});
    }));
    auto refund_of = [&](const LedgerEntry& charged_entry) {
        LedgerEntry r =
            entry(charged_entry.account_id, entry_type::kRefund, -charged_entry.amount, at + 1);
        r.message_id = charged_entry.message_id;
        return r;
    };
    auto refund_once = [&](const LedgerEntry& r) {
        auto inserted =
            db().write([&](db::Connection& c) { return store::insert_refund_once(c, r); });
        EXPECT_TRUE(inserted);
        return inserted && *inserted;
    };
    EXPECT_TRUE(refund_once(refund_of(charge)));
    EXPECT_FALSE(refund_once(refund_of(charge)));          // m-1 to this account again
    EXPECT_TRUE(refund_once(refund_of(reseller_charge)));  // m-1 to the reseller
    EXPECT_TRUE(refund_once(refund_of(other)));

    ASSERT_TRUE(db().read([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto charges, store::charges_of(c, {MessageId{"m-1"}, MessageId{"m-none"}}));
        std::vector<std::string> ids;
        for (const auto& e : charges) {
            EXPECT_EQ(e.type, "charge");
            ids.push_back(e.id.value);
        }
        std::sort(ids.begin(), ids.end());
        std::vector<std::string> expected{charge.id.value, reseller_charge.id.value};
        std::sort(expected.begin(), expected.end());
        EXPECT_EQ(ids, expected);
        UJ_ASSIGN(bool refunded_m1, store::refunded(c, mine_, MessageId{"m-1"}));
        EXPECT_TRUE(refunded_m1);
        UJ_ASSIGN(bool refunded_none, store::refunded(c, mine_, MessageId{"m-none"}));
        EXPECT_FALSE(refunded_none);
        UJ_ASSIGN(auto refunds, store::list_entries(c, mine_, {.type = "refund"}, {}));
        EXPECT_EQ(refunds.count, 2);  // m-1 and m-2, once each
        return {};
    }));
}

TEST_P(BillingStoreTest, TheSeededPlansAreListedInOrderAndFoundByCode) {
    auto all = db().read([](db::Connection& c) { return store::plans(c); });
    ASSERT_TRUE(all);
    std::vector<std::string> codes;
    for (const auto& p : *all) codes.push_back(p.code);
    const std::vector<std::string> seeded{"pay_as_you_go", "starter", "business", "enterprise"};
    EXPECT_EQ(codes, seeded);

    const Plan starter = plan("starter");
    EXPECT_EQ(starter.name, "Starter");
    EXPECT_EQ(starter.monthly_fee, 10 * kMicrosPerUnit);
    EXPECT_EQ(starter.included_messages, 500);
    EXPECT_EQ(starter.max_users, 3);
    EXPECT_EQ(starter.max_contacts, 5000);
    EXPECT_EQ(starter.max_messages_per_day, 1000);
    EXPECT_EQ(starter.sort_order, 1);
    for (const auto& limit : starter.rate_limits) EXPECT_FALSE(limit);  // the server's limits
    EXPECT_FALSE(plan("enterprise").max_users);                         // no limit

    auto missing = db().read([](db::Connection& c) { return store::find_plan(c, "gold"); });
    ASSERT_TRUE(missing);
    EXPECT_FALSE(*missing);
}

TEST_P(BillingStoreTest, TwoChargesAtOnceNeverGrantMoreThanIsIncluded) {
    const Plan starter = plan("starter");
    const Micros start = clock_.now();
    subscribe(mine_, starter, start, start + 30 * kDay);
    // The first charge takes 498 and holds its transaction open while the
    // second asks for 5: the second must see the 498 once the first commits.
    std::promise<void> first_took, release;
    auto released = release.get_future();
    std::thread first([&] {
        EXPECT_TRUE(db().write([&](db::Connection& c) -> Status {
            UJ_ASSIGN(auto granted, store::use_included(c, mine_, 498, start));
            EXPECT_EQ(granted, 498);
            first_took.set_value();
            released.wait();
            return {};
        }));
    });
    first_took.get_future().wait();
    std::int64_t second = -1;
    std::thread second_charge([&] { second = use_included(mine_, 5, start + kMinute); });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    release.set_value();
    first.join();
    second_charge.join();
    EXPECT_EQ(second, 2);
    auto sub = db().read([&](db::Connection& c) { return store::find_subscription(c, mine_); });
    ASSERT_TRUE(sub && *sub);
    EXPECT_EQ((*sub)->included_used, 500);
}

TEST_P(BillingStoreTest, IncludedMessagesAreTakenOnlyUpToWhatIsLeftInTheCurrentPeriod) {
    const Plan starter = plan("starter");
    ASSERT_EQ(starter.included_messages, 500);
    const Micros start = clock_.now(), end = start + 30 * kDay;
    subscribe(mine_, starter, start, end);
    EXPECT_EQ(use_included(mine_, 498, start), 498);
    EXPECT_EQ(use_included(mine_, 5, start + kMinute), 2);  // only two were left
    EXPECT_EQ(use_included(mine_, 1, start + 2 * kMinute), 0);
    auto sub = db().read([&](db::Connection& c) { return store::find_subscription(c, mine_); });
    ASSERT_TRUE(sub);
    ASSERT_TRUE(*sub);
    EXPECT_EQ((*sub)->plan.code, "starter");
    EXPECT_EQ((*sub)->status, "active");
    EXPECT_EQ((*sub)->period_start, start);
    EXPECT_EQ((*sub)->period_end, end);
    EXPECT_EQ((*sub)->included_used, 500);

    // No subscription, or a canceled one: nothing is included.
    EXPECT_EQ(use_included(theirs_, 1, start), 0);
    subscribe(theirs_, starter, start, end, "canceled");
    EXPECT_EQ(use_included(theirs_, 1, start), 0);

    // The next period starts afresh, and counts only within [start, end).
    subscribe(mine_, starter, end, end + 30 * kDay);
    EXPECT_EQ(use_included(mine_, 1, end - 1), 0);
    EXPECT_EQ(use_included(mine_, 1, end + 30 * kDay), 0);
    EXPECT_EQ(use_included(mine_, 3, end), 3);
}

INSTANTIATE_TEST_SUITE_P(Engines, BillingStoreTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         [](const auto& info) { return db::testing::dialect_name(info.param); });

}  // namespace
}  // namespace ujumbe::billing
