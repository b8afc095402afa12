// An account's WhatsApp channel on both engines, with a Graph API of our own:
// credentials checked before they are kept and never stored in the clear,
// one account per number, checks again, disconnect; Meta's handshake and
// signed deliveries, and what is refused before anything is stored; then the
// processing of what was stored, once per Meta id.

#include "conversations/service.h"

#include <gtest/gtest.h>

#include "contacts/testing_contacts.h"
#include "conversations/media_fetcher.h"
#include "conversations/store.h"
#include "conversations/webhook_processor.h"
#include "conversations/whatsapp_templates.h"
#include "core/crypto.h"
#include "db/store_support.h"

namespace ujumbe::conversations {
namespace {

using channels::whatsapp::GraphError;
using channels::whatsapp::PhoneNumberProfile;

constexpr const char* kSecret = "server-secret-for-tests";

// Knows one token per number; answers as the test sets it.
class FakeGraph final : public channels::whatsapp::GraphApi {
public:
    std::map<std::string, std::string> tokens;  // phone_number_id -> access token
    std::optional<GraphError> next_error;       // answered once instead
    int calls = 0;

    std::variant<PhoneNumberProfile, GraphError> phone_number(const std::string& id,
                                                              const std::string& token) override {
        ++calls;
        if (next_error) return *std::exchange(next_error, std::nullopt);
        auto it = tokens.find(id);
        if (it == tokens.end()) return GraphError{.http_status = 400, .code = 100};
        if (it->second != token) return GraphError{.http_status = 401, .code = 190};
        return PhoneNumberProfile{.display_phone_number = "+255 713 " + id.substr(0, 3),
                                  .verified_name = "Acme",
                                  .quality_rating = "GREEN",
                                  .messaging_limit = "TIER_1K"};
    }
    // Every other call, as (method path body); answered with `answer`.
    std::vector<std::string> made;
    nlohmann::json answer = {{"id", "1"}};
    std::variant<nlohmann::json, GraphError> call(const std::string& method,
                                                  const std::string& path, const std::string&,
                                                  const std::string& body) override {
        made.push_back(method + " " + path + " " + body);
        if (next_error) return *std::exchange(next_error, std::nullopt);
        return answer;
    }
    // Files by URL.
    std::map<std::string, std::string> files;
    std::variant<std::string, GraphError> download(const std::string& url,
                                                   const std::string&) override {
        made.push_back("DOWNLOAD " + url);
        auto it = files.find(url);
        if (it == files.end()) return GraphError{.http_status = 404};
        return it->second;
    }
};

class WhatsAppChannelsTest : public contacts::testing::ContactsTest {
protected:
    void SetUp() override {
        ContactsTest::SetUp();
        if (IsSkipped()) return;
        graph_.tokens = {{"1001", "token-of-acme-0001"}, {"2002", "token-of-beta-0002"}};
        channels_ = std::make_unique<WhatsAppChannels>(db(), clock_, kSecret, graph_);
        acme_ = owner_of("Acme", "TZ");
        beta_ = owner_of("Beta", "KE");
    }
    static ConnectInput input(std::string number, std::string token) {
        return {.phone_number_id = std::move(number),
                .business_account_id = "777",
                .secrets = {.access_token = std::move(token),
                            .app_secret = "app-secret-1",
                            .verify_token = "verify-token-1"}};
    }
    std::string stored_secrets(const Principal& who) {
        auto s = db().read(
            [&](db::Connection& c) { return store::channel_of_account(c, who.account_id); });
        EXPECT_TRUE(s && *s);
        return s && *s ? (*s)->sealed : "";
    }
    std::int64_t events() {
        auto n = db().read([](db::Connection& c) -> Result<std::int64_t> {
            UJ_ASSIGN(auto row, c.query_one("SELECT COUNT(*) FROM whatsapp_webhook_events"));
            return row->i64(0);
        });
        return n ? *n : -1;
    }
    static std::string signed_by(const std::string& key, const std::string& body) {
        return "sha256=" + to_hex(hmac_sha256(key, body));
    }

