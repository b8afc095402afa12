// The message rollups on both engines: after random traffic (sends,
// claims, retries, failures, receipts, cancels, inbound messages over
// several days), the statistics read from them equal a direct count of the
// messages for every filter and range they answer, per account; the usage
// counts equal the outbound messages sent per account and user; and a
// rebuild writes the same counts.

#include "messaging/rollups.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "db/testing_db.h"
#include "messaging/store.h"

namespace ujumbe::messaging {
namespace {

constexpr Micros kHour = 3600 * kMicrosPerSecond;
constexpr Micros kStart = 20'000 * store::kMicrosPerDay;  // a day boundary in 2024

Status fold(db::Connection& c) {
    UJ_TRY(store::fold_rollup_deltas(c));
    return {};
}

class RollupsTest : public db::testing::EngineTest {
protected:
    struct Sent {
        MessageId id;
        AccountId account;
        MessageStatus status;
    };

    void write(const std::function<Status(db::Connection&)>& fn) {
        auto done = db().write([&](db::Connection& c) { return fn(c); });
        ASSERT_TRUE(done) << done.error().message;
    }

    void fold_sometimes() {
        if (rng_() % 3 != 0) return;
        write(fold);
    }

    // A batch of new messages of either account over five days.
    void send_some(int n) {
        std::vector<Message> batch(static_cast<std::size_t>(n));
        std::vector<const Message*> rows;
        for (auto& m : batch) {
            const Micros at = kStart + static_cast<Micros>(rng_() % (5 * 24)) * kHour +
                              static_cast<Micros>(rng_() % 3600) * kMicrosPerSecond;
            m.id = MessageId{new_uuid_v7(at)};
            m.account_id = rng_() % 4 == 0 ? theirs_ : mine_;
            m.to = "+2547000000" + std::to_string(rng_() % 90 + 10);
            m.sender = "Ujumbe";
            m.body = "Hello";
            m.encoding = "gsm7";
            m.segments = static_cast<int>(rng_() % 3) + 1;
            m.channel = rng_() % 5 == 0 ? "whatsapp" : "sms";
            if (rng_() % 3) m.user_id = UserId{rng_() % 2 ? "user-a" : "user-b"};
            if (rng_() % 6 == 0) {
                m.direction = "inbound";
                m.status = status::kReceived;
            } else {
                m.status = rng_() % 4 == 0 ? status::kScheduled : status::kQueued;
            }
            m.created_at = m.updated_at = at;
            if (m.direction == "outbound") {
                auto& u = usage_[{m.account_id.value, m.user_id ? m.user_id->value : ""}];
                u.first += 1;
                u.second += m.segments;
            }
            rows.push_back(&m);
            sent_.push_back({m.id, m.account_id, m.status});
        }
        write([&](db::Connection& c) { return store::insert_messages(c, rows); });
    }

    // Moves a random handful of messages on, as the pipeline and the
    // receipts would (changes the status table refuses are left unmoved by
    // the guarded updates, as in production).
    void move_some() {
        const auto pick = [&] { return sent_[rng_() % sent_.size()].id; };
        std::vector<MessageId> ids;
        for (int i = 0; i < 20; ++i) ids.push_back(pick());
        const GatewayId gateway{rng_() % 2 ? "gw-a" : "gw-b"};
        static const std::vector<MessageStatus> kNext = {
            status::kSending,  status::kSent,     status::kDelivered, status::kUndelivered,
            status::kExpired,  status::kFailed,   status::kRejected,  status::kQueued,
            status::kCanceled, status::kDelivered};
        const MessageStatus to = kNext[rng_() % kNext.size()];
        store::StatusChange change{.status = to};
        if (to == status::kSent || to == status::kFailed) change.gateway_id = gateway;
        write([&](db::Connection& c) -> Status {
            if (to == status::kSending) {
                UJ_TRY(store::mark_sending(c, ids, kStart));
                return {};
            }
            if (rng_() % 2) return store::change_status_many(c, ids, change, kStart);
            for (const auto& id : ids) UJ_TRY(store::change_status(c, id, change, kStart));
            return {};
        });
        // An update of another column counts nothing.
        write([&](db::Connection& c) { return store::set_cost(c, ids.front(), 1000); });
    }

    MessageStats from_rollups(const AccountId& account, const MessageQuery& q) {
        MessageStats out;
        auto read = db().read([&](db::Connection& c) -> Status {
            EXPECT_TRUE(store::rollups_answer(q));
            UJ_ASSIGN(out, store::stats(c, account, q));
            return {};
        });
        EXPECT_TRUE(read) << read.error().message;
        return out;
    }
    MessageStats counted(const AccountId& account, const MessageQuery& q) {
        MessageStats out;
        auto read = db().read([&](db::Connection& c) -> Status {
            UJ_ASSIGN(out, store::stats_from_messages(c, account, q));
            return {};
        });
        EXPECT_TRUE(read) << read.error().message;
        return out;
    }

