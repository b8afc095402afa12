// The SMPP server's store on both engines: SMPP accounts written, read in
// and out of scope, listed, changed and deleted; the receipts a submit
// asked for; deliveries owed, claimed under a lease, released and dropped.

#include "smpp_server/store.h"

#include <gtest/gtest.h>

#include "db/testing_db.h"
#include "messaging/testing_messages.h"

namespace ujumbe::smpp_server {
namespace {

constexpr Micros kT0 = 1'790'000'000'000'000;

SmppAccount account(const std::string& id, const std::string& owner, const std::string& system_id,
                    Micros at = 0) {
    SmppAccount a;
    a.id = SmppAccountId{id};
    a.account_id = AccountId{owner};
    a.user_id = UserId{"user-" + owner};
    a.system_id = system_id;
    a.binds = {BindKind::kTransmitter, BindKind::kTransceiver};
    a.allowed_ips = {"10.0.0.0/8", "192.0.2.7"};
    a.throughput = 50;
    a.created_at = a.updated_at = kT0 + at;
    return a;
}

PendingDelivery receipt_for(const std::string& smpp_account, const std::string& message,
                            Micros at) {
    PendingDelivery d;
    d.smpp_account_id = SmppAccountId{smpp_account};
    d.kind = DeliveryKind::kReceipt;
    d.message_id = MessageId{message};
    d.from = "+254712345678";
    d.to = "Shop";
    d.text = "Hello";
    d.status = "undelivered";
    d.error_code = "SMPP_0x0000000B";
    d.submitted_at = kT0;
    d.done_at = kT0 + 5;
    d.created_at = at;
    return d;
}

class SmppStoreTest : public db::testing::EngineTest {
protected:
    void put(const SmppAccount& a, const std::string& sealed = "sealed") {
        auto s = db().write([&](db::Connection& c) { return store::insert_account(c, a, sealed); });
        ASSERT_TRUE(s) << s.error().message;
    }
    std::optional<store::StoredAccount> find(const AccountScope& scope, const std::string& id) {
        auto found = db().read(
            [&](db::Connection& c) { return store::find_account(c, scope, SmppAccountId{id}); });
        EXPECT_TRUE(found) << found.error().message;
        return found ? std::move(*found) : std::nullopt;
    }
    void owe(const std::vector<PendingDelivery>& rows) {
        auto s = db().write([&](db::Connection& c) { return store::insert_deliveries(c, rows); });
        ASSERT_TRUE(s) << s.error().message;
    }
    std::vector<PendingDelivery> claim(const std::string& smpp_account, const std::string& node,
                                       Micros now, std::size_t limit = 10) {
        auto claimed = db().write([&](db::Connection& c) {
            return store::claim_deliveries(c, SmppAccountId{smpp_account}, node, now,
                                           now + 60 * kMicrosPerSecond, limit);
        });
        EXPECT_TRUE(claimed) << claimed.error().message;
        return claimed ? std::move(*claimed) : std::vector<PendingDelivery>{};
    }
    std::int64_t pending(const std::string& smpp_account) {
        auto n = db().read([&](db::Connection& c) {
            return store::count_deliveries(c, SmppAccountId{smpp_account});
        });
        EXPECT_TRUE(n);
        return n ? *n : -1;
    }
};

TEST_P(SmppStoreTest, AnAccountReadsBackWholeAndOnlyInItsScope) {
    put(account("s-1", "acct-a", "alpha"), "sealed-pw");
    auto mine = find(AccountScope::only(AccountId{"acct-a"}), "s-1");
    ASSERT_TRUE(mine);
    EXPECT_EQ(mine->sealed_password, "sealed-pw");
    EXPECT_EQ(mine->account.system_id, "alpha");
    EXPECT_EQ(mine->account.binds,
              (std::vector<BindKind>{BindKind::kTransmitter, BindKind::kTransceiver}));
    EXPECT_EQ(mine->account.allowed_ips, (std::vector<std::string>{"10.0.0.0/8", "192.0.2.7"}));
    EXPECT_EQ(mine->account.throughput, 50);
    EXPECT_TRUE(mine->account.is_active);
    EXPECT_EQ(mine->account.user_id.value, "user-acct-a");
    EXPECT_FALSE(find(AccountScope::only(AccountId{"acct-b"}), "s-1"));
    EXPECT_TRUE(find(AccountScope::all(), "s-1"));
    auto by_name =
        db().read([](db::Connection& c) { return store::find_by_system_id(c, "alpha"); });
    ASSERT_TRUE(by_name && *by_name);
    EXPECT_EQ((*by_name)->account.id.value, "s-1");
}

TEST_P(SmppStoreTest, SystemIdsAreUniqueAcrossAccounts) {
    put(account("s-1", "acct-a", "alpha"));
    auto second = db().write([](db::Connection& c) {
        return store::insert_account(c, account("s-2", "acct-b", "alpha"), "x");
    });
    EXPECT_FALSE(second);
}

TEST_P(SmppStoreTest, ListingIsNewestFirstAndScoped) {
    put(account("s-1", "acct-a", "one", 1));
    put(account("s-2", "acct-a", "two", 2));
    put(account("s-3", "acct-b", "three", 3));
    auto mine = db().read([](db::Connection& c) {
        return store::list_accounts(c, AccountScope::only(AccountId{"acct-a"}), {});
    });
    ASSERT_TRUE(mine);
    EXPECT_EQ(mine->count, 2);
    ASSERT_EQ(mine->items.size(), 2u);
    EXPECT_EQ(mine->items[0].system_id, "two");
    EXPECT_EQ(mine->items[1].system_id, "one");
    auto all = db().read(
        [](db::Connection& c) { return store::list_accounts(c, AccountScope::all(), {}); });
    ASSERT_TRUE(all);
    EXPECT_EQ(all->count, 3);
}

TEST_P(SmppStoreTest, UpdatesKeepThePasswordAndADeleteTakesWhatWasOwed) {
    put(account("s-1", "acct-a", "alpha"), "sealed-pw");
    auto a = account("s-1", "acct-a", "beta");
    a.binds = {BindKind::kReceiver};
    a.allowed_ips = {};
    a.is_active = false;
    ASSERT_TRUE(db().write([&](db::Connection& c) { return store::update_account(c, a); }));
    auto changed = find(AccountScope::all(), "s-1");
    ASSERT_TRUE(changed);
    EXPECT_EQ(changed->account.system_id, "beta");
    EXPECT_EQ(changed->account.binds, std::vector<BindKind>{BindKind::kReceiver});
    EXPECT_TRUE(changed->account.allowed_ips.empty());
    EXPECT_FALSE(changed->account.is_active);
    EXPECT_EQ(changed->sealed_password, "sealed-pw");

    owe({receipt_for("s-1", "m-1", kT0)});
    auto other_scope = db().write([](db::Connection& c) {
        return store::delete_account(c, AccountScope::only(AccountId{"acct-b"}),
                                     SmppAccountId{"s-1"});
    });
    ASSERT_TRUE(other_scope);
    EXPECT_FALSE(*other_scope);
    EXPECT_EQ(pending("s-1"), 1);
    auto deleted = db().write([](db::Connection& c) {
        return store::delete_account(c, AccountScope::only(AccountId{"acct-a"}),
                                     SmppAccountId{"s-1"});
    });
    ASSERT_TRUE(deleted);
    EXPECT_TRUE(*deleted);
    EXPECT_EQ(pending("s-1"), 0);
}

TEST_P(SmppStoreTest, ReceiversAreTheActiveAccountsThatMayReceive) {
    auto sender_only = account("s-1", "acct-a", "tx");
    sender_only.binds = {BindKind::kTransmitter};
    put(sender_only);
    put(account("s-2", "acct-a", "trx"));
    auto off = account("s-3", "acct-a", "off");
    off.is_active = false;
    put(off);
    put(account("s-4", "acct-b", "theirs"));
    auto receivers =
        db().read([](db::Connection& c) { return store::receivers_of(c, AccountId{"acct-a"}); });
    ASSERT_TRUE(receivers);
    ASSERT_EQ(receivers->size(), 1u);
    EXPECT_EQ(receivers->front().value, "s-2");
}

TEST_P(SmppStoreTest, OnlySubmitsThatAskedForReceiptsAreFound) {
    auto asked = messaging::testing::stored_message(db(), AccountId{"acct-a"},
                                                    messaging::MessageStatus::kSent, kT0, kT0);
    auto not_asked = messaging::testing::stored_message(db(), AccountId{"acct-a"},
                                                        messaging::MessageStatus::kSent, kT0, kT0);
    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return store::insert_submissions(c, {{asked.id, SmppAccountId{"s-1"}, 2}});
    }));
    auto wanted = db().read([&](db::Connection& c) {
        return store::receipts_wanted(c, {asked.id, not_asked.id});
    });
    ASSERT_TRUE(wanted);
    ASSERT_EQ(wanted->size(), 1u);
    const auto& w = wanted->front();
    EXPECT_EQ(w.submission.message_id, asked.id);
    EXPECT_EQ(w.submission.smpp_account_id.value, "s-1");
    EXPECT_EQ(w.submission.receipts, 2);
    EXPECT_EQ(w.to, asked.to);
    EXPECT_EQ(w.sender, asked.sender);
    EXPECT_EQ(w.excerpt, "Hello");
    EXPECT_EQ(w.created_at, kT0);
}