    FakeGraph graph_;
    std::unique_ptr<WhatsAppChannels> channels_;
    Principal acme_, beta_;
};

TEST_P(WhatsAppChannelsTest, ConnectKeepsWhatTheGraphApiReportsAndSealsTheCredentials) {
    auto v = channels_->connect(acme_, input("1001", "token-of-acme-0001"));
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_EQ(v->channel.status, ChannelStatus::kConnected);
    EXPECT_EQ(v->channel.display_phone_number, "+255 713 100");
    EXPECT_EQ(v->channel.quality_rating, "GREEN");
    EXPECT_EQ(v->channel.messaging_limit, "TIER_1K");
    EXPECT_TRUE(v->channel.connected_at);
    const std::string sealed = stored_secrets(acme_);
    EXPECT_EQ(sealed.find("token-of-acme"), std::string::npos);
    EXPECT_EQ(sealed.find("app-secret"), std::string::npos);
    auto opened = open_secrets(kSecret, sealed);
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->access_token, "token-of-acme-0001");
    EXPECT_EQ(opened->verify_token, "verify-token-1");
    EXPECT_FALSE(open_secrets("another-secret", sealed));

    auto read = channels_->status(acme_, false);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->channel.id, v->channel.id);
    EXPECT_EQ(graph_.calls, 1);  // read without asking again
    // Another account has none of its own.
    auto theirs = channels_->status(beta_, false);
    ASSERT_FALSE(theirs);
    EXPECT_EQ(theirs.error().code, ErrorCode::kNotFound);
}

TEST_P(WhatsAppChannelsTest, RefusedCredentialsAreNeverStored) {
    auto bad = channels_->connect(acme_, input("1001", "a-wrong-token-0000"));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().error_code, "WHATSAPP_AUTH_FAILED");
    EXPECT_EQ(bad.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_TRUE(bad.error().errors.count("access_token"));
    EXPECT_EQ(bad.error().details["graph_code"], 190);

    auto unknown = channels_->connect(acme_, input("9999", "token-of-acme-0001"));
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().error_code, "WHATSAPP_NUMBER_NOT_FOUND");
    EXPECT_TRUE(unknown.error().errors.count("phone_number_id"));

    graph_.next_error = GraphError{.message = "connection refused"};
    auto away = channels_->connect(acme_, input("1001", "token-of-acme-0001"));
    ASSERT_FALSE(away);
    EXPECT_EQ(away.error().error_code, "WHATSAPP_UNREACHABLE");
    EXPECT_EQ(away.error().code, ErrorCode::kUnavailable);

    EXPECT_FALSE(channels_->status(acme_, false));  // nothing was kept
}

TEST_P(WhatsAppChannelsTest, ANumberBelongsToOneAccountAndOnlyManagersConnect) {
    ASSERT_TRUE(channels_->connect(acme_, input("1001", "token-of-acme-0001")));
    auto taken = channels_->connect(beta_, input("1001", "token-of-acme-0001"));
    ASSERT_FALSE(taken);
    EXPECT_EQ(taken.error().error_code, "WHATSAPP_NUMBER_TAKEN");
    EXPECT_EQ(graph_.calls, 1);  // refused before the Graph API was asked

    Principal agent = beta_;
    agent.role = Role::kAgent;
    auto refused = channels_->connect(agent, input("2002", "token-of-beta-0002"));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
    ASSERT_FALSE(channels_->disconnect(agent));

    // Once Acme lets it go, the number may be connected by another account.
    ASSERT_TRUE(channels_->disconnect(acme_));
    graph_.tokens["1001"] = "token-of-beta-1001";
    EXPECT_TRUE(channels_->connect(beta_, input("1001", "token-of-beta-1001")));
}

TEST_P(WhatsAppChannelsTest, ACheckAgainFollowsTheGraphApi) {
    ASSERT_TRUE(channels_->connect(acme_, input("1001", "token-of-acme-0001")));
    graph_.tokens["1001"] = "a-token-rotated-at-meta";
    clock_.advance(60 * kMicrosPerSecond);
    auto failing = channels_->status(acme_, true);
    ASSERT_TRUE(failing);
    EXPECT_EQ(failing->channel.status, ChannelStatus::kError);
    ASSERT_TRUE(failing->channel.last_error);
    EXPECT_NE(failing->channel.last_error->find("190"), std::string::npos);
    EXPECT_EQ(*failing->channel.checked_at, clock_.now());

    // An API that cannot be reached says nothing about the credentials.
    ASSERT_TRUE(channels_->connect(acme_, input("1001", "a-token-rotated-at-meta")));
    graph_.next_error = GraphError{.message = "timed out"};
    auto away = channels_->status(acme_, true);
    ASSERT_TRUE(away);
    EXPECT_EQ(away->channel.status, ChannelStatus::kConnected);
    EXPECT_TRUE(away->channel.last_error);

    auto fine = channels_->status(acme_, true);
    ASSERT_TRUE(fine);
    EXPECT_EQ(fine->channel.status, ChannelStatus::kConnected);
    EXPECT_FALSE(fine->channel.last_error);
}

