// The recorder alone, on both engines: what each record writes in the
// caller's transaction (statuses, parts, receipts, events, the queue) and
// what it asks of its hooks.

#include "messaging/recorder.h"

#include <gtest/gtest.h>

#include "contacts/testing_contacts.h"
#include "messaging/store.h"
#include "messaging/testing_messages.h"

namespace ujumbe::messaging {
namespace {

using channels::PartOutcome;

class RecorderTest : public contacts::testing::ContactsTest, private OutcomeHooks {
protected:
    void SetUp() override {
        ContactsTest::SetUp();
        if (IsSkipped()) return;
        who_ = owner_of("Sender Ltd", "KE");
        recorder_ = std::make_unique<Recorder>(
            RecorderOptions{.max_attempts = 2}, [this] { return who_.account_id; },
            static_cast<OutcomeHooks*>(this));
    }

    // A stored message, queued as the accept path leaves it.
    Message queued() {
        return testing::stored_message(db(), who_.account_id, status::kQueued, clock_.now(),
                                       clock_.now());
    }
    Status write(std::vector<Record> batch) {
        kept_early_ = 0;
        return db().write([&](db::Connection& c) {
            return recorder_->write(c, batch, clock_.now(), &kept_early_);
        });
    }
    static SentRecord accepted(const Message& m, const std::string& provider_id) {
        PartOutcome p{.part = 1, .accepted = true, .left = true, .answered = true};
        p.provider_id = p.provider_key = provider_id;
        return SentRecord{.message = m, .gateway_id = GatewayId{"gw"}, .outcome = {{p}}};
    }
    static channels::ReceiptReport receipt(const std::string& provider_id, const std::string& stat,
                                           const std::string& status) {
        return {.gateway_id = GatewayId{"gw"},
                .provider_id = provider_id,
                .provider_key = provider_id,
                .stat = stat,
                .status = status};
    }
    Message stored(const MessageId& id) {
        Message out;
        EXPECT_TRUE(db().read([&](db::Connection& c) -> Status {
            UJ_ASSIGN(auto m, store::find_message(c, who_.account_id, id));
            if (m) out = std::move(*m);
            return {};
        }));
        return out;
    }
    std::vector<std::string> event_types(const MessageId& id) {
        std::vector<std::string> out;
        EXPECT_TRUE(db().read([&](db::Connection& c) -> Status {
            UJ_ASSIGN(auto events, store::events_of(c, id));
            for (const auto& e : events) out.push_back(e.type);
            return {};
        }));
        return out;
    }
    std::int64_t early_rows() {
        std::int64_t n = -1;
        EXPECT_TRUE(db().read([&](db::Connection& c) -> Status {
            UJ_ASSIGN(auto row, c.query_one("SELECT COUNT(*) FROM early_receipts"));
            n = row ? row->i64(0) : -1;
            return {};
        }));
        return n;
    }
    std::int64_t queue_rows() {
        std::int64_t n = -1;
        EXPECT_TRUE(db().read([&](db::Connection& c) -> Status {
            UJ_ASSIGN(n, store::queued_count(c));
            return {};
        }));
        return n;
    }

    // OutcomeHooks: what the recorder asked.
    Status finished(db::Connection&, const std::vector<MessageId>& ids,
                    const std::string& status) override {
        for (const auto& id : ids) finals_.emplace_back(id, status);
        return {};
    }
    Result<std::vector<std::pair<MessageId, std::int64_t>>> gateway_costs(
        db::Connection&, const GatewayId& gateway_id,
        const std::vector<const Message*>& sent) override {
        std::vector<std::pair<MessageId, std::int64_t>> costs;
        for (const auto* m : sent) costs.emplace_back(m->id, gateway_id == GatewayId{"gw"} ? 7 : 0);
        return costs;
    }
    Status inbound(db::Connection&, const Message& m) override {
        inbound_.push_back(m.account_id.value + " " + m.sender + " " + m.body);
        return {};
    }
    Status reached_final(db::Connection&, const std::vector<FinalMessage>& done,
                         MessageStatus status, const std::optional<std::string>&) override {
        for (const auto& m : done) {
            reached_.emplace_back(m.id, std::string(status_name(status)));
            reached_via_.push_back(m.channel + " " + (m.gateway_id ? m.gateway_id->value : "-"));
        }
        return {};
    }

