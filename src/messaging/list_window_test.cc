// Paging the message history by cursor on both engines: following `next`
// while messages keep arriving lists every message that was there exactly
// once, in order (ties of created_at broken by id); `previous` walks back
// the same way; counts say when they are estimates.

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "db/testing_db.h"
#include "messaging/store.h"

namespace ujumbe::messaging {
namespace {

constexpr Micros kT0 = 1'800'000'000LL * kMicrosPerSecond;

class ListWindowTest : public db::testing::EngineTest {
protected:
    // A message at `at`; ids are random so that ties are ordered by id alone.
    MessageId add(Micros at, const std::string& body = "Hello",
                  MessageStatus status = status::kDelivered) {
        Message m;
        m.id = random_id();
        m.account_id = account_;
        m.to = "+254712345678";
        m.sender = "Ujumbe";
        m.body = body;
        m.encoding = "gsm7";
        m.status = status;
        m.created_at = m.updated_at = at;
        auto done = db().write([&](db::Connection& c) { return store::insert_messages(c, {&m}); });
        EXPECT_TRUE(done) << done.error().message;
        return m.id;
    }

    db::WindowListing<Message> page(const db::Window& w, const MessageQuery& q = {}) {
        db::WindowListing<Message> out;
        auto read = db().read([&](db::Connection& c) -> Status {
            UJ_ASSIGN(out, store::list_messages(c, account_, q, w));
            return {};
        });
        EXPECT_TRUE(read) << read.error().message;
        return out;
    }

    static db::Window after(const std::optional<db::Cursor>& c, std::int64_t limit) {
        return {.limit = limit, .keyset = true, .cursor = c};
    }