TEST_P(WhatsAppChannelsTest, TheHandshakeAnswersTheChallengeOnlyToTheVerifyToken) {
    auto v = channels_->connect(acme_, input("1001", "token-of-acme-0001"));
    ASSERT_TRUE(v);
    const std::string id = v->channel.id.value;
    auto ok = channels_->verify_subscription(id, "subscribe", "verify-token-1", "1158201444");
    ASSERT_TRUE(ok);
    EXPECT_EQ(*ok, "1158201444");
    auto wrong = channels_->verify_subscription(id, "subscribe", "verify-token-2", "1158201444");
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, ErrorCode::kPermissionDenied);
    EXPECT_FALSE(channels_->verify_subscription(id, "unsubscribe", "verify-token-1", "1"));
    EXPECT_FALSE(channels_->verify_subscription(id, "subscribe", "", "1"));
    auto markup = channels_->verify_subscription(id, "subscribe", "verify-token-1", "<script>");
    ASSERT_FALSE(markup);
    EXPECT_EQ(markup.error().code, ErrorCode::kInvalidArgument);
    EXPECT_FALSE(
        channels_->verify_subscription(id, "subscribe", "verify-token-1", std::string(257, '1')));
    auto unknown = channels_->verify_subscription("not-a-uuid", "subscribe", "verify-token-1", "1");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TEST_P(WhatsAppChannelsTest, OnlyDeliveriesSignedWithTheAppSecretAreStored) {
    auto v = channels_->connect(acme_, input("1001", "token-of-acme-0001"));
    ASSERT_TRUE(v);
    const std::string id = v->channel.id.value;
    const std::string body = R"({"object":"whatsapp_business_account","entry":[]})";

    auto forged = channels_->receive(id, signed_by("another-secret", body), body);
    ASSERT_FALSE(forged);
    EXPECT_EQ(forged.error().code, ErrorCode::kUnauthenticated);
    for (const std::string& header :
         {std::string(), std::string("sha256="), to_hex(hmac_sha256("app-secret-1", body)),
          "sha1=" + to_hex(hmac_sha256("app-secret-1", body))})
        EXPECT_FALSE(channels_->receive(id, header, body)) << header;
    // Signed over other bytes than those sent.
    EXPECT_FALSE(channels_->receive(id, signed_by("app-secret-1", body), body + " "));
    EXPECT_EQ(events(), 0);

    // Signed, but not a JSON object: refused, nothing stored.
    for (const std::string& junk : {std::string("[1,2]"), std::string("{\"a\":"),
                                    std::string(5000, '[') + std::string(5000, ']')}) {
        auto r = channels_->receive(id, signed_by("app-secret-1", junk), junk);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, ErrorCode::kMalformedRequest);
    }
    EXPECT_EQ(events(), 0);

    ASSERT_TRUE(channels_->receive(id, signed_by("app-secret-1", body), body));
    // Upper-case hex is the same signature.
    std::string upper = signed_by("app-secret-1", body);
    for (std::size_t i = 7; i < upper.size(); ++i)
        upper[i] = static_cast<char>(std::toupper(upper[i]));
    ASSERT_TRUE(channels_->receive(id, upper, body));
    EXPECT_EQ(events(), 2);
    auto view = channels_->status(acme_, false);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->webhook_events_waiting, 2);

    // Disconnected: the handshake and deliveries find no channel.
    ASSERT_TRUE(channels_->disconnect(acme_));
    EXPECT_EQ(stored_secrets(acme_), "");
    auto gone = channels_->receive(id, signed_by("app-secret-1", body), body);
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
    EXPECT_FALSE(channels_->verify_subscription(id, "subscribe", "verify-token-1", "1"));
    EXPECT_EQ(events(), 2);
    // Connected again: the same channel, so the same webhook URL.
    auto again = channels_->connect(acme_, input("1001", "token-of-acme-0001"));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->channel.id.value, id);
}