    Principal who_;
    std::unique_ptr<Recorder> recorder_;
    std::size_t kept_early_ = 0;
    std::vector<std::pair<MessageId, std::string>> finals_;
    std::vector<std::string> inbound_;
    std::vector<std::pair<MessageId, std::string>> reached_;
    std::vector<std::string> reached_via_;  // "channel gateway" of each
};

TEST_P(RecorderTest, AnAcceptedAnswerMakesTheMessageSentWithItsPartAndCost) {
    auto m = queued();
    ASSERT_TRUE(write({accepted(m, "p-1")}));
    auto s = stored(m.id);
    EXPECT_EQ(s.status, status::kSent);
    EXPECT_EQ(s.cost, 7);  // the gateway's cost, from the hook
    EXPECT_EQ(event_types(m.id), (std::vector<std::string>{"message.sending", "message.sent"}));
    EXPECT_EQ(queue_rows(), 0);
    EXPECT_TRUE(finals_.empty());  // sent is no final failure
}

TEST_P(RecorderTest, AReceiptInTheSameBatchAsItsAnswerFindsItsPart) {
    auto m = queued();
    ASSERT_TRUE(write({receipt("p-1", "DELIVRD", "delivered"), accepted(m, "p-1")}));
    EXPECT_EQ(stored(m.id).status, status::kDelivered);
    EXPECT_EQ(kept_early_, 0u);
}

TEST_P(RecorderTest, AReceiptBeforeItsPartIsKeptAndMatchedOnceThePartIsRecorded) {
    auto m = queued();
    ASSERT_TRUE(write({receipt("p-early", "DELIVRD", "delivered")}));
    EXPECT_EQ(kept_early_, 1u);
    EXPECT_EQ(early_rows(), 1);
    ASSERT_TRUE(write({accepted(m, "p-early")}));
    EXPECT_EQ(stored(m.id).status, status::kSent);  // matched by the next sweep, not before
    ASSERT_TRUE(write({MatchEarlyReceipts{}}));
    EXPECT_EQ(stored(m.id).status, status::kDelivered);
    EXPECT_EQ(early_rows(), 0);
    ASSERT_TRUE(write({MatchEarlyReceipts{}}));  // matched once only
    EXPECT_EQ(finals_.size(), 0u);               // delivered is no final failure
}

TEST_P(RecorderTest, AnEarlyReceiptThatNeverFindsItsPartIsDroppedAfterItsKeep) {
    ASSERT_TRUE(write({receipt("nobody", "DELIVRD", "delivered")}));
    ASSERT_TRUE(write({MatchEarlyReceipts{.keep = 3600 * kMicrosPerSecond}}));
    EXPECT_EQ(early_rows(), 1);
    clock_.advance(3601 * kMicrosPerSecond);
    ASSERT_TRUE(write({MatchEarlyReceipts{.keep = 3600 * kMicrosPerSecond}}));
    EXPECT_EQ(early_rows(), 0);
}

TEST_P(RecorderTest, AFinalFailureReceiptIsFinishedOnceAndLaterReceiptsDoNotMoveIt) {
    auto m = queued();
    ASSERT_TRUE(write({accepted(m, "p-1")}));
    ASSERT_TRUE(write({receipt("p-1", "UNDELIV", "undelivered")}));
    EXPECT_EQ(stored(m.id).status, status::kUndelivered);
    ASSERT_TRUE(write({receipt("p-1", "DELIVRD", "delivered")}));
    EXPECT_EQ(stored(m.id).status, status::kUndelivered);
    ASSERT_EQ(finals_.size(), 1u);
    EXPECT_EQ(finals_[0], std::make_pair(m.id, std::string("undelivered")));
}

TEST_P(RecorderTest, ADeliveredMessageIsReadOnceAndOwesItsFinalHooksOnce) {
    auto m = queued();
    ASSERT_TRUE(write({accepted(m, "p-1")}));
    ASSERT_TRUE(write({receipt("p-1", "delivered", "delivered")}));
    ASSERT_TRUE(write({receipt("p-1", "read", "read")}));
    EXPECT_EQ(stored(m.id).status, status::kRead);
    ASSERT_TRUE(write({receipt("p-1", "read", "read"), receipt("p-1", "delivered", "delivered")}));
    EXPECT_EQ(stored(m.id).status, status::kRead);  // never back
    EXPECT_EQ(event_types(m.id), (std::vector<std::string>{"message.sending", "message.sent",
                                                           "message.delivered", "message.read"}));
    EXPECT_EQ(reached_, (std::vector<std::pair<MessageId, std::string>>{{m.id, "delivered"}}));
    EXPECT_TRUE(finals_.empty());  // nothing to refund

    // Read with no delivery receipt before it: final once, as read.
    auto n = queued();
    ASSERT_TRUE(write({accepted(n, "p-2")}));
    ASSERT_TRUE(write({receipt("p-2", "read", "read")}));
    ASSERT_TRUE(write({receipt("p-2", "delivered", "delivered")}));
    EXPECT_EQ(stored(n.id).status, status::kRead);
    EXPECT_EQ(reached_.back(), std::make_pair(n.id, std::string("read")));
    EXPECT_EQ(reached_.size(), 2u);
    EXPECT_TRUE(finals_.empty());
    // with the channel and the gateway the receipts came through (metrics)
    EXPECT_EQ(reached_via_, (std::vector<std::string>{"sms gw", "sms gw"}));
}

TEST_P(RecorderTest, ARefusalRejectsAndAnUnansweredPartStaysSentNeverToBeResent) {
    auto refused = queued();
    PartOutcome no{.part = 1, .answered = true, .error_code = "ESME_RINVDSTADR"};
    ASSERT_TRUE(
        write({SentRecord{.message = refused, .gateway_id = GatewayId{"gw"}, .outcome = {{no}}}}));
    EXPECT_EQ(stored(refused.id).status, status::kRejected);
    EXPECT_EQ(stored(refused.id).error_code, "ESME_RINVDSTADR");
    ASSERT_EQ(finals_.size(), 1u);
    EXPECT_EQ(reached_via_, (std::vector<std::string>{"sms gw"}));

    auto unanswered = queued();
    PartOutcome lost{.part = 1, .left = true, .error_code = "NO_RESPONSE"};
    ASSERT_TRUE(write(
        {SentRecord{.message = unanswered, .gateway_id = GatewayId{"gw"}, .outcome = {{lost}}}}));
    auto s = stored(unanswered.id);
    EXPECT_EQ(s.status, status::kSent);
    EXPECT_EQ(s.error_code, "NO_RESPONSE");
    EXPECT_EQ(queue_rows(), 0);
}

TEST_P(RecorderTest, ARetryRequeuesUntilTheLastAttemptFails) {
    auto m = queued();
    ASSERT_TRUE(write({RetryRecord{m, "NO_GATEWAY_AVAILABLE", "none bound"}}));
    auto s = stored(m.id);
    EXPECT_EQ(s.status, status::kQueued);
    EXPECT_EQ(s.attempts, 1);
    EXPECT_EQ(queue_rows(), 1);
    EXPECT_TRUE(finals_.empty());
    // max_attempts = 2: the second retry is the last.
    ASSERT_TRUE(write({RetryRecord{s, "NO_GATEWAY_AVAILABLE", "none bound"}}));
    EXPECT_EQ(stored(m.id).status, status::kFailed);
    EXPECT_EQ(queue_rows(), 0);
    ASSERT_EQ(finals_.size(), 1u);
    EXPECT_EQ(finals_[0].second, "failed");
    EXPECT_EQ(reached_via_, (std::vector<std::string>{"sms -"}));  // it never left
}

TEST_P(RecorderTest, AReceiptTimeoutExpiresOnlyMessagesStillSent) {
    auto waiting = queued();
    ASSERT_TRUE(write({accepted(waiting, "p-1")}));
    auto delivered = queued();
    ASSERT_TRUE(write({accepted(delivered, "p-2"), receipt("p-2", "DELIVRD", "delivered")}));
    auto unsent = queued();
    ASSERT_EQ(stored(waiting.id).status, status::kSent);
    ASSERT_EQ(stored(delivered.id).status, status::kDelivered);
    const auto delivered_events = event_types(delivered.id);
    const auto unsent_events = event_types(unsent.id);
    ASSERT_TRUE(finals_.empty());

    clock_.advance(kMicrosPerSecond);
    ASSERT_TRUE(write({ReceiptTimeouts{{waiting.id, delivered.id, unsent.id}}}));
    auto expired = stored(waiting.id);
    EXPECT_EQ(expired.status, status::kExpired);
    EXPECT_EQ(expired.error_code, "RECEIPT_TIMEOUT");
    EXPECT_EQ(expired.done_at, clock_.now());
    EXPECT_EQ(event_types(waiting.id),
              (std::vector<std::string>{"message.sending", "message.sent", "message.expired"}));
    ASSERT_EQ(finals_.size(), 1u);
    EXPECT_EQ(finals_[0], std::make_pair(waiting.id, std::string("expired")));
    EXPECT_EQ(reached_via_.back(), "sms gw");
    // A receipt came, or it was never sent: left as it was, no event.
    EXPECT_EQ(stored(delivered.id).status, status::kDelivered);
    EXPECT_FALSE(stored(delivered.id).error_code);
    EXPECT_EQ(event_types(delivered.id), delivered_events);
    EXPECT_EQ(stored(unsent.id).status, status::kQueued);
    EXPECT_EQ(event_types(unsent.id), unsent_events);

    // Timed out once: another look changes nothing.
    ASSERT_TRUE(write({ReceiptTimeouts{{waiting.id}}}));
    EXPECT_EQ(event_types(waiting.id).size(), 3u);
    EXPECT_EQ(finals_.size(), 1u);
}

TEST_P(RecorderTest, ConcatenatedInboundPartsBecomeOneMessageAndReachTheHook) {
    channels::InboundReport first{.gateway_id = GatewayId{"gw"},
                                  .from = "254700000001",
                                  .to = "12345",
                                  .text = "Hello ",
                                  .reference = 9,
                                  .total = 2,
                                  .part = 1};
    auto second = first;
    second.text = "there";
    second.part = 2;
    ASSERT_TRUE(write({first}));
    EXPECT_TRUE(inbound_.empty());  // waits for its other part
    ASSERT_TRUE(write({second}));
    ASSERT_EQ(inbound_.size(), 1u);
    EXPECT_EQ(inbound_[0], who_.account_id.value + " +254700000001 Hello there");
}

INSTANTIATE_TEST_SUITE_P(Engines, RecorderTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         [](const auto& info) { return db::testing::dialect_name(info.param); });

}  // namespace
}  // namespace ujumbe::messaging