TEST_P(SmppStoreTest, ADeliveryIsClaimedByOneNodeUntilReleasedOrItsLeaseEnds) {
    owe({receipt_for("s-1", "m-1", kT0), receipt_for("s-1", "m-2", kT0 + 1),
         receipt_for("s-2", "m-3", kT0)});
    auto first = claim("s-1", "node-a", kT0 + 10);
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].message_id, MessageId{"m-1"});
    EXPECT_EQ(first[1].message_id, MessageId{"m-2"});
    EXPECT_EQ(first[0].attempts, 1);
    EXPECT_EQ(first[0].status, "undelivered");
    EXPECT_EQ(first[0].error_code, "SMPP_0x0000000B");
    EXPECT_EQ(first[0].from, "+254712345678");
    EXPECT_EQ(first[0].done_at, kT0 + 5);
    EXPECT_TRUE(claim("s-1", "node-b", kT0 + 20).empty());  // leased

    ASSERT_TRUE(
        db().write([&](db::Connection& c) { return store::delete_deliveries(c, {first[0].id}); }));
    ASSERT_TRUE(db().write(
        [&](db::Connection& c) { return store::release_deliveries(c, {first[1].id}, kT0 + 100); }));
    EXPECT_TRUE(claim("s-1", "node-b", kT0 + 50).empty());  // not before its retry time
    auto again = claim("s-1", "node-b", kT0 + 101);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].message_id, MessageId{"m-2"});
    EXPECT_EQ(again[0].attempts, 2);
    // A lease that ends lets another node take it.
    auto later = claim("s-1", "node-c", kT0 + 101 + 61 * kMicrosPerSecond);
    ASSERT_EQ(later.size(), 1u);
    EXPECT_EQ(pending("s-2"), 1);
}