// Keeps what the processor hands on, in order.
class FakeInbound final : public MessageSink {
public:
    std::vector<channels::InboundReport> got;
    std::vector<channels::ReceiptReport> receipts;
    Status inbound(db::Connection&, const channels::InboundReport& in) override {
        got.push_back(in);
        return {};
    }
    Status receipt(db::Connection&, const channels::ReceiptReport& r) override {
        receipts.push_back(r);
        return {};
    }
};

class WebhookProcessorTest : public WhatsAppChannelsTest {
protected:
    void SetUp() override {
        WhatsAppChannelsTest::SetUp();
        if (IsSkipped()) return;
        processor_ = std::make_unique<WebhookProcessor>(
            db(), clock_, &sink_, std::function<void()>{}, ProcessorOptions{.batch = 2});
        auto v = channels_->connect(acme_, input("1001", "token-of-acme-0001"));
        ASSERT_TRUE(v);
        channel_ = v->channel;
    }
    void deliver(const nlohmann::json& doc) {
        const std::string body = doc.dump();
        ASSERT_TRUE(channels_->receive(channel_.id.value, signed_by("app-secret-1", body), body));
    }
    static nlohmann::json inbound(const std::string& number, const std::string& wamid,
                                  const std::string& text, std::int64_t at) {
        return {{"object", "whatsapp_business_account"},
                {"entry",
                 {{{"id", "777"},
                   {"changes",
                    {{{"field", "messages"},
                      {"value",
                       {{"messaging_product", "whatsapp"},
                        {"metadata", {{"phone_number_id", number}}},
                        {"messages",
                         {{{"from", "255713000002"},
                           {"id", wamid},
                           {"timestamp", std::to_string(at)},
                           {"type", "text"},
                           {"text", {{"body", text}}}}}}}}}}}}}}};
    }
    std::vector<std::string> outcomes() {
        auto rows = db().read([](db::Connection& c) {
            return db::all<std::string>(
                c.query("SELECT outcome FROM whatsapp_webhook_events ORDER BY received_at, id"),
                [](const db::Row& r) { return r.text(0); });
        });
        return rows ? *rows : std::vector<std::string>{};
    }

    FakeInbound sink_;
    std::unique_ptr<WebhookProcessor> processor_;
    WhatsAppChannel channel_;
};

TEST_P(WebhookProcessorTest, InboundMessagesAreHandedOnOnceAndOpenTheWindow) {
    const std::int64_t at = clock_.now() / kMicrosPerSecond - 30;
    deliver(inbound("1001", "wamid.A", "Habari", at));
    deliver(inbound("1001", "wamid.B", "Bei gani?", at + 1));
    deliver(inbound("1001", "wamid.A", "Habari", at));  // Meta delivers it again
    auto done = processor_->run();
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(*done, 3);  // in batches of two
    ASSERT_EQ(sink_.got.size(), 2u);
    const auto& first = sink_.got[0];
    EXPECT_EQ(first.channel, "whatsapp");
    EXPECT_EQ(first.account_id, acme_.account_id);
    EXPECT_EQ(first.from, "255713000002");
    EXPECT_EQ(first.to, "+255713100");  // the channel's number, digits
    EXPECT_EQ(first.text, "Habari");
    EXPECT_EQ(first.provider_id, "wamid.A");
    EXPECT_EQ(first.gateway_id.value, channel_.id.value);
    EXPECT_EQ(sink_.got[1].text, "Bei gani?");
    const auto outs = outcomes();
    ASSERT_EQ(outs.size(), 3u);
    EXPECT_EQ(nlohmann::json::parse(outs[0])["messages"], 1);
    EXPECT_EQ(nlohmann::json::parse(outs[2])["duplicates"], 1);
    EXPECT_EQ(nlohmann::json::parse(outs[2])["messages"], 0);
    auto window = db().read(
        [&](db::Connection& c) { return store::last_inbound(c, channel_.id, "255713000002"); });
    ASSERT_TRUE(window && *window);
    EXPECT_EQ(**window, (at + 1) * kMicrosPerSecond);
    // Nothing waits any more, and another round finds nothing.
    EXPECT_EQ(channels_->status(acme_, false)->webhook_events_waiting, 0);
    EXPECT_EQ(*processor_->run(), 0);
    EXPECT_EQ(sink_.got.size(), 2u);
}

