// The accept path step by step, on both engines, with a dispatcher of our own:
// each check refuses its request with its own error and field and lets the
// others through; price and accept are all or nothing; hand over gives the
// dispatcher what it made room for and wakes it for the rest.

#include "messaging/accept.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "billing/service.h"
#include "contacts/testing_contacts.h"
#include "db/store_support.h"
#include "identity/store.h"

namespace ujumbe::messaging {
namespace {

// Records what the accept path asks of the dispatcher; room as the test says.
// Callers on several threads may use it at once.
class FakeDispatch final : public Dispatch {
public:
    bool room = true;
    std::atomic<std::size_t> reserved = 0, unreserved = 0, wakes = 0;
    std::vector<Message> adopted;

    std::optional<Lease> reserve(std::size_t n) override {
        if (!room) return std::nullopt;
        reserved += n;
        return Lease{"node-test", 1'000'000'000'000'000};
    }
    void unreserve(std::size_t n, std::vector<MessageId>) override { unreserved += n; }
    void adopt(std::vector<Message> messages) override {
        std::lock_guard lock(mutex_);
        for (auto& m : messages) adopted.push_back(std::move(m));
    }
    void wake() override { ++wakes; }

private:
    std::mutex mutex_;
};

class AcceptPathTest : public contacts::testing::ContactsTest {
protected:
    void SetUp() override {
        ContactsTest::SetUp();
        if (IsSkipped()) return;
        committer_ = std::make_unique<Committer>(db(), "commits");
        who_ = owner_of("Sender Ltd", "KE");
        make_path(nullptr);
    }
    void TearDown() override {
        if (committer_) committer_->stop();
        ContactsTest::TearDown();
    }
    void make_path(billing::BillingService* billing) {
        path_ = std::make_unique<AcceptPath>(
            db(), clock_, *identity_, *service_, *committer_, AcceptOptions{.max_body_chars = 20},
            MessagingPorts{.dispatch = &dispatch_, .billing = billing});
    }
    std::int64_t stored(const char* table) {
        std::int64_t n = -1;
        EXPECT_TRUE(db().read([&](db::Connection& c) -> Status {
            UJ_ASSIGN(auto row, c.query_one(std::string("SELECT COUNT(*) FROM ") + table));
            n = row ? row->i64(0) : -1;
            return {};
        }));
        return n;
    }
    const Error& refused(const BulkResult& r, std::size_t i) {
        EXPECT_FALSE(r.outcomes.at(i).message);
        EXPECT_TRUE(r.outcomes.at(i).error);
        return *r.outcomes.at(i).error;
    }
    static std::string field_of(const Error& e) {
        return e.errors.empty() ? "" : e.errors.begin()->first;
    }

