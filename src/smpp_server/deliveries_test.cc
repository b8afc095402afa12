// What the SMPP server owes and sends: receipts only for submits that asked
// (failures only when asked so), inbound messages for the account's
// receivers, and the deliver_sm each becomes.

#include "smpp_server/deliveries.h"

#include <gtest/gtest.h>

#include "channels/smpp/receipt.h"
#include "db/testing_db.h"
#include "messaging/testing_messages.h"
#include "smpp_server/store.h"

namespace ujumbe::smpp_server {
namespace {

using messaging::MessageStatus;

TEST(DeliverMessages, AReceiptCarriesTheCustomersIdStatAndTlvs) {
    PendingDelivery d;
    d.kind = DeliveryKind::kReceipt;
    d.message_id = MessageId{"0190a0b0-0000-7000-8000-000000000001"};
    d.from = "+254712345678";
    d.to = "Shop";
    d.text = "Hello";
    d.status = "expired";
    d.submitted_at = 1'767'225'600'000'000;
    d.done_at = d.submitted_at + 60 * kMicrosPerSecond;
    auto messages = deliver_messages(d);
    ASSERT_EQ(messages.size(), 1u);
    const auto& m = messages.front();
    EXPECT_EQ(m.esm_class, smpp::kEsmDeliveryReceipt);
    EXPECT_EQ(m.source_addr, "254712345678");
    EXPECT_EQ(m.source_addr_ton, 1);
    EXPECT_EQ(m.destination_addr, "Shop");
    auto receipt = smpp::parse_receipt(m);
    ASSERT_TRUE(receipt);
    EXPECT_EQ(receipt->message_id, d.message_id.value);
    EXPECT_EQ(receipt->stat, "EXPIRED");
    EXPECT_EQ(receipt->outcome, smpp::ReceiptOutcome::kExpired);
    EXPECT_NE(m.short_message.find("text:Hello"), std::string::npos);
}

TEST(DeliverMessages, AnUndeliveredReceiptCarriesItsErrorNumber) {
    PendingDelivery d;
    d.message_id = MessageId{"m-1"};
    d.from = "+254712345678";
    d.to = "Shop";
    d.status = "undelivered";
    d.error_code = "SMPP_0x0000000B";
    auto m = deliver_messages(d).front();
    EXPECT_NE(m.short_message.find("stat:UNDELIV err:011"), std::string::npos) << m.short_message;
    d.status = "failed";
    d.error_code = "NO_ROUTE";
    m = deliver_messages(d).front();
    EXPECT_NE(m.short_message.find("stat:UNDELIV err:001"), std::string::npos) << m.short_message;
}

TEST(DeliverMessages, ALongInboundMessageGoesInConcatenatedParts) {
    PendingDelivery d;
    d.kind = DeliveryKind::kInbound;
    d.from = "+255712000111";
    d.to = "255700000001";
    d.text = std::string(200, 'x');
    auto messages = deliver_messages(d);
    ASSERT_EQ(messages.size(), 2u);
    for (const auto& m : messages) {
        EXPECT_EQ(m.esm_class & smpp::kEsmUdhi, smpp::kEsmUdhi);
        EXPECT_EQ(m.source_addr, "255712000111");
        EXPECT_EQ(m.destination_addr, "255700000001");
    }
}

class OweTest : public db::testing::EngineTest {
protected:
    void SetUp() override {
        EngineTest::SetUp();
        if (IsSkipped()) return;
        deliveries_ =
            std::make_unique<Deliveries>(test_->db(), clock_, "node-a", DeliveryOptions{});
    }

    messaging::Message sent_message(int receipts) {
        auto m = messaging::testing::stored_message(db(), AccountId{"acct-a"}, MessageStatus::kSent,
                                                    clock_.now(), clock_.now());
        if (receipts) {
            EXPECT_TRUE(db().write([&](db::Connection& c) {
                return store::insert_submissions(c, {{m.id, SmppAccountId{"s-1"}, receipts}});
            }));
        }
        return m;
    }
    std::vector<PendingDelivery> owed() {
        auto claimed = db().write([&](db::Connection& c) {
            return store::claim_deliveries(c, SmppAccountId{"s-1"}, "test", clock_.now(),
                                           clock_.now() + 1, 100);
        });
        EXPECT_TRUE(claimed);
        return claimed ? *claimed : std::vector<PendingDelivery>{};
    }
    Status owe(const std::vector<MessageId>& ids, MessageStatus status,
               std::optional<std::string> error = std::nullopt) {
        return db().write(
            [&](db::Connection& c) { return deliveries_->owe_receipts(c, ids, status, error); });
    }

    FakeClock clock_;
    std::unique_ptr<Deliveries> deliveries_;
};

TEST_P(OweTest, ReceiptsAreOwedAsEachSubmitAsked) {
    auto every = sent_message(1);
    auto failures_only = sent_message(2);
    auto none = sent_message(0);
    ASSERT_TRUE(owe({every.id, failures_only.id, none.id}, MessageStatus::kDelivered));
    auto first = owed();
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].message_id, every.id);
    EXPECT_EQ(first[0].status, "delivered");
    EXPECT_EQ(first[0].from, every.to);
    EXPECT_EQ(first[0].to, every.sender);
    EXPECT_EQ(first[0].submitted_at, every.created_at);

    auto failed = sent_message(2);
    ASSERT_TRUE(owe({failed.id}, MessageStatus::kUndelivered, "SMPP_0x00000045"));
    auto second = owed();
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(second[0].message_id, failed.id);
    EXPECT_EQ(second[0].error_code, "SMPP_0x00000045");
}

TEST_P(OweTest, AnInboundMessageIsOwedToEveryReceiverOfItsAccount) {
    SmppAccount receiver;
    receiver.id = SmppAccountId{"s-1"};
    receiver.account_id = AccountId{"acct-a"};
    receiver.user_id = UserId{"u"};
    receiver.system_id = "rx";
    receiver.binds = {BindKind::kReceiver};
    ASSERT_TRUE(db().write(
        [&](db::Connection& c) { return store::insert_account(c, receiver, "sealed"); }));
    messaging::Message in;
    in.id = MessageId{"m-in"};
    in.account_id = AccountId{"acct-a"};
    in.direction = "inbound";
    in.sender = "+255712000111";
    in.to = "255700000001";
    in.body = "Habari";
    in.created_at = clock_.now();
    ASSERT_TRUE(db().write([&](db::Connection& c) { return deliveries_->owe_inbound(c, in); }));
    in.account_id = AccountId{"acct-b"};  // an account without receivers
    ASSERT_TRUE(db().write([&](db::Connection& c) { return deliveries_->owe_inbound(c, in); }));
    auto claimed = owed();
    ASSERT_EQ(claimed.size(), 1u);
    EXPECT_EQ(claimed[0].kind, DeliveryKind::kInbound);
    EXPECT_EQ(claimed[0].text, "Habari");
    EXPECT_EQ(claimed[0].from, "+255712000111");
}

INSTANTIATE_TEST_SUITE_P(Engines, OweTest, db::testing::engines(), db::testing::EngineName());

}  // namespace
}  // namespace ujumbe::smpp_server