TEST_P(WebhookProcessorTest, ANumberNotTheChannelsIsKeptAndReported) {
    deliver(inbound("9999", "wamid.X", "Hello", clock_.now() / kMicrosPerSecond));
    nlohmann::json statuses = inbound("1001", "wamid.Y", "x", 1);
    auto& value = statuses["entry"][0]["changes"][0]["value"];
    value.erase("messages");
    value["statuses"] = {{{"id", "wamid.OURS"}, {"status", "delivered"}, {"timestamp", "1"}},
                         {{"id", "wamid.OURS"}, {"status", "delivered"}, {"timestamp", "1"}},
                         {{"id", "wamid.OURS"},
                          {"status", "failed"},
                          {"timestamp", "2"},
                          {"errors", {{{"code", 131026}, {"title", "Message undeliverable"}}}}},
                         {{"id", "wamid.OURS"}, {"status", "sent"}, {"timestamp", "1"}}};
    deliver(statuses);
    deliver({{"object", "whatsapp_business_account"}, {"entry", "not a list"}});
    ASSERT_TRUE(processor_->run());
    EXPECT_TRUE(sink_.got.empty());
    const auto outs = outcomes();
    ASSERT_EQ(outs.size(), 3u);
    EXPECT_EQ(nlohmann::json::parse(outs[0])["unknown_number"], 1);
    EXPECT_EQ(nlohmann::json::parse(outs[1])["statuses"], 3);
    EXPECT_EQ(nlohmann::json::parse(outs[1])["duplicates"], 1);
    // Each status once, as a receipt of the message's one part.
    ASSERT_EQ(sink_.receipts.size(), 3u);
    EXPECT_EQ(sink_.receipts[0].gateway_id.value, channel_.id.value);
    EXPECT_EQ(sink_.receipts[0].provider_key, "wamid.OURS");
    EXPECT_EQ(sink_.receipts[0].status, "delivered");
    EXPECT_EQ(sink_.receipts[1].status, "undelivered");
    EXPECT_EQ(sink_.receipts[1].error_code, "WHATSAPP_131026");
    EXPECT_EQ(sink_.receipts[2].status, "submitted");  // sent: on its way
    EXPECT_EQ(sink_.receipts[2].stat, "sent");
    EXPECT_EQ(nlohmann::json::parse(outs[2])["messages"], 0);
    // A timestamp from a clock ahead of ours opens the window now, not later.
    deliver(inbound("1001", "wamid.Z", "Later", clock_.now() / kMicrosPerSecond + 3600));
    ASSERT_TRUE(processor_->run());
    auto window = db().read(
        [&](db::Connection& c) { return store::last_inbound(c, channel_.id, "255713000002"); });
    ASSERT_TRUE(window && *window);
    EXPECT_EQ(**window, clock_.now());
}