    std::unique_ptr<Committer> committer_;
    FakeDispatch dispatch_;
    std::unique_ptr<AcceptPath> path_;
    Principal who_;
};

TEST_P(AcceptPathTest, EachCheckRefusesItsRequestNamingTheFieldAndTheRestGoOn) {
    auto r = path_->run(who_, {{.to = "not a number", .body = "a"},
                               {.to = "+254712345671", .body = ""},
                               {.to = "+254712345672", .body = std::string(21, 'x')},
                               {.to = "+254712345673", .body = "b", .sender_id = "!!"},
                               {.to = "+254712345674", .body = "c", .sender_id = "Unknown"},
                               {.to = "0712345675", .body = "ok"}});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->accepted, 1);
    EXPECT_EQ(r->rejected, 5);
    EXPECT_EQ(refused(*r, 0).error_code, "INVALID_NUMBER");
    EXPECT_EQ(field_of(refused(*r, 0)), "to");
    EXPECT_EQ(refused(*r, 1).error_code, "INVALID_BODY");
    EXPECT_EQ(field_of(refused(*r, 1)), "body");
    EXPECT_EQ(refused(*r, 2).error_code, "INVALID_BODY");
    EXPECT_EQ(refused(*r, 3).error_code, "INVALID_SENDER_ID");
    EXPECT_EQ(field_of(refused(*r, 3)), "sender_id");
    EXPECT_EQ(refused(*r, 4).error_code, "SENDER_ID_NOT_APPROVED");
    EXPECT_EQ(refused(*r, 4).code, ErrorCode::kFailedPrecondition);
    // The account's country completes a national number.
    ASSERT_TRUE(r->outcomes[5].message);
    EXPECT_EQ(r->outcomes[5].message->to, "+254712345675");
    EXPECT_EQ(r->outcomes[5].to, "0712345675");  // as given
    EXPECT_EQ(stored("messages"), 1);
}

TEST_P(AcceptPathTest, ConsentRefusesOptedOutRecipientsUnlessTransactional) {
    auto contact = service_->upsert(who_, {.phone = "+254712345678"});
    ASSERT_TRUE(contact);
    ASSERT_TRUE(service_->set_consent(who_, contact->contact.id, false, "sms", "STOP"));
    auto r = path_->run(who_, {{.to = "+254712345678", .body = "Promo"},
                               {.to = "+254712345678", .body = "Code 1", .transactional = true},
                               {.to = "+254712345679", .body = "Promo"}});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(refused(*r, 0).error_code, "RECIPIENT_OPTED_OUT");
    EXPECT_EQ(field_of(refused(*r, 0)), "to");
    ASSERT_TRUE(r->outcomes[1].message);
    ASSERT_TRUE(r->outcomes[2].message);
    // The messages kept their own requests' outcomes.
    EXPECT_EQ(r->outcomes[1].message->body, "Code 1");
    EXPECT_EQ(r->outcomes[2].message->to, "+254712345679");
}

TEST_P(AcceptPathTest, HandOverGivesTheDispatcherWhatItMadeRoomForAndWakesItForScheduled) {
    const Micros later = clock_.now() + 3600 * kMicrosPerSecond;
    auto r = path_->run(who_, {{.to = "+254712345671", .body = "now"},
                               {.to = "+254712345672", .body = "later", .send_at = later}});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(dispatch_.reserved, 1u);
    ASSERT_EQ(dispatch_.adopted.size(), 1u);
    EXPECT_EQ(dispatch_.adopted[0].body, "now");
    EXPECT_EQ(dispatch_.adopted[0].status, status::kQueued);
    EXPECT_EQ(r->outcomes[1].message->status, status::kScheduled);
    EXPECT_EQ(dispatch_.wakes, 1u);  // for the scheduled one
    EXPECT_EQ(stored("message_queue"), 2);
    EXPECT_EQ(stored("message_events"), 2);  // each message's first event
}

TEST_P(AcceptPathTest, WithoutRoomTheRowsWaitUnleasedAndTheDispatcherIsWoken) {
    dispatch_.room = false;
    auto r = path_->run(who_, {{.to = "+254712345671", .body = "now"}});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(dispatch_.adopted.empty());
    EXPECT_EQ(dispatch_.wakes, 1u);
    std::int64_t unleased = -1;
    ASSERT_TRUE(db().read([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto row, c.query_one("SELECT COUNT(*) FROM message_queue WHERE "
                                        "lease_owner IS NULL OR lease_owner = ''"));
        unleased = row ? row->i64(0) : -1;
        return {};
    }));
    EXPECT_EQ(unleased, 1);
}

TEST_P(AcceptPathTest, ADailyCapRefusesTheWholeCallStoresNothingAndGivesTheRoomBack) {
    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return db::done(c.query("UPDATE accounts SET max_messages_per_day = 1 WHERE id = $1",
                                {who_.account_id.value}));
    }));
    auto r = path_->run(
        who_, {{.to = "+254712345671", .body = "a"}, {.to = "+254712345672", .body = "b"}});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().error_code, "DAILY_LIMIT_REACHED");
    EXPECT_EQ(r.error().code, ErrorCode::kRateLimited);
    EXPECT_EQ(dispatch_.reserved, 2u);
    EXPECT_EQ(dispatch_.unreserved, 2u);
    EXPECT_TRUE(dispatch_.adopted.empty());
    EXPECT_EQ(stored("messages"), 0);
    EXPECT_EQ(stored("message_queue"), 0);
    EXPECT_EQ(stored("message_events"), 0);
}

