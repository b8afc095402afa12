// Conversations in the store, on both engines: opened, counted, reopened and
// read by the messages noted; a late message never moves the last one back;
// filters; one account never reads another's.

#include "conversations/inbox_store.h"

#include <gtest/gtest.h>

#include "contacts/testing_contacts.h"
#include "conversations/inbox.h"

namespace ujumbe::conversations {
namespace {

class InboxStoreTest : public contacts::testing::ContactsTest {
protected:
    void SetUp() override {
        ContactsTest::SetUp();
        if (IsSkipped()) return;
        acme_ = owner_of("Acme", "TZ").account_id;
        beta_ = owner_of("Beta", "KE").account_id;
    }
    void note(const AccountId& a, const std::string& channel, const std::string& customer,
              bool inbound, const std::string& text, Micros at) {
        ASSERT_TRUE(db().write([&](db::Connection& c) {
            return store::note_message(c, a, channel, customer, std::nullopt, inbound, text, at);
        }));
    }
    std::vector<Conversation> list(const AccountId& a, const ConversationQuery& q = {}) {
        auto r = db().read(
            [&](db::Connection& c) { return store::list_conversations(c, a, q, db::Paged{}); });
        EXPECT_TRUE(r) << r.error().message;
        return r ? r->items : std::vector<Conversation>{};
    }

    AccountId acme_, beta_;
};

TEST_P(InboxStoreTest, MessagesOpenCountReopenAndReadTheirConversation) {
    const Micros t = clock_.now();
    note(acme_, "whatsapp", "+255713000002", true, "Habari", t);
    note(acme_, "whatsapp", "+255713000002", true, "Bei gani?", t + 10);
    auto all = list(acme_);
    ASSERT_EQ(all.size(), 1u);
    auto k = all[0];
    EXPECT_EQ(k.status, "OPEN");
    EXPECT_EQ(k.unread_count, 2);
    EXPECT_EQ(k.last_message_preview, "Bei gani?");
    EXPECT_EQ(k.last_message_at, t + 10);
    // Closed, then the customer writes: open again.
    k.status = "CLOSED";
    k.tags = {"vip"};
    ASSERT_TRUE(db().write([&](db::Connection& c) { return store::update_conversation(c, k); }));
    note(acme_, "whatsapp", "+255713000002", true, "Asante", t + 20);
    k = list(acme_)[0];
    EXPECT_EQ(k.status, "OPEN");
    EXPECT_EQ(k.unread_count, 3);
    EXPECT_EQ(k.tags, std::vector<std::string>{"vip"});
    // Our answer reads it; a message older than the last does not move it back.
    note(acme_, "whatsapp", "+255713000002", false, "Karibu", t + 30);
    note(acme_, "whatsapp", "+255713000002", true, "late", t + 5);
    k = list(acme_)[0];
    EXPECT_EQ(k.last_message_preview, "Karibu");
    EXPECT_EQ(k.last_direction, "outbound");
    EXPECT_EQ(k.last_message_at, t + 30);
    EXPECT_EQ(k.unread_count, 1);  // the late one still counts
    // The same number on another channel is another conversation.
    note(acme_, "sms", "+255713000002", true, "SMS", t + 40);
    EXPECT_EQ(list(acme_).size(), 2u);
    EXPECT_EQ(list(acme_)[0].channel, "sms");  // the latest first
}

TEST_P(InboxStoreTest, FiltersAndAccountsStayApart) {
    const Micros t = clock_.now();
    note(acme_, "whatsapp", "+255713000002", true, "a", t);
    note(acme_, "sms", "+255713000003", true, "b", t + 1);
    note(beta_, "sms", "+254722000004", true, "c", t + 2);
    auto sms = list(acme_, {.channel = "sms"});
    ASSERT_EQ(sms.size(), 1u);
    EXPECT_EQ(sms[0].customer, "+255713000003");
    EXPECT_EQ(list(acme_, {.search = "713000002"}).size(), 1u);
    EXPECT_EQ(list(acme_, {.search = "%"}).size(), 0u);  // taken literally
    EXPECT_EQ(list(acme_, {.assigned_to = std::optional<UserId>{}}).size(), 2u);
    EXPECT_EQ(list(acme_, {.unread = false}).size(), 0u);
    EXPECT_EQ(list(beta_).size(), 1u);
    auto theirs = db().read(
        [&](db::Connection& c) { return store::find_conversation(c, acme_, list(beta_)[0].id); });
    ASSERT_TRUE(theirs);
    EXPECT_FALSE(*theirs);
}

TEST(InboxPreview, KeepsWholeCharactersUpTo120) {
    EXPECT_EQ(preview_of("Habari"), "Habari");
    std::string long_text;
    for (int i = 0; i < 130; ++i) long_text += "é";
    const auto p = preview_of(long_text);
    EXPECT_EQ(p.size(), 120u * 2 + 3);
    EXPECT_TRUE(p.ends_with("é..."));
}

INSTANTIATE_TEST_SUITE_P(Engines, InboxStoreTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         [](const auto& info) { return db::testing::dialect_name(info.param); });

}  // namespace
}  // namespace ujumbe::conversations