TEST_P(SmppStoreTest, InboundDeliveriesKeepTheirTextAndOldOnesAreDropped) {
    PendingDelivery mo;
    mo.smpp_account_id = SmppAccountId{"s-1"};
    mo.kind = DeliveryKind::kInbound;
    mo.message_id = MessageId{"m-9"};
    mo.from = "+255712000111";
    mo.to = "255700000001";
    mo.text = "Habari \"yako\" ✓";
    mo.created_at = kT0;
    owe({mo, receipt_for("s-1", "m-10", kT0 + kMicrosPerSecond)});
    auto claimed = claim("s-1", "node-a", kT0 + 2 * kMicrosPerSecond);
    ASSERT_EQ(claimed.size(), 2u);
    EXPECT_EQ(claimed[0].kind, DeliveryKind::kInbound);
    EXPECT_EQ(claimed[0].text, mo.text);
    EXPECT_EQ(claimed[0].from, mo.from);
    auto dropped = db().write([](db::Connection& c) {
        return store::drop_deliveries_before(c, kT0 + kMicrosPerSecond / 2);
    });
    ASSERT_TRUE(dropped);
    EXPECT_EQ(*dropped, 1);
    EXPECT_EQ(pending("s-1"), 1);
}

INSTANTIATE_TEST_SUITE_P(Engines, SmppStoreTest, db::testing::engines(), db::testing::EngineName());

}  // namespace
}  // namespace ujumbe::smpp_server