TEST_P(WebhookProcessorTest, WhatIsPastItsKeepIsPurgedAndNothingSooner) {
    const std::int64_t at = clock_.now() / kMicrosPerSecond;
    deliver(inbound("1001", "wamid.A", "Habari", at));
    deliver(inbound("1001", "wamid.B", "Bei gani?", at));
    ASSERT_TRUE(processor_->run());
    auto count = [&](const char* table) {
        auto n = db().read([&](db::Connection& c) {
            return c.query_one(std::string("SELECT COUNT(*) FROM ") + table);
        });
        return n && *n ? (**n).i64(0) : -1;
    };
    EXPECT_EQ(*processor_->purge(), 0);
    clock_.advance(15 * 86'400 * kMicrosPerSecond);
    deliver(inbound("1001", "wamid.C", "Later", clock_.now() / kMicrosPerSecond));  // waiting
    EXPECT_EQ(*processor_->purge(), 2);  // the ids taken 15 days ago; the deliveries stay
    EXPECT_EQ(count("whatsapp_seen"), 0);
    EXPECT_EQ(count("whatsapp_webhook_events"), 3);
    clock_.advance(31 * 86'400 * kMicrosPerSecond);
    EXPECT_EQ(*processor_->purge(), 2);  // processed ones only: wamid.C still waits
    EXPECT_EQ(count("whatsapp_webhook_events"), 1);
    ASSERT_TRUE(processor_->run());
    EXPECT_EQ(sink_.got.size(), 3u);
}

TEST_P(WebhookProcessorTest, TheAccountReadsItsDeliveriesAndWhatBecameOfThem) {
    deliver(inbound("9999", "wamid.X", "Hello", clock_.now() / kMicrosPerSecond));
    clock_.advance(kMicrosPerSecond);
    deliver(inbound("1001", "wamid.Y", "Habari", clock_.now() / kMicrosPerSecond));
    ASSERT_TRUE(processor_->run());
    auto listing = channels_->webhook_events(acme_, db::Paged{.limit = 10});
    ASSERT_TRUE(listing) << listing.error().message;
    EXPECT_EQ(listing->count, 2);
    ASSERT_EQ(listing->items.size(), 2u);
    const auto& newest = listing->items[0];
    EXPECT_FALSE(newest.body);  // lists leave the bodies out
    ASSERT_TRUE(newest.outcome && newest.processed_at);
    EXPECT_EQ(nlohmann::json::parse(*newest.outcome)["messages"], 1);
    auto one = channels_->webhook_event(acme_, listing->items[1].id.value);
    ASSERT_TRUE(one);
    ASSERT_TRUE(one->body);
    EXPECT_EQ(nlohmann::json::parse(
                  *one->body)["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"],
              "9999");
    // Another account has no channel, then one of its own without these.
    EXPECT_FALSE(channels_->webhook_events(beta_, db::Paged{}));
    EXPECT_FALSE(channels_->webhook_event(beta_, newest.id.value));
    ASSERT_TRUE(channels_->connect(beta_, input("2002", "token-of-beta-0002")));
    EXPECT_EQ(channels_->webhook_events(beta_, db::Paged{})->count, 0);
    auto theirs = channels_->webhook_event(beta_, newest.id.value);
    ASSERT_FALSE(theirs);
    EXPECT_EQ(theirs.error().code, ErrorCode::kNotFound);
}

TEST(WebhookSignatures, MatchTheDocumentedVector) {
    EXPECT_TRUE(
        signature_matches("sha256=f5a23134fd17af706952ef5de2efd6b83d359e2d1363c5f912a7be9e0d02200a",
                          "app_secret", R"({"id":"evt_1","type":"message.delivered"})"));
    EXPECT_FALSE(
        signature_matches("sha256=f5a23134fd17af706952ef5de2efd6b83d359e2d1363c5f912a7be9e0d02200a",
                          "", R"({"id":"evt_1","type":"message.delivered"})"));
}

// Templates: checked, submitted, nothing kept on Meta's refusal, verdicts
// from the webhook, each account's own.
TEST_P(WhatsAppChannelsTest, TemplatesFollowMetasVerdictsWithinTheirAccount) {
    WhatsAppTemplates templates(db(), clock_, kSecret, graph_);
    const TemplateInput in{.name = "order_update",
                           .language = "en_US",
                           .category = "utility",
                           .components = {{{"type", "body"},
                                           {"text", "Oda {{1}} iko njiani."},
                                           {"example", {{"body_text", {{"42"}}}}}}}};
    auto none = templates.create(acme_, in);
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().error_code, "CHANNEL_NOT_CONNECTED");
    ASSERT_TRUE(channels_->connect(acme_, input("1001", "token-of-acme-0001")));
    graph_.next_error = GraphError{.http_status = 400, .code = 100};
    auto refused = templates.create(acme_, in);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().error_code, "WHATSAPP_REFUSED");
    EXPECT_EQ(templates.list(acme_, {}, {})->count, 0);

    graph_.answer = {{"id", "77"}, {"status", "PENDING"}};
    auto t = templates.create(acme_, in);
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->status, "PENDING");
    EXPECT_EQ(t->meta_id, "77");
    EXPECT_EQ(t->body_parameters, 1);
    EXPECT_NE(graph_.made.back().find("POST 777/message_templates"), std::string::npos);
    auto again = templates.create(acme_, in);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().error_code, "TEMPLATE_EXISTS");

    channels::whatsapp::TemplateStatusItem verdict{.event = "rejected",
                                                   .template_id = "77",
                                                   .name = "order_update",
                                                   .language = "en_US",
                                                   .reason = "INVALID_FORMAT"};
    auto apply = [&](const AccountId& account) {
        return db().write([&](db::Connection& c) {
            return WhatsAppTemplates::apply_status(c, account, verdict, clock_.now());
        });
    };
    EXPECT_FALSE(*apply(beta_.account_id));  // another account's webhook changes nothing
    EXPECT_EQ(templates.get(acme_, t->id.value)->status, "PENDING");
    EXPECT_TRUE(*apply(acme_.account_id));
    auto rejected = templates.get(acme_, t->id.value);
    EXPECT_EQ(rejected->status, "REJECTED");
    EXPECT_EQ(rejected->reason, "INVALID_FORMAT");
    verdict.event = "REINSTATED";
    verdict.reason = "NONE";
    EXPECT_TRUE(*apply(acme_.account_id));
    EXPECT_EQ(templates.get(acme_, t->id.value)->status, "APPROVED");
    EXPECT_FALSE(templates.get(acme_, t->id.value)->reason);

    EXPECT_EQ(templates.get(beta_, t->id.value).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(templates.remove(beta_, t->id.value).error().code, ErrorCode::kNotFound);
    ASSERT_TRUE(templates.remove(acme_, t->id.value));
    EXPECT_EQ(templates.list(acme_, {}, {})->count, 0);
}