    void expect_same_counts(const std::string& when) {
        std::vector<std::pair<std::string, MessageQuery>> queries = {
            {"everything", {}},
            {"delivered", {.status = "delivered"}},
            {"inbound", {.direction = "inbound"}},
            {"whatsapp", {.channel = "whatsapp"}},
            {"whole days",
             {.from = kStart + store::kMicrosPerDay, .until = kStart + 3 * store::kMicrosPerDay}},
            {"part days", {.from = kStart + 30 * kHour + 5, .until = kStart + 100 * kHour - 7}},
            {"inside a day", {.from = kStart + 49 * kHour, .until = kStart + 50 * kHour}},
            {"since an hour", {.from = kStart + 61 * kHour}},
            {"until an hour", {.status = "sent", .until = kStart + 71 * kHour}},
        };
        for (const auto& account : {mine_, theirs_})
            for (const auto& [name, q] : queries) {
                const auto want = counted(account, q), got = from_rollups(account, q);
                const std::string where = when + ", " + name + ", " + account.value;
                EXPECT_EQ(got.total, want.total) << where;
                EXPECT_EQ(got.segments, want.segments) << where;
                EXPECT_EQ(got.by_status, want.by_status) << where;
                EXPECT_EQ(got.by_direction, want.by_direction) << where;
            }
    }

    // Outbound messages and segments sent, by account and user.
    void expect_same_usage(const std::string& when) {
        std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, std::int64_t>> got;
        for (const auto& account : {mine_, theirs_}) {
            auto read = db().read([&](db::Connection& c) {
                return store::daily_usage(c, account, kStart / store::kMicrosPerDay,
                                          kStart / store::kMicrosPerDay + 5);
            });
            ASSERT_TRUE(read) << read.error().message;
            for (const auto& d : *read) {
                auto& u = got[{account.value, d.user_id}];
                u.first += d.messages;
                u.second += d.segments;
            }
        }
        EXPECT_EQ(got, usage_) << when;
    }

    std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, std::int64_t>> usage_;
    std::mt19937 rng_{20261203};
    AccountId mine_{"acct-mine"}, theirs_{"acct-theirs"};
    std::vector<Sent> sent_;
};

TEST_P(RollupsTest, StatisticsFromRollupsEqualDirectCountsAfterRandomTraffic) {
    for (int round = 0; round < 12; ++round) {
        send_some(40);
        fold_sometimes();
        for (int i = 0; i < 6; ++i) {
            move_some();
            fold_sometimes();
        }
        if (round % 4 == 3) expect_same_counts("round " + std::to_string(round));
    }
    write(fold);
    expect_same_counts("folded");
    expect_same_usage("folded");
    ASSERT_GT(counted(mine_, {.status = "delivered"}).total, 0);
    ASSERT_GT(counted(mine_, {.status = "failed"}).total, 0);
}

TEST_P(RollupsTest, ARebuildWritesTheSameCounts) {
    send_some(120);
    for (int i = 0; i < 10; ++i) move_some();
    const auto before = from_rollups(mine_, {});
    write([](db::Connection& c) -> Status {
        UJ_TRY(store::rebuild_rollups(c));
        return {};
    });
    if (db().dialect() == db::Dialect::kPostgres) {
        auto left = db().read([](db::Connection& c) {
            return c.query_one("SELECT count(*) FROM message_rollup_deltas");
        });
        ASSERT_TRUE(left && *left);
        EXPECT_EQ((*left)->i64(0), 0);  // the deltas were counted into the rebuild
    }
    const auto after = from_rollups(mine_, {});
    EXPECT_EQ(after.total, before.total);
    EXPECT_EQ(after.by_status, before.by_status);
    expect_same_counts("rebuilt");
    expect_same_usage("rebuilt");
}

TEST_P(RollupsTest, NumberSenderReferenceAndSearchFiltersCountTheMessages) {
    EXPECT_FALSE(store::rollups_answer({.to = "+254700000011"}));
    EXPECT_FALSE(store::rollups_answer({.sender = "Ujumbe"}));
    EXPECT_FALSE(store::rollups_answer({.client_ref = "r-1"}));
    EXPECT_FALSE(store::rollups_answer({.search = "hello"}));
    send_some(30);
    MessageStats by_number;
    ASSERT_TRUE(db().read([&](db::Connection& c) -> Status {
        UJ_ASSIGN(by_number, store::stats(c, mine_, {.sender = "Ujumbe"}));
        return {};
    }));
    EXPECT_EQ(by_number.total, counted(mine_, {}).total);
}

INSTANTIATE_TEST_SUITE_P(Engines, RollupsTest, db::testing::engines(), db::testing::EngineName());

}  // namespace
}  // namespace ujumbe::messaging
