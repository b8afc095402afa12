// The messaging service on both engines, beyond the accept path
// (accept_test.cc): what send answers, the reads of messages scoped to the
// caller's account (list, get, receipts, stats), cancel, number checks,
// quotes, and sender ids from registration to the platform admin's decision.

#include "messaging/service.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "billing/service.h"
#include "contacts/testing_contacts.h"
#include "messaging/store.h"
#include "messaging/testing_messages.h"

namespace ujumbe::messaging {
namespace {

using Counts = std::vector<std::pair<std::string, std::int64_t>>;
using Texts = std::vector<std::string>;

class MessagingServiceTest : public contacts::testing::ContactsTest {
protected:
    void SetUp() override {
        ContactsTest::SetUp();
        if (IsSkipped()) return;
        committer_ = std::make_unique<Committer>(db(), "commits");
        a_ = owner_of("Acme", "KE");
        b_ = owner_of("Beta", "KE");
        // Only the principal matters to the sender-id checks.
        admin_ = owner_of("Platform", "KE");
        admin_.account_type = AccountType::kPlatform;
        messaging_ = std::make_unique<MessagingService>(
            db(), clock_, *identity_, *service_, *committer_, MessagingOptions{}, MessagingPorts{});
    }
    void TearDown() override {
        if (committer_) committer_->stop();
        ContactsTest::TearDown();
    }

    // A message sent a second after the previous one (lists are newest first).
    Message sent(const Principal& who, const SendRequest& request) {
        clock_.advance(kMicrosPerSecond);
        auto r = messaging_->send(who, request);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        return r ? *r : Message{};
    }
    Micros in_an_hour() const { return clock_.now() + 3600 * kMicrosPerSecond; }

    // An inbound message of `who`'s account, as the pipeline stores it.
    Message inbound(const Principal& who, const std::string& body) {
        clock_.advance(kMicrosPerSecond);
        Message m;
        m.id = MessageId{new_uuid_v7(clock_.now())};
        m.account_id = who.account_id;
        m.direction = "inbound";
        m.to = "12345";
        m.sender = "+254700000001";
        m.body = body;
        m.encoding = "gsm7";
        m.status = status::kReceived;
        m.created_at = m.updated_at = clock_.now();
        EXPECT_TRUE(db().write([&](db::Connection& c) { return store::insert_messages(c, {&m}); }));
        return m;
    }

    // Bodies of the messages listed, in order.
    Texts listed(const Principal& who, const MessageQuery& q, db::Window page = {100, 0},
                 std::int64_t* count = nullptr) {
        auto r = messaging_->list(who, q, page);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        if (!r) return {};
        if (count) *count = r->count;
        Texts out;
        for (const auto& m : r->items) out.push_back(m.body);
        return out;
    }

    SenderIdRecord registered(const Principal& who, const SenderIdInput& in) {
        clock_.advance(kMicrosPerSecond);
        auto r = messaging_->register_sender_id(who, in);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        return r ? *r : SenderIdRecord{};
    }
    // "sender/country" of the sender ids listed, in order.
    Texts senders(const Principal& who, std::optional<std::string> status = std::nullopt,
                  std::optional<std::string> country = std::nullopt,
                  std::optional<std::string> search = std::nullopt, db::Paged page = {100, 0},
                  std::int64_t* count = nullptr) {
        auto r = messaging_->list_sender_ids(who, status, country, search, page);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        if (!r) return {};
        if (count) *count = r->count;
        Texts out;
        for (const auto& s : r->items) out.push_back(s.sender + "/" + s.country);
        return out;
    }

    std::int64_t queue_rows() {
        std::int64_t n = -1;
        EXPECT_TRUE(db().read([&](db::Connection& c) -> Status {
            UJ_ASSIGN(n, store::queued_count(c));
            return {};
        }));
        return n;
    }
    static std::string field_of(const Error& e) {
        return e.errors.empty() ? "" : e.errors.begin()->first;
    }

