// The messaging store on both engines: the queue's leases, the status
// table guarding stored rows, and every read scoped to its account.

#include "messaging/store.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "contacts/testing_contacts.h"
#include "messaging/testing_messages.h"

namespace ujumbe::messaging {
namespace {

constexpr Micros kMinute = 60 * kMicrosPerSecond;

class MessagingStoreTest : public contacts::testing::ContactsTest {
protected:
    void SetUp() override {
        ContactsTest::SetUp();
        if (IsSkipped()) return;
        mine_ = owner_of("Mine Ltd", "KE");
        theirs_ = owner_of("Theirs Ltd", "KE");
    }

    // A stored message of `who` in `status`, with a queue row due at `due`
    // unless it is final.
    MessageId stored(const Principal& who, MessageStatus status, Micros due = 0) {
        return testing::stored_message(db(), who.account_id, status, clock_.now(), due).id;
    }
    MessageStatus status_of(const Principal& who, const MessageId& id) {
        MessageStatus out = MessageStatus::kFailed;
        EXPECT_TRUE(db().read([&](db::Connection& c) -> Status {
            UJ_ASSIGN(auto m, store::find_message(c, who.account_id, id));
            EXPECT_TRUE(m);
            if (m) out = m->status;
            return {};
        }));
        return out;
    }
    std::vector<MessageId> claim(const std::string& owner, Micros now, int limit = 10) {
        std::vector<MessageId> ids;
        EXPECT_TRUE(db().write([&](db::Connection& c) -> Status {
            UJ_ASSIGN(auto claimed, store::claim(c, owner, now, now + kMinute, limit));
            for (const auto& m : claimed) {
                EXPECT_EQ(m.status, status::kSending) << m.id;
                ids.push_back(m.id);
            }
            return {};
        }));
        return ids;
    }

    Principal mine_, theirs_;
};

TEST_P(MessagingStoreTest, AClaimLeasesDueRowsMarksThemSendingAndLeavesOthersLeasesAlone) {
    const Micros now = 10 * kMinute;
    const auto due = stored(mine_, status::kQueued, now - 1);
    const auto scheduled = stored(mine_, status::kScheduled, now);
    const auto later = stored(mine_, status::kQueued, now + kMinute);
    auto first = claim("node-a", now);
    std::sort(first.begin(), first.end());
    std::vector<MessageId> expected{due, scheduled};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(first, expected);
    EXPECT_EQ(status_of(mine_, later), status::kQueued);
    // Leased to node-a: node-b gets nothing until the lease runs out.
    EXPECT_TRUE(claim("node-b", now).empty());
    EXPECT_EQ(claim("node-b", now + kMinute + 1).size(), 3u);  // later is due by then
}

TEST_P(MessagingStoreTest, ARestartedNodeTakesBackOnlyItsOwnLeases) {
    const Micros now = 10 * kMinute;
    stored(mine_, status::kQueued, now);
    ASSERT_EQ(claim("node-a", now, 1).size(), 1u);
    stored(mine_, status::kQueued, now);
    ASSERT_EQ(claim("node-b", now, 1).size(), 1u);
    ASSERT_TRUE(db().write([&](db::Connection& c) { return store::release_leases(c, "node-a"); }));
    EXPECT_EQ(claim("node-c", now).size(), 1u);  // node-a's, not node-b's
    ASSERT_TRUE(db().write([&](db::Connection& c) { return store::release_all_leases(c); }));
    EXPECT_EQ(claim("node-c", now).size(), 2u);
}

TEST_P(MessagingStoreTest, AStoredRowMovesOnlyAsTheStatusTableAllows) {
    const auto delivered = stored(mine_, status::kDelivered);
    const auto sent = stored(mine_, status::kSent);
    // A late writer holding an old copy asks to move both back to sent or queued.
    ASSERT_TRUE(db().write([&](db::Connection& c) -> Status {
        UJ_TRY(store::change_status(c, delivered, {.status = status::kQueued}, clock_.now()));
        return store::change_status_many(c, {delivered, sent}, {.status = status::kUndelivered},
                                         clock_.now());
    }));
    EXPECT_EQ(status_of(mine_, delivered), status::kDelivered);
    EXPECT_EQ(status_of(mine_, sent), status::kUndelivered);
}

TEST_P(MessagingStoreTest, MessagesAreFoundOnlyInTheirOwnAccount) {
    const auto id = stored(mine_, status::kQueued);
    ASSERT_TRUE(db().read([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto found, store::find_message(c, theirs_.account_id, id));
        EXPECT_FALSE(found);
        UJ_ASSIGN(auto listed, store::list_messages(c, theirs_.account_id, {}, {}));
        EXPECT_EQ(listed.count, 0);
        UJ_ASSIGN(auto stats, store::stats(c, theirs_.account_id, {}));
        EXPECT_EQ(stats.total, 0);
        UJ_ASSIGN(auto own, store::list_messages(c, mine_.account_id, {}, {}));
        EXPECT_EQ(own.count, 1);
        return {};
    }));
}

TEST_P(MessagingStoreTest, SenderIdsAreReadInTheScopeGiven) {
    SenderIdRecord s{.id = SenderIdRecordId{new_uuid_v7()},
                     .account_id = mine_.account_id,
                     .sender = "MINE",
                     .kind = "alphanumeric",
                     .country = "KE",
                     .status = "pending",
                     .purpose = "alerts",
                     .created_at = clock_.now(),
                     .updated_at = clock_.now()};
    ASSERT_TRUE(db().write([&](db::Connection& c) { return store::insert_sender_id(c, s); }));
    ASSERT_TRUE(db().read([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto other,
                  store::find_sender_id(c, AccountScope::only(theirs_.account_id), s.id));
        EXPECT_FALSE(other);
        UJ_ASSIGN(auto own, store::find_sender_id(c, AccountScope::only(mine_.account_id), s.id));
        EXPECT_TRUE(own);
        UJ_ASSIGN(auto any, store::find_sender_id(c, AccountScope::all(), s.id));
        EXPECT_TRUE(any);
        UJ_ASSIGN(auto theirs_list,
                  store::list_sender_ids(c, {.scope = AccountScope::only(theirs_.account_id)}, {}));
        EXPECT_EQ(theirs_list.count, 0);
        UJ_ASSIGN(auto all_list, store::list_sender_ids(c, {}, {}));
        EXPECT_EQ(all_list.count, 1);
        return {};
    }));
}

TEST_P(MessagingStoreTest, DayCountsAddUpPerAccountAndPerUser) {
    ASSERT_TRUE(db().write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto first, store::add_day_counts(c, mine_.account_id.value, "u1", 100, 3));
        EXPECT_EQ(first, std::make_pair(std::int64_t{3}, std::int64_t{3}));
        UJ_ASSIGN(auto second, store::add_day_counts(c, mine_.account_id.value, "u2", 100, 2));
        EXPECT_EQ(second, std::make_pair(std::int64_t{5}, std::int64_t{2}));
        UJ_ASSIGN(auto next_day, store::add_day_counts(c, mine_.account_id.value, "u1", 101, 1));
        EXPECT_EQ(next_day, std::make_pair(std::int64_t{1}, std::int64_t{1}));
        return {};
    }));
}

INSTANTIATE_TEST_SUITE_P(Engines, MessagingStoreTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         [](const auto& info) { return db::testing::dialect_name(info.param); });

}  // namespace
}  // namespace ujumbe::messaging