TEST_P(WhatsAppChannelsTest, ReceivedMediaIsDownloadedCheckedAndStored) {
    auto v = channels_->connect(acme_, input("1001", "token-of-acme-0001"));
    ASSERT_TRUE(v);
    media::MediaFiles files((dir_ / "media").string());
    media::MediaUrls urls(kSecret, "", 600 * kMicrosPerSecond);
    media::MediaService media(db(), clock_, files, urls, {});
    MediaFetcher fetcher(db(), media, kSecret, graph_);
    const std::string png = std::string("\x89PNG\r\n\x1A\n", 8) + std::string(100, 'q');
    auto expect = [&](const std::string& source) {
        auto m = db().write([&](db::Connection& c) {
            return media::MediaService::expect_download(c,
                                                        {.account_id = acme_.account_id,
                                                         .channel_id = v->channel.id.value,
                                                         .source_id = source,
                                                         .mime_type = "image/png"},
                                                        clock_.now());
        });
        EXPECT_TRUE(m);
        return m->id.value;
    };
    auto read = [&](const std::string& id) { return *media.get(acme_, id); };
    // Meta names the file's URL and hash; the file is downloaded with the token.
    const std::string ok = expect("555");
    graph_.answer = {{"url", "https://lookaside.example/555"},
                     {"sha256", to_hex(sha256(png))},
                     {"file_size", png.size()}};
    graph_.files["https://lookaside.example/555"] = png;
    ASSERT_EQ(*fetcher.run(), 1);
    EXPECT_EQ(read(ok).status, media::kReady);
    EXPECT_EQ(read(ok).sha256, to_hex(sha256(png)));
    EXPECT_NE(std::find(graph_.made.begin(), graph_.made.end(), "GET 555 "), graph_.made.end());
    // A file that is not what Meta hashed is tried again later.
    const std::string corrupt = expect("556");
    graph_.answer["url"] = "https://lookaside.example/556";
    graph_.files["https://lookaside.example/556"] = png + "tampered";
    ASSERT_EQ(*fetcher.run(), 1);
    EXPECT_EQ(read(corrupt).status, media::kPending);
    EXPECT_EQ(read(corrupt).attempts, 1);
    EXPECT_EQ(*fetcher.run(), 0);  // not due yet
    // Meta no longer has it: failed for good, not tried again.
    const std::string gone = expect("557");
    graph_.next_error = GraphError{.http_status = 400, .code = 100, .message = "no such media"};
    ASSERT_EQ(*fetcher.run(), 1);
    EXPECT_EQ(read(gone).status, media::kFailed);
    clock_.advance(3600 * kMicrosPerSecond);
    graph_.files["https://lookaside.example/556"] = png;
    EXPECT_EQ(*fetcher.run(), 1);  // the corrupt one, again: now stored
    EXPECT_EQ(read(corrupt).status, media::kReady);
    EXPECT_EQ(read(gone).status, media::kFailed);
}

INSTANTIATE_TEST_SUITE_P(Engines, WhatsAppChannelsTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         [](const auto& info) { return db::testing::dialect_name(info.param); });
INSTANTIATE_TEST_SUITE_P(Engines, WebhookProcessorTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         [](const auto& info) { return db::testing::dialect_name(info.param); });

}  // namespace
}  // namespace ujumbe::conversations