    std::unique_ptr<Committer> committer_;
    std::unique_ptr<MessagingService> messaging_;
    Principal a_, b_, admin_;
};

TEST_P(MessagingServiceTest, SendAnswersTheStoredMessageOrItsChecksErrorNamingTheField) {
    auto m = sent(a_, {.to = "0712345678", .body = "Hello", .client_ref = "r-1"});
    EXPECT_EQ(m.account_id, a_.account_id);
    EXPECT_EQ(m.user_id, a_.user_id);
    EXPECT_EQ(m.to, "+254712345678");
    EXPECT_EQ(m.sender, "Ujumbe");  // the default sender id
    EXPECT_EQ(m.status, status::kQueued);
    EXPECT_EQ(m.client_ref, "r-1");

    auto bad_number = messaging_->send(a_, {.to = "not a number", .body = "a"});
    ASSERT_FALSE(bad_number);
    EXPECT_EQ(bad_number.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(bad_number.error().error_code, "INVALID_NUMBER");
    EXPECT_EQ(field_of(bad_number.error()), "to");
    auto empty = messaging_->send(a_, {.to = "0712345678", .body = ""});
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().error_code, "INVALID_BODY");
    EXPECT_EQ(field_of(empty.error()), "body");
    auto unapproved = messaging_->send(a_, {.to = "0712345678", .body = "a", .sender_id = "Acme"});
    ASSERT_FALSE(unapproved);
    EXPECT_EQ(unapproved.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(unapproved.error().error_code, "SENDER_ID_NOT_APPROVED");
    EXPECT_EQ(field_of(unapproved.error()), "sender_id");
    std::int64_t count = -1;
    listed(a_, {}, {100, 0}, &count);
    EXPECT_EQ(count, 1);  // refusals store nothing
}

TEST_P(MessagingServiceTest, SearchLooksAtTheLastThirtyDaysUnlessGivenARange) {
    const Micros sent_at = clock_.now();
    sent(a_, {.to = "0712345671", .body = "Invoice 7"});
    clock_.advance(31LL * 86'400 * kMicrosPerSecond);
    sent(a_, {.to = "0712345672", .body = "Invoice 8"});
    EXPECT_EQ(listed(a_, {.search = "invoice"}), (Texts{"Invoice 8"}));
    EXPECT_EQ(listed(a_, {.search = "invoice", .from = sent_at - 1}),
              (Texts{"Invoice 8", "Invoice 7"}));
    auto stats = messaging_->stats(a_, {.search = "invoice"});
    ASSERT_TRUE(stats);
    EXPECT_EQ(stats->total, 1);
    // Without a search every date counts.
    EXPECT_EQ(listed(a_, {}), (Texts{"Invoice 8", "Invoice 7"}));
}

TEST_P(MessagingServiceTest, ListFiltersAndPagesOnlyTheCallersMessages) {
    sent(a_, {.to = "0712345671", .body = "Hello world", .client_ref = "r-1"});
    sent(a_, {.to = "0712345672", .body = "Invoice 42"});
    sent(a_, {.to = "0712345673", .body = "Later", .send_at = in_an_hour()});
    inbound(a_, "Reply");
    sent(b_, {.to = "0712345672", .body = "Beta news"});

    std::int64_t count = -1;
    EXPECT_EQ(listed(a_, {}, {100, 0}, &count),
              (Texts{"Reply", "Later", "Invoice 42", "Hello world"}));
    EXPECT_EQ(count, 4);
    EXPECT_EQ(listed(a_, {.status = "scheduled"}), (Texts{"Later"}));
    EXPECT_EQ(listed(a_, {.direction = "inbound"}), (Texts{"Reply"}));
    EXPECT_EQ(listed(a_, {.to = "+254712345672"}), (Texts{"Invoice 42"}));
    EXPECT_EQ(listed(a_, {.client_ref = "r-1"}), (Texts{"Hello world"}));
    EXPECT_EQ(listed(a_, {.search = "INVOICE"}), (Texts{"Invoice 42"}));  // any case
    EXPECT_EQ(listed(a_, {.search = "345671"}), (Texts{"Hello world"}));  // the number too
    // Pages of two, with the whole count on each.
    EXPECT_EQ(listed(a_, {}, {2, 0}, &count), (Texts{"Reply", "Later"}));
    EXPECT_EQ(count, 4);
    EXPECT_EQ(listed(a_, {}, {2, 2}), (Texts{"Invoice 42", "Hello world"}));
    // Each account sees its own only; a new one sees nothing.
    EXPECT_EQ(listed(b_, {.to = "+254712345672"}), (Texts{"Beta news"}));
    EXPECT_TRUE(listed(owner_of("Gamma", "KE"), {}, {100, 0}, &count).empty());
    EXPECT_EQ(count, 0);
}

TEST_P(MessagingServiceTest, GetAndReceiptsShowAMessageWithItsHistoryToItsAccountOnly) {
    auto m = sent(a_, {.to = "0712345678", .body = "Hello"});
    MessagePart part{
        .part = 1, .gateway_id = GatewayId{"gw"}, .provider_id = "p-1", .status = "submitted"};
    part.provider_key = part.provider_id;
    // Receipts by arrival, not by id: the later one has the smaller id.
    Receipt delivered{
        .id = "r-1", .gateway_id = GatewayId{"gw"}, .provider_id = "p-1", .stat = "DELIVRD"};
    Receipt enroute = delivered;
    enroute.id = "r-2";
    enroute.stat = "ENROUTE";
    enroute.received_at = clock_.now() + 1;
    delivered.received_at = clock_.now() + 2;
    ASSERT_TRUE(db().write([&](db::Connection& c) -> Status {
        UJ_TRY(store::insert_parts(c, m.id, {part}));
        UJ_TRY(store::insert_receipt(c, m.id, delivered));
        return store::insert_receipt(c, m.id, enroute);
    }));

    auto d = messaging_->get(a_, m.id);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->message.to, "+254712345678");
    ASSERT_EQ(d->parts.size(), 1u);
    EXPECT_EQ(d->parts[0].gateway_id, GatewayId{"gw"});
    EXPECT_EQ(d->parts[0].status, "submitted");
    ASSERT_EQ(d->events.size(), 1u);
    EXPECT_EQ(d->events[0].type, "message.queued");
    EXPECT_EQ(d->events[0].status, "queued");
    auto r = messaging_->receipts(a_, m.id);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->size(), 2u);
    EXPECT_EQ((*r)[0].stat, "ENROUTE");
    EXPECT_EQ((*r)[1].stat, "DELIVRD");

    // Another account's message is not found, whatever the call.
    auto theirs = messaging_->get(b_, m.id);
    ASSERT_FALSE(theirs);
    EXPECT_EQ(theirs.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(theirs.error().error_code, "NOT_FOUND");
    auto their_receipts = messaging_->receipts(b_, m.id);
    ASSERT_FALSE(their_receipts);
    EXPECT_EQ(their_receipts.error().code, ErrorCode::kNotFound);
}

TEST_P(MessagingServiceTest, StatsCountTheCallersMessagesBySegmentStatusAndDirection) {
    sent(a_, {.to = "0712345671", .body = "Hi"});
    sent(a_, {.to = "0712345672", .body = std::string(161, 'a')});  // two segments
    sent(a_, {.to = "0712345673", .body = "Later", .send_at = in_an_hour()});
    inbound(a_, "Reply");
    sent(b_, {.to = "0712345671", .body = "Beta"});

    auto all = messaging_->stats(a_, {});
    ASSERT_TRUE(all) << all.error().message;
    EXPECT_EQ(all->total, 4);
    EXPECT_EQ(all->segments, 5);
    EXPECT_EQ(all->by_status, (Counts{{"queued", 2}, {"received", 1}, {"scheduled", 1}}));
    EXPECT_EQ(all->by_direction, (Counts{{"inbound", 1}, {"outbound", 3}}));
    auto outbound = messaging_->stats(a_, {.direction = "outbound"});
    ASSERT_TRUE(outbound) << outbound.error().message;
    EXPECT_EQ(outbound->total, 3);
    EXPECT_EQ(outbound->segments, 4);
}

TEST_P(MessagingServiceTest, CancelWithdrawsAScheduledMessageOfTheCallersAccount) {
    auto m = sent(a_, {.to = "0712345678", .body = "Later", .send_at = in_an_hour()});
    ASSERT_EQ(m.status, status::kScheduled);
    auto theirs = messaging_->cancel(b_, m.id);
    ASSERT_FALSE(theirs);
    EXPECT_EQ(theirs.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(messaging_->get(a_, m.id)->message.status, status::kScheduled);

    clock_.advance(kMicrosPerSecond);
    auto canceled = messaging_->cancel(a_, m.id);
    ASSERT_TRUE(canceled) << canceled.error().message;
    EXPECT_EQ(canceled->status, status::kCanceled);
    EXPECT_EQ(canceled->done_at, clock_.now());
    auto d = messaging_->get(a_, m.id);
    ASSERT_TRUE(d) << d.error().message;
    ASSERT_EQ(d->events.size(), 2u);
    EXPECT_EQ(d->events[0].type, "message.scheduled");
    EXPECT_EQ(d->events[1].type, "message.canceled");
    EXPECT_EQ(queue_rows(), 0);  // never to be sent
    // Canceled is final.
    auto again = messaging_->cancel(a_, m.id);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().error_code, "INVALID_STATUS");
}

TEST_P(MessagingServiceTest, CancelRefusesAMessageNoLongerScheduled) {
    auto queued = sent(a_, {.to = "0712345678", .body = "Now"});
    auto refused = messaging_->cancel(a_, queued.id);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
    EXPECT_EQ(refused.error().error_code, "INVALID_STATUS");
    EXPECT_EQ(refused.error().details.value("current_status", ""), "queued");
    EXPECT_EQ(refused.error().details.at("allowed_statuses").get<std::vector<std::string>>(),
              (Texts{"scheduled"}));
    EXPECT_EQ(queue_rows(), 1);  // still to be sent

    const Micros now = clock_.now();
    auto gone = testing::stored_message(db(), a_.account_id, status::kSent, now, now);
    auto too_late = messaging_->cancel(a_, gone.id);
    ASSERT_FALSE(too_late);
    EXPECT_EQ(too_late.error().code, ErrorCode::kConflict);
    EXPECT_EQ(too_late.error().details.value("current_status", ""), "sent");
}

TEST_P(MessagingServiceTest, ValidateNumbersReportsEachNumberInTheAccountsOrAGivenCountry) {
    auto r = messaging_->validate_numbers(a_, {"0712345678", "+255712345678", "abc"}, {});
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->size(), 3u);
    EXPECT_TRUE((*r)[0].valid);
    EXPECT_EQ((*r)[0].e164, "+254712345678");  // the account's country: KE
    EXPECT_EQ((*r)[0].country, "KE");
    EXPECT_EQ((*r)[0].type, "mobile");
    EXPECT_TRUE((*r)[1].valid);
    EXPECT_EQ((*r)[1].e164, "+255712345678");
    EXPECT_EQ((*r)[1].country, "TZ");
    EXPECT_FALSE((*r)[2].valid);
    EXPECT_EQ((*r)[2].problem, "Must be a phone number.");

    auto tz = messaging_->validate_numbers(a_, {"0712345678", "0712"}, "TZ");
    ASSERT_TRUE(tz) << tz.error().message;
    ASSERT_EQ(tz->size(), 2u);
    EXPECT_EQ((*tz)[0].e164, "+255712345678");
    EXPECT_EQ((*tz)[0].country, "TZ");
    EXPECT_FALSE((*tz)[1].valid);
    EXPECT_EQ((*tz)[1].problem, "Is not a valid phone number.");
}

TEST_P(MessagingServiceTest, QuoteCountsSegmentsAndPricesThemWithBilling) {
    const std::string two_parts(161, 'a');
    auto unpriced = messaging_->quote(a_, "0712345678", two_parts);
    ASSERT_TRUE(unpriced) << unpriced.error().message;
    EXPECT_EQ(unpriced->to, "+254712345678");
    EXPECT_EQ(unpriced->country, "KE");
    EXPECT_EQ(unpriced->encoding, "gsm7");
    EXPECT_EQ(unpriced->segments, 2);
    EXPECT_EQ(unpriced->price, 0);  // no billing: sending is free
    EXPECT_TRUE(unpriced->currency.empty());
    auto unicode = messaging_->quote(a_, "0712345678", "Habari \xF0\x9F\x98\x80");
    ASSERT_TRUE(unicode) << unicode.error().message;
    EXPECT_EQ(unicode->encoding, "ucs2");
    EXPECT_EQ(unicode->segments, 1);
    auto bad_number = messaging_->quote(a_, "0712", "a");
    ASSERT_FALSE(bad_number);
    EXPECT_EQ(bad_number.error().error_code, "INVALID_NUMBER");
    EXPECT_EQ(field_of(bad_number.error()), "to");
    auto bad_body = messaging_->quote(a_, "0712345678", "\xFF");
    ASSERT_FALSE(bad_body);
    EXPECT_EQ(bad_body.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(field_of(bad_body.error()), "body");

    billing::BillingService billing(db(), clock_, *identity_, {.trial_credit = 0});
    ASSERT_TRUE(billing.put_rate(admin_, {.prefix = "254", .price = kMicrosPerUnit}));
    MessagingService priced(db(), clock_, *identity_, *service_, *committer_, MessagingOptions{},
                            MessagingPorts{.billing = &billing});
    auto q = priced.quote(a_, "0712345678", two_parts);
    ASSERT_TRUE(q) << q.error().message;
    EXPECT_EQ(q->price_per_segment, kMicrosPerUnit);
    EXPECT_EQ(q->price, 2 * kMicrosPerUnit);
    EXPECT_EQ(q->currency, billing.currency());
}

TEST_P(MessagingServiceTest, RegisterSenderIdValidatesAndRefusesDuplicates) {
    auto alpha = registered(a_, {.sender = "Acme", .country = "KE", .purpose = "alerts"});
    EXPECT_EQ(alpha.kind, "alphanumeric");
    EXPECT_EQ(alpha.status, "pending");
    EXPECT_EQ(alpha.purpose, "alerts");
    auto numeric = registered(a_, {.sender = "+254712345678", .country = "KE"});
    EXPECT_EQ(numeric.sender, "254712345678");
    EXPECT_EQ(numeric.kind, "numeric");
    registered(a_, {.sender = "Acme", .country = "ZZ"});  // every country

    auto bad = messaging_->register_sender_id(a_, {.sender = "!!", .country = "KE"});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(field_of(bad.error()), "sender_id");
    auto nowhere = messaging_->register_sender_id(a_, {.sender = "Acme", .country = "XX"});
    ASSERT_FALSE(nowhere);
    EXPECT_EQ(field_of(nowhere.error()), "country");
    auto twice = messaging_->register_sender_id(a_, {.sender = "Acme", .country = "KE"});
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().code, ErrorCode::kConflict);
    EXPECT_EQ(twice.error().error_code, "SENDER_ID_EXISTS");
    // Another account may register the same sender id.
    registered(b_, {.sender = "Acme", .country = "KE"});
    auto agent = a_;
    agent.role = Role::kAgent;
    auto by_agent = messaging_->register_sender_id(agent, {.sender = "Other", .country = "KE"});
    ASSERT_FALSE(by_agent);
    EXPECT_EQ(by_agent.error().code, ErrorCode::kPermissionDenied);
}

TEST_P(MessagingServiceTest, ThePlatformAdminListsEveryAccountsSenderIdsOthersOnlyTheirOwn) {
    registered(a_, {.sender = "Acme", .country = "KE"});
    registered(b_, {.sender = "Beta", .country = "KE"});
    registered(b_, {.sender = "Beta", .country = "TZ"});

    std::int64_t count = -1;
    EXPECT_EQ(senders(a_), (Texts{"Acme/KE"}));
    EXPECT_EQ(senders(b_), (Texts{"Beta/TZ", "Beta/KE"}));
    EXPECT_EQ(senders(admin_, std::nullopt, std::nullopt, std::nullopt, {100, 0}, &count),
              (Texts{"Beta/TZ", "Beta/KE", "Acme/KE"}));
    EXPECT_EQ(count, 3);
    EXPECT_EQ(senders(admin_, std::nullopt, "KE"), (Texts{"Beta/KE", "Acme/KE"}));
    EXPECT_EQ(senders(admin_, std::nullopt, std::nullopt, "ACM"), (Texts{"Acme/KE"}));
    EXPECT_EQ(senders(a_, std::nullopt, std::nullopt, "bet"), Texts{});
    EXPECT_EQ(senders(admin_, std::nullopt, std::nullopt, std::nullopt, {1, 1}, &count),
              (Texts{"Beta/KE"}));
    EXPECT_EQ(count, 3);
    EXPECT_EQ(senders(admin_, "approved"), Texts{});
}

TEST_P(MessagingServiceTest, GetAndDeleteSenderIdAreScopedToTheAccount) {
    auto mine = registered(a_, {.sender = "Acme", .country = "KE"});
    auto got = messaging_->get_sender_id(a_, mine.id);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->sender, "Acme");
    ASSERT_TRUE(messaging_->get_sender_id(admin_, mine.id));  // sees every account's
    auto theirs = messaging_->get_sender_id(b_, mine.id);
    ASSERT_FALSE(theirs);
    EXPECT_EQ(theirs.error().code, ErrorCode::kNotFound);