    // Ids whose order has nothing to do with the order of insertion.
    MessageId random_id() {
        return MessageId{new_uuid_v7(static_cast<Micros>(rng_() % 1'000'000'000))};
    }

    std::mt19937 rng_{7};
    AccountId account_{"acct-list"};
};

TEST_P(ListWindowTest, FollowingNextWhileMessagesArriveListsEachOnceInOrder) {
    std::vector<std::pair<Micros, std::string>> expected;
    for (int i = 0; i < 45; ++i) {
        const Micros at = kT0 + (i / 3) * kMicrosPerSecond;  // three per instant
        expected.emplace_back(at, add(at).value);
    }
    std::sort(expected.begin(), expected.end(), std::greater<>());
    std::vector<std::string> seen;
    std::optional<db::Cursor> cursor;
    int pages = 0;
    Micros later = kT0 + 1000 * kMicrosPerSecond;
    do {
        const auto listed = page(after(cursor, 7));
        ASSERT_LE(listed.items.size(), 7u);
        EXPECT_EQ(listed.previous.has_value(), pages > 0);
        for (const auto& m : listed.items) seen.push_back(m.id.value);
        cursor = listed.next;
        ++pages;
        // Newer messages arrive between the pages, some at the same instant.
        add(later);
        add(later);
        later += kMicrosPerSecond;
    } while (cursor && pages < 20);
    std::vector<std::string> want;
    for (const auto& e : expected) want.push_back(e.second);
    // The first page was read before anything arrived.
    EXPECT_EQ(seen, want);
    EXPECT_EQ(pages, 7);
}

TEST_P(ListWindowTest, PreviousWalksBackToTheFirstPage) {
    for (int i = 0; i < 20; ++i) add(kT0 + (i / 2) * kMicrosPerSecond);
    std::vector<db::WindowListing<Message>> forward;
    std::optional<db::Cursor> cursor;
    do {
        forward.push_back(page(after(cursor, 6)));
        cursor = forward.back().next;
    } while (cursor);
    ASSERT_EQ(forward.size(), 4u);  // 6 + 6 + 6 + 2
    EXPECT_FALSE(forward.back().more);
    // Back from the last page: each previous page is the one seen going forward.
    auto back = forward.back().previous;
    for (int i = 2; i >= 0; --i) {
        ASSERT_TRUE(back) << i;
        const auto listed = page(after(back, 6));
        std::vector<std::string> got, want;
        for (const auto& m : listed.items) got.push_back(m.id.value);
        for (const auto& m : forward[static_cast<std::size_t>(i)].items) want.push_back(m.id.value);
        EXPECT_EQ(got, want) << i;
        ASSERT_TRUE(listed.next);
        back = listed.previous;
    }
    EXPECT_FALSE(back);  // the first page has none before it
}

TEST_P(ListWindowTest, PageNumbersStillWorkAndSayWhetherMoreFollow) {
    for (int i = 0; i < 5; ++i) add(kT0 + i);
    const auto second = page({.limit = 2, .offset = 2});
    EXPECT_EQ(second.items.size(), 2u);
    EXPECT_TRUE(second.more);
    EXPECT_FALSE(second.next);  // page numbers, not cursors
    const auto third = page({.limit = 2, .offset = 4});
    EXPECT_EQ(third.items.size(), 1u);
    EXPECT_FALSE(third.more);
    EXPECT_EQ(third.count, 5);
}

TEST_P(ListWindowTest, CountsAreExactFromRollupsAndBoundedOtherwise) {
    for (int i = 0; i < 12; ++i) add(kT0 + i, i % 2 ? "apple" : "pear");
    auto all = page(after(std::nullopt, 5));
    EXPECT_EQ(all.count, 12);
    EXPECT_FALSE(all.count_is_estimate);
    auto searched = page(after(std::nullopt, 5), {.search = "apple"});
    EXPECT_EQ(searched.count, 6);
    EXPECT_FALSE(searched.count_is_estimate);
    // Past the bound a search says its count is at least that much.
    std::vector<Message> many(static_cast<std::size_t>(db::kExactCountCap) + 5);
    std::vector<const Message*> rows;
    for (auto& m : many) {
        m.id = random_id();
        m.account_id = account_;
        m.to = "+254712345678";
        m.sender = "Ujumbe";
        m.body = "apple pie";
        m.encoding = "gsm7";
        m.status = status::kDelivered;
        m.created_at = m.updated_at = kT0 + 100;
        rows.push_back(&m);
    }
    ASSERT_TRUE(db().write([&](db::Connection& c) { return store::insert_messages(c, rows); }));
    // PostgreSQL answers with its planner's estimate once its statistics
    // know the rows (SQLite with the bound).
    if (db().dialect() == db::Dialect::kPostgres) {
        ASSERT_TRUE(db().write([](db::Connection& c) { return c.run_script("ANALYZE messages"); }));
    }
    searched = page(after(std::nullopt, 5), {.search = "apple"});
    EXPECT_GE(searched.count, db::kExactCountCap);
    EXPECT_LT(searched.count, 2 * db::kExactCountCap);
    EXPECT_TRUE(searched.count_is_estimate);
    all = page(after(std::nullopt, 5));
    EXPECT_EQ(all.count, 12 + db::kExactCountCap + 5);  // the rollups know
    EXPECT_FALSE(all.count_is_estimate);
}

TEST_P(ListWindowTest, SearchFindsRunsOfTextAndNumbersWithoutCase) {
    add(kT0, "Your parcel is READY for pickup");
    add(kT0 + 1, "Karibu \u0416\u0416\u0416 dukani");
    add(kT0 + 2, "He said \"hi\" twice");
    add(kT0 + 3, "100% off today");
    const auto bodies = [&](const std::string& term) {
        std::vector<std::string> out;
        for (const auto& m : page(after(std::nullopt, 20), {.search = term}).items)
            out.push_back(m.body);
        return out;
    };
    EXPECT_EQ(bodies("ready fo"), (std::vector<std::string>{"Your parcel is READY for pickup"}));
    EXPECT_EQ(bodies("arcel"), (std::vector<std::string>{"Your parcel is READY for pickup"}));
    EXPECT_EQ(bodies("\u0416\u0416"),
              (std::vector<std::string>{"Karibu \u0416\u0416\u0416 dukani"}));
    EXPECT_EQ(bodies("\"hi\""), (std::vector<std::string>{"He said \"hi\" twice"}));
    EXPECT_EQ(bodies("0%"), (std::vector<std::string>{"100% off today"}));  // short: row by row
    EXPECT_EQ(bodies("2345678").size(), 4u);  // the number, anywhere in it
    EXPECT_TRUE(bodies("parcels").empty());
    // Another account's messages are not found.
    account_ = AccountId{"acct-other"};
    EXPECT_TRUE(bodies("parcel").empty());
}

TEST_P(ListWindowTest, ARebuiltSearchIndexFindsTheSameMessages) {
    add(kT0, "alpha bravo");
    add(kT0 + 1, "charlie bravo");
    auto rebuilt = db().write([](db::Connection& c) { return store::rebuild_search(c); });
    ASSERT_TRUE(rebuilt) << rebuilt.error().message;
    if (db().dialect() == db::Dialect::kSqlite) {
        EXPECT_EQ(*rebuilt, 2);
    }
    EXPECT_EQ(page(after(std::nullopt, 20), {.search = "bravo"}).items.size(), 2u);
    EXPECT_EQ(page(after(std::nullopt, 20), {.search = "charl"}).items.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Engines, ListWindowTest, db::testing::engines(),
                         db::testing::EngineName());

}  // namespace
}  // namespace ujumbe::messaging