// Calls that wait together share one commit; a cap refuses the calls past
// it and the others are stored whole (message, queue row, first event).
TEST_P(AcceptPathTest, CallsCommittedTogetherAreCappedOneByOne) {
    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return db::done(c.query("UPDATE accounts SET max_messages_per_day = 5 WHERE id = $1",
                                {who_.account_id.value}));
    }));
    // The committer is held busy while the calls gather behind it.
    std::promise<void> release;
    auto held = release.get_future().share();
    committer_->post([held](db::Connection&) -> Status {
        held.wait();
        return {};
    });
    constexpr int kCalls = 12;
    std::vector<std::thread> callers;
    std::vector<Result<BulkResult>> results(kCalls, Error::internal("not run"));
    for (int i = 0; i < kCalls; ++i)
        callers.emplace_back([&, i] {
            results[i] =
                path_->run(who_, {{.to = "+2547123456" + std::to_string(10 + i), .body = "hi"}});
        });
    for (int spins = 0; dispatch_.reserved < kCalls && spins < 500; ++spins)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    release.set_value();
    for (auto& t : callers) t.join();
    int accepted = 0, capped = 0;
    for (const auto& r : results) {
        if (r) {
            ++accepted;
            ASSERT_TRUE(r->outcomes.at(0).message);
        } else {
            EXPECT_EQ(r.error().error_code, "DAILY_LIMIT_REACHED");
            ++capped;
        }
    }
    EXPECT_EQ(accepted, 5);
    EXPECT_EQ(capped, kCalls - 5);
    EXPECT_EQ(stored("messages"), 5);
    EXPECT_EQ(stored("message_queue"), 5);
    EXPECT_EQ(stored("message_events"), 5);
    EXPECT_EQ(dispatch_.unreserved, static_cast<std::size_t>(kCalls - 5));
    EXPECT_EQ(dispatch_.adopted.size(), 5u);
    // The refused calls' counts were rolled back with them.
    auto counted = db().read([&](db::Connection& c) {
        return c.query_one(
            "SELECT sent FROM message_day_counts WHERE account_id = $1 AND "
            "user_id = ''",
            {who_.account_id.value});
    });
    ASSERT_TRUE(counted && *counted);
    EXPECT_EQ((*counted)->i64(0), 5);
}

TEST_P(AcceptPathTest, ASmallCallCommitsBeforeALargeOneThatWaitedWithIt) {
    std::promise<void> release;
    auto held = release.get_future().share();
    committer_->post([held](db::Connection&) -> Status {
        held.wait();
        return {};
    });
    // The messages each call's transaction held when it wrote (its own included).
    const auto seen_by = [&](std::int64_t& seen) -> AlsoInCommit {
        return [&seen](db::Connection& c, const std::vector<Message>&,
                       const std::vector<std::size_t>&) -> Status {
            UJ_ASSIGN(auto row, c.query_one("SELECT COUNT(*) FROM messages"));
            seen = row->i64(0);
            return {};
        };
    };
    const auto wait_reserved = [&](std::size_t n) {
        for (int spins = 0; dispatch_.reserved < n && spins < 500; ++spins)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    };
    constexpr int kLarge = 20;
    std::vector<SendRequest> large;
    for (int i = 0; i < kLarge; ++i)
        large.push_back({.to = "+2547123456" + std::to_string(10 + i), .body = "bulk"});
    std::int64_t seen_by_large = -1, seen_by_small = -1;
    const auto also_large = seen_by(seen_by_large), also_small = seen_by(seen_by_small);
    std::thread large_call([&] { EXPECT_TRUE(path_->run(who_, large, also_large)); });
    wait_reserved(kLarge);
    std::thread small_call([&] {
        EXPECT_TRUE(path_->run(who_, {{.to = "+254712345699", .body = "single"}}, also_small));
    });
    wait_reserved(kLarge + 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    release.set_value();
    large_call.join();
    small_call.join();
    EXPECT_EQ(seen_by_small, 1);           // its own alone, although the large call waited first
    EXPECT_EQ(seen_by_large, kLarge + 1);  // in the next transaction
    EXPECT_EQ(stored("messages"), kLarge + 1);
}

TEST_P(AcceptPathTest, PriceAndChargeAreAllOrNothing) {
    const Principal admin = platform_admin();
    billing::BillingService billing(db(), clock_, *identity_, {.trial_credit = 0});
    make_path(&billing);
    ASSERT_TRUE(billing.put_rate(admin, {.prefix = "254", .price = kMicrosPerUnit}));
    ASSERT_TRUE(billing.topup(
        admin,
        {.account_id = who_.account_id, .amount = 1 * kMicrosPerUnit, .reference = "start"}));
    // Two messages at 1.00 each; the wallet holds 1.00: neither is stored.
    auto poor = path_->run(
        who_, {{.to = "+254712345671", .body = "a"}, {.to = "+254712345672", .body = "b"}});
    ASSERT_FALSE(poor);
    EXPECT_EQ(poor.error().code, ErrorCode::kInsufficientBalance);
    EXPECT_EQ(stored("messages"), 0);
    EXPECT_EQ(dispatch_.unreserved, 2u);
    // One is priced and charged with its acceptance.
    auto paid = path_->run(who_, {{.to = "+254712345671", .body = "a"}});
    ASSERT_TRUE(paid) << paid.error().message;
    EXPECT_EQ(paid->outcomes[0].message->price, kMicrosPerUnit);
    auto wallet = billing.wallet(who_, std::nullopt);
    ASSERT_TRUE(wallet);
    EXPECT_EQ(wallet->balance, 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, AcceptPathTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         [](const auto& info) { return db::testing::dialect_name(info.param); });

}  // namespace
}  // namespace ujumbe::messaging