    auto by_other = messaging_->delete_sender_id(b_, mine.id);
    ASSERT_FALSE(by_other);
    EXPECT_EQ(by_other.error().code, ErrorCode::kNotFound);
    auto agent = a_;
    agent.role = Role::kAgent;
    auto by_agent = messaging_->delete_sender_id(agent, mine.id);
    ASSERT_FALSE(by_agent);
    EXPECT_EQ(by_agent.error().code, ErrorCode::kPermissionDenied);
    ASSERT_TRUE(messaging_->get_sender_id(a_, mine.id));  // still there

    ASSERT_TRUE(messaging_->delete_sender_id(a_, mine.id));
    auto deleted = messaging_->get_sender_id(a_, mine.id);
    ASSERT_FALSE(deleted);
    EXPECT_EQ(deleted.error().code, ErrorCode::kNotFound);
}

TEST_P(MessagingServiceTest, OnlyThePlatformAdminDecidesAPendingSenderId) {
    auto acme = registered(a_, {.sender = "Acme", .country = "KE"});
    auto spam = registered(a_, {.sender = "Spam", .country = "KE"});
    auto own = messaging_->decide_sender_id(a_, acme.id, true, std::nullopt);
    ASSERT_FALSE(own);
    EXPECT_EQ(own.error().code, ErrorCode::kPermissionDenied);

    clock_.advance(kMicrosPerSecond);
    auto approved = messaging_->decide_sender_id(admin_, acme.id, true, std::nullopt);
    ASSERT_TRUE(approved) << approved.error().message;
    EXPECT_EQ(approved->status, "approved");
    EXPECT_EQ(approved->decided_at, clock_.now());
    EXPECT_EQ(messaging_->get_sender_id(a_, acme.id)->status, "approved");
    auto rejected = messaging_->decide_sender_id(admin_, spam.id, false, "Misleading");
    ASSERT_TRUE(rejected) << rejected.error().message;
    EXPECT_EQ(rejected->status, "rejected");
    EXPECT_EQ(rejected->reason, "Misleading");

    // Decided once: no longer pending.
    auto again = messaging_->decide_sender_id(admin_, acme.id, false, std::nullopt);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kConflict);
    EXPECT_EQ(again.error().error_code, "INVALID_STATUS");

    // The approved sender id now sends; the rejected one does not.
    auto m = sent(a_, {.to = "0712345678", .body = "Hi", .sender_id = "Acme"});
    EXPECT_EQ(m.sender, "Acme");
    auto refused = messaging_->send(a_, {.to = "0712345678", .body = "Hi", .sender_id = "Spam"});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().error_code, "SENDER_ID_NOT_APPROVED");
}

INSTANTIATE_TEST_SUITE_P(Engines, MessagingServiceTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         [](const auto& info) { return db::testing::dialect_name(info.param); });

}  // namespace
}  // namespace ujumbe::messaging
