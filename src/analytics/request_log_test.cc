// The API request log on both engines: lines written in batches by the
// log's thread (and at once before a read), listed newest first with their
// filters, one account's never in another's, pruned by age in batches;
// past its limit a writer that may not block drops and counts.

#include "analytics/request_log.h"

#include <gtest/gtest.h>

#include <future>
#include <string>

#include "analytics/request_log_store.h"
#include "core/clock.h"
#include "db/testing_db.h"

namespace ujumbe::analytics {
namespace {

constexpr Micros kDay = 86'400 * kMicrosPerSecond;

class RequestLogTest : public db::testing::EngineTest {
protected:
    http::RequestLine line(const std::string& account, const std::string& route, int status,
                           Micros at) {
        http::RequestLine l;
        l.at = at;
        l.method = http::Method::kGet;
        l.route = route;
        l.status = status;
        l.duration_us = 1500;
        l.account_id = AccountId{account};
        l.user_id = UserId{"user-of-" + account};
        l.ip = "127.0.0.1";
        l.request_id = "req-" + std::to_string(at);
        return l;
    }
    Result<db::WindowListing<LoggedRequest>> list(RequestLog& log, RequestLogQuery q) {
        return log.list(q, {});
    }

    FakeClock clock_{1'800'000'000LL * kMicrosPerSecond};
};

TEST_P(RequestLogTest, LinesAreReadNewestFirstWithTheirFiltersAndOnlyTheirAccounts) {
    RequestLog log(db(), clock_, 30, 3600 * kMicrosPerSecond);
    const Micros now = clock_.now();
    log.record(line("acc-a", "/api/v1/auth/me", 200, now - 3));
    log.record(line("acc-a", "/api/v1/messages/{id}", 404, now - 2));
    log.record(line("acc-a", "/api/v1/messages", 500, now - 1));
    auto odd = line("acc-b", "/api/v1/auth/me", 200, now);
    odd.request_id = "a \"client's\" id\\ {with}, commas NULL \xc3\xbc";  // written as given
    odd.api_key_id = ApiKeyId{"key-1"};
    log.record(odd);

    auto mine = list(log, {.account_id = AccountId{"acc-a"}});
    ASSERT_TRUE(mine) << mine.error().message;
    ASSERT_EQ(mine->items.size(), 3u);
    EXPECT_EQ(mine->count, 3);
    EXPECT_EQ(mine->items[0].line.route, "/api/v1/messages");
    EXPECT_EQ(mine->items[2].line.route, "/api/v1/auth/me");
    EXPECT_EQ(mine->items[2].line.duration_us, 1500);
    EXPECT_EQ(mine->items[2].line.user_id.value, "user-of-acc-a");

    auto missing = list(log, {.account_id = AccountId{"acc-a"}, .status = 404});
    ASSERT_TRUE(missing);
    ASSERT_EQ(missing->items.size(), 1u);
    EXPECT_EQ(missing->items[0].line.route, "/api/v1/messages/{id}");
    auto errors = list(log, {.account_id = AccountId{"acc-a"}, .status_class = 5});
    ASSERT_TRUE(errors);
    EXPECT_EQ(errors->items.size(), 1u);
    auto theirs = list(log, {.account_id = AccountId{"acc-b"}});
    ASSERT_TRUE(theirs);
    ASSERT_EQ(theirs->items.size(), 1u);
    EXPECT_EQ(theirs->items[0].line.account_id.value, "acc-b");
    EXPECT_EQ(theirs->items[0].line.request_id, odd.request_id);
    ASSERT_TRUE(theirs->items[0].line.api_key_id);
    EXPECT_EQ(theirs->items[0].line.api_key_id->value, "key-1");
    EXPECT_FALSE(mine->items[0].line.api_key_id);
    auto everyone = list(log, {.route = "/api/v1/auth/me"});
    ASSERT_TRUE(everyone);
    EXPECT_EQ(everyone->items.size(), 2u);
}

TEST_P(RequestLogTest, LinesPastTheirDaysArePrunedInBatches) {
    RequestLog log(db(), clock_, 1, 3600 * kMicrosPerSecond);
    const Micros now = clock_.now();
    for (int i = 0; i < 12'000; ++i)
        log.record(line("acc-a", "/api/v1/x", 200, now - 2 * kDay + i));
    log.record(line("acc-a", "/api/v1/kept", 200, now - kDay / 2));
    ASSERT_TRUE(log.flush());
    auto pruned = log.prune();
    ASSERT_TRUE(pruned) << pruned.error().message;
    // The log's own first round may have taken some already.
    EXPECT_LE(*pruned, 12'000);
    auto left = list(log, {});
    ASSERT_TRUE(left);
    ASSERT_EQ(left->items.size(), 1u);
    EXPECT_EQ(left->items[0].line.route, "/api/v1/kept");
}

TEST_P(RequestLogTest, AWriterThatMayNotBlockDropsPastItsLimitAndCounts) {
    std::promise<void> entered, release;
    auto released = release.get_future().share();
    bool first = true;
    int written = 0;
    db::BatchedWriter<int> writer(db(),
                                  {.name = "drop-test",
                                   .poll = 3600 * kMicrosPerSecond,
                                   .wake_at = 1000,
                                   .max_waiting = 3,
                                   .overflow = db::Overflow::kDrop},
                                  [&](db::Connection&, const std::vector<int>& batch) -> Status {
                                      if (first) {  // holds the first batch until released
                                          first = false;
                                          entered.set_value();
                                          released.wait();
                                      }
                                      written += static_cast<int>(batch.size());
                                      return {};
                                  });
    EXPECT_TRUE(writer.add(1));
    EXPECT_TRUE(writer.add(2));
    EXPECT_TRUE(writer.add(3));  // the limit: the thread takes the batch, never this caller
    entered.get_future().wait();
    EXPECT_TRUE(writer.add(4));
    EXPECT_TRUE(writer.add(5));
    EXPECT_TRUE(writer.add(6));
    EXPECT_FALSE(writer.add(7));  // three wait while the first batch is written
    EXPECT_EQ(writer.dropped(), 1u);
    release.set_value();
    writer.stop();
    EXPECT_EQ(written, 6);
}

INSTANTIATE_TEST_SUITE_P(Engines, RequestLogTest, db::testing::engines(),
                         db::testing::EngineName());

}  // namespace
}  // namespace ujumbe::analytics
