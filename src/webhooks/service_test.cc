// Webhook endpoints through the service on both engines: secrets shown once
// and sealed at rest, the per-account limit, who may change what, rotation
// with an overlap, test pings, redelivery within the account, and URLs that
// must not reach private addresses.

#include "webhooks/service.h"

#include <gtest/gtest.h>

#include "core/crypto.h"
#include "db/testing_db.h"
#include "webhooks/store.h"

namespace ujumbe::webhooks {
namespace {

constexpr const char* kServerSecret = "a-test-secret-of-enough-length-000";
constexpr Micros kDay = 86400 * kMicrosPerSecond;

Principal principal(const std::string& account, Role role) {
    Principal p;
    p.user_id = UserId{"user-" + account + "-" + std::string(role_name(role))};
    p.account_id = AccountId{account};
    p.role = role;
    p.account_type = AccountType::kBusiness;
    return p;
}

EndpointInput input(const std::string& url,
                    std::vector<std::string> events = {"message.delivered", "message.failed"}) {
    EndpointInput in;
    in.url = url;
    in.events = std::move(events);
    return in;
}

template <typename T>
void expect_error(const Result<T>& r, ErrorCode code, const std::string& what) {
    ASSERT_FALSE(r) << what << " should have failed";
    EXPECT_EQ(r.error().code, code) << what << ": " << r.error().message;
}

// A 400 naming `field` (and only it).
template <typename T>
void expect_invalid(const Result<T>& r, const std::string& field, const std::string& what) {
    ASSERT_FALSE(r) << what << " should have failed";
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << what << ": " << r.error().message;
    EXPECT_EQ(r.error().errors.size(), 1u) << what << ": " << r.error().message;
    EXPECT_TRUE(r.error().errors.contains(field)) << what << ": " << r.error().message;
}

class WebhookServiceTest : public db::testing::EngineTest {
protected:
    void SetUp() override {
        EngineTest::SetUp();
        if (IsSkipped()) return;
        WebhookOptions options;
        options.allow_private = true;
        service_ = std::make_unique<WebhookService>(test_->db(), clock_, kServerSecret, options,
                                                    [this] { ++wakes_; });
    }

    IssuedSecret make(const Principal& who, const std::string& url = "https://example.com/hooks") {
        auto issued = service_->create(who, input(url));
        EXPECT_TRUE(issued) << issued.error().message;
        return issued ? *issued : IssuedSecret{};
    }
    std::optional<store::SealedSecrets> stored_secrets(const WebhookId& id) {
        auto s = db().read([&](db::Connection& c) { return store::endpoint_secrets(c, id); });
        EXPECT_TRUE(s) << s.error().message;
        return s ? *s : std::nullopt;
    }
    // Records a final failure of the delivery, as the dispatcher would.
    void give_up(const Delivery& d) {
        auto s = db().write([&](db::Connection& c) {
            return store::record_attempts(
                c, {{d.id, d.webhook_id, false, 500, 3, "answered 500", "down", std::nullopt}},
                clock_.now());
        });
        ASSERT_TRUE(s) << s.error().message;
    }

    FakeClock clock_;
    int wakes_ = 0;
    std::unique_ptr<WebhookService> service_;
    const Principal owner_ = principal("acct-a", Role::kOwner);
    const Principal admin_ = principal("acct-a", Role::kAdmin);
    const Principal agent_ = principal("acct-a", Role::kAgent);
    const Principal other_ = principal("acct-b", Role::kOwner);
};

TEST_P(WebhookServiceTest, CreateShowsTheSecretOnceAndSealsIt) {
    auto in = input("https://example.com/hooks/ujumbe", {"*"});
    in.description = std::optional<std::string>("CRM");
    auto issued = service_->create(owner_, in);
    ASSERT_TRUE(issued) << issued.error().message;
    EXPECT_TRUE(issued->secret.starts_with("whsec_")) << issued->secret;
    const auto& e = issued->endpoint;
    EXPECT_FALSE(e.id.empty());
    EXPECT_TRUE(is_uuid(e.id.value));
    EXPECT_EQ(e.account_id.value, "acct-a");
    EXPECT_EQ(e.url, "https://example.com/hooks/ujumbe");
    EXPECT_EQ(e.events, std::vector<std::string>{"*"});
    EXPECT_EQ(e.description, "CRM");
    EXPECT_TRUE(e.enabled);
    EXPECT_EQ(e.created_at, clock_.now());
    EXPECT_EQ(e.updated_at, clock_.now());
    EXPECT_FALSE(e.secret_rotated_at);
    EXPECT_FALSE(e.previous_until);

    auto got = service_->get(owner_, e.id);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->id, e.id);
    EXPECT_EQ(got->url, e.url);
    EXPECT_EQ(got->events, e.events);
    EXPECT_EQ(got->description, e.description);
    EXPECT_EQ(got->created_at, e.created_at);

    // At rest the secret is sealed under the server secret, never plain.
    auto sealed = stored_secrets(e.id);
    ASSERT_TRUE(sealed);
    EXPECT_NE(sealed->secret, issued->secret);
    EXPECT_EQ(sealed->secret.find(issued->secret), std::string::npos);
    EXPECT_EQ(open_secret(kServerSecret, sealed->secret), issued->secret);
    EXPECT_FALSE(open_secret("another-secret-of-enough-length-0", sealed->secret));

    auto second = make(owner_);
    EXPECT_NE(second.secret, issued->secret);
    EXPECT_NE(second.endpoint.id, e.id);
    auto listed = service_->list(owner_, {});
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->count, 2);
}

TEST_P(WebhookServiceTest, ADisabledEndpointCanBeCreated) {
    auto in = input("https://example.com/h");
    in.enabled = false;
    auto issued = service_->create(owner_, in);
    ASSERT_TRUE(issued) << issued.error().message;
    EXPECT_FALSE(issued->endpoint.enabled);
    auto got = service_->get(owner_, issued->endpoint.id);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->enabled);
}

TEST_P(WebhookServiceTest, AnAccountHasAtMostTwentyEndpoints) {
    std::vector<WebhookId> ids;
    for (int i = 0; i < 20; ++i)
        ids.push_back(make(owner_, "https://example.com/h" + std::to_string(i)).endpoint.id);
    auto over = service_->create(owner_, input("https://example.com/h20"));
    expect_error(over, ErrorCode::kConflict, "the 21st endpoint");
    EXPECT_EQ(over ? "" : over.error().error_code, "WEBHOOK_LIMIT_REACHED");
    auto listed = service_->list(owner_, {.limit = 100});
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->count, 20);
    // Another account has its own twenty.
    EXPECT_TRUE(service_->create(other_, input("https://example.com/b")));
    // A deleted one makes room.
    ASSERT_TRUE(service_->remove(owner_, ids.front()));
    EXPECT_TRUE(service_->create(owner_, input("https://example.com/h21")));
    expect_error(service_->create(admin_, input("https://example.com/h22")), ErrorCode::kConflict,
                 "the 21st endpoint again");
}

TEST_P(WebhookServiceTest, AgentsReadButOnlyManagersChange) {
    auto issued = make(owner_);
    const auto id = issued.endpoint.id;
    auto ping = service_->test(owner_, id);
    ASSERT_TRUE(ping) << ping.error().message;

    const auto denied = ErrorCode::kPermissionDenied;
    expect_error(service_->create(agent_, input("https://example.com/x")), denied, "create");
    EndpointInput change;
    change.enabled = false;
    expect_error(service_->update(agent_, id, change), denied, "update");
    auto removed = service_->remove(agent_, id);
    ASSERT_FALSE(removed);
    EXPECT_EQ(removed.error().code, denied);
    expect_error(service_->rotate_secret(agent_, id, std::nullopt), denied, "rotate");
    expect_error(service_->rotate_callback_secret(agent_, std::nullopt), denied, "callback secret");
    expect_error(service_->test(agent_, id), denied, "test");
    expect_error(service_->redeliver(agent_, id, ping->id), denied, "redeliver");

    // Nothing changed, and the agent reads it all.
    auto got = service_->get(agent_, id);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_TRUE(got->enabled);
    EXPECT_FALSE(got->secret_rotated_at);
    auto listed = service_->list(agent_, {});
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->count, 1);
    auto log = service_->deliveries(agent_, id, std::nullopt, {});
    ASSERT_TRUE(log) << log.error().message;
    EXPECT_EQ(log->count, 1);
    EXPECT_TRUE(service_->delivery(agent_, id, ping->id));
    auto secrets = stored_secrets(id);
    ASSERT_TRUE(secrets);
    EXPECT_EQ(open_secret(kServerSecret, secrets->secret), issued.secret);

    // Admins manage as owners do.
    EXPECT_TRUE(service_->create(admin_, input("https://example.com/y")));
    EXPECT_TRUE(service_->update(admin_, id, change));
    EXPECT_TRUE(service_->rotate_secret(admin_, id, std::nullopt));
}

TEST_P(WebhookServiceTest, AnotherAccountFindsNothing) {
    const auto id = make(owner_).endpoint.id;
    const auto nf = ErrorCode::kNotFound;
    expect_error(service_->get(other_, id), nf, "get");
    EndpointInput change;
    change.url = "https://attacker.example/";
    expect_error(service_->update(other_, id, change), nf, "update");
    auto removed = service_->remove(other_, id);
    ASSERT_FALSE(removed);
    EXPECT_EQ(removed.error().code, nf);
    expect_error(service_->rotate_secret(other_, id, std::nullopt), nf, "rotate");
    expect_error(service_->test(other_, id), nf, "test");
    expect_error(service_->deliveries(other_, id, std::nullopt, {}), nf, "deliveries");
    auto listed = service_->list(other_, {});
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->count, 0);
    auto mine = service_->get(owner_, id);
    ASSERT_TRUE(mine);
    EXPECT_EQ(mine->url, "https://example.com/hooks");
}

TEST_P(WebhookServiceTest, AnUpdateChangesWhatItNames) {
    auto in = input("https://example.com/a");
    in.description = std::optional<std::string>("first");
    auto issued = service_->create(owner_, in);
    ASSERT_TRUE(issued);
    const auto id = issued->endpoint.id;
    clock_.advance(5 * kMicrosPerSecond);

    EndpointInput events;
    events.events = std::vector<std::string>{"message.sent"};
    auto changed = service_->update(owner_, id, events);
    ASSERT_TRUE(changed) << changed.error().message;
    EXPECT_EQ(changed->events, std::vector<std::string>{"message.sent"});
    EXPECT_EQ(changed->url, "https://example.com/a");
    EXPECT_EQ(changed->description, "first");
    EXPECT_EQ(changed->updated_at, clock_.now());
    EXPECT_EQ(changed->created_at, issued->endpoint.created_at);

    EndpointInput clear;
    clear.description = std::optional<std::string>();
    clear.url = "https://example.com/b";
    ASSERT_TRUE(service_->update(owner_, id, clear));
    auto got = service_->get(owner_, id);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->description);
    EXPECT_EQ(got->url, "https://example.com/b");
    EXPECT_EQ(got->events, std::vector<std::string>{"message.sent"});
}

TEST_P(WebhookServiceTest, EnablingAFailedEndpointStartsAfresh) {
    const auto id = make(owner_).endpoint.id;
    const Micros failed_at = clock_.now();
    ASSERT_TRUE(db().write([&](db::Connection& c) -> Status {
        UJ_TRY(store::note_endpoint_results(c, {}, {id}, failed_at));
        return store::disable_endpoint(c, id, "Every delivery failed since then.", failed_at);
    }));
    auto disabled = service_->get(owner_, id);
    ASSERT_TRUE(disabled);
    EXPECT_FALSE(disabled->enabled);
    EXPECT_EQ(disabled->failing_since, failed_at);
    EXPECT_TRUE(disabled->disabled_reason);

    // A change that does not enable it keeps the record.
    EndpointInput describe;
    describe.description = std::optional<std::string>("still off");
    ASSERT_TRUE(service_->update(owner_, id, describe));
    auto still = service_->get(owner_, id);
    ASSERT_TRUE(still);
    EXPECT_FALSE(still->enabled);
    EXPECT_EQ(still->failing_since, failed_at);
    EXPECT_TRUE(still->disabled_reason);

    clock_.advance(kDay);
    EndpointInput enable;
    enable.enabled = true;
    auto enabled = service_->update(owner_, id, enable);
    ASSERT_TRUE(enabled) << enabled.error().message;
    EXPECT_TRUE(enabled->enabled);
    EXPECT_FALSE(enabled->failing_since);
    EXPECT_FALSE(enabled->disabled_reason);
    auto got = service_->get(owner_, id);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->enabled);
    EXPECT_FALSE(got->failing_since);
    EXPECT_FALSE(got->disabled_reason);
}

TEST_P(WebhookServiceTest, RotationKeepsTheOldSecretForTheOverlap) {
    auto issued = make(owner_);
    const auto id = issued.endpoint.id;
    const auto first_sealed = stored_secrets(id)->secret;
    clock_.advance(10 * kMicrosPerSecond);
    const Micros at = clock_.now();

    auto rotated = service_->rotate_secret(owner_, id, 3600 * kMicrosPerSecond);
    ASSERT_TRUE(rotated) << rotated.error().message;
    EXPECT_TRUE(rotated->secret.starts_with("whsec_"));
    EXPECT_NE(rotated->secret, issued.secret);
    EXPECT_EQ(rotated->endpoint.secret_rotated_at, at);
    EXPECT_EQ(rotated->endpoint.previous_until, at + 3600 * kMicrosPerSecond);
    auto secrets = stored_secrets(id);
    ASSERT_TRUE(secrets);
    EXPECT_EQ(open_secret(kServerSecret, secrets->secret), rotated->secret);
    ASSERT_TRUE(secrets->previous);
    EXPECT_EQ(*secrets->previous, first_sealed);
    EXPECT_EQ(open_secret(kServerSecret, *secrets->previous), issued.secret);
    EXPECT_EQ(secrets->previous_until, at + 3600 * kMicrosPerSecond);
    auto got = service_->get(owner_, id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->secret_rotated_at, at);
    EXPECT_EQ(got->previous_until, at + 3600 * kMicrosPerSecond);

    // The default overlap is a day; the previous secret is the one just replaced.
    clock_.advance(kMicrosPerSecond);
    auto by_default = service_->rotate_secret(owner_, id, std::nullopt);
    ASSERT_TRUE(by_default);
    EXPECT_EQ(by_default->endpoint.previous_until, clock_.now() + kDay);
    secrets = stored_secrets(id);
    ASSERT_TRUE(secrets && secrets->previous);
    EXPECT_EQ(open_secret(kServerSecret, *secrets->previous), rotated->secret);
    EXPECT_EQ(open_secret(kServerSecret, secrets->secret), by_default->secret);

    // No overlap: the old secret stops at once.
    clock_.advance(kMicrosPerSecond);
    auto at_once = service_->rotate_secret(owner_, id, 0);
    ASSERT_TRUE(at_once) << at_once.error().message;
    EXPECT_FALSE(at_once->endpoint.previous_until);
    EXPECT_EQ(at_once->endpoint.secret_rotated_at, clock_.now());
    secrets = stored_secrets(id);
    ASSERT_TRUE(secrets);
    EXPECT_FALSE(secrets->previous);
    EXPECT_FALSE(secrets->previous_until);
    EXPECT_EQ(open_secret(kServerSecret, secrets->secret), at_once->secret);
    got = service_->get(owner_, id);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->previous_until);
}

TEST_P(WebhookServiceTest, AnOverlapIsAtMostAWeek) {
    const auto id = make(owner_).endpoint.id;
    EXPECT_TRUE(service_->rotate_secret(owner_, id, 7 * kDay));
    for (Micros bad : {7 * kDay + 1, -1 * kMicrosPerSecond, Micros{-1}}) {
        expect_invalid(service_->rotate_secret(owner_, id, bad), "overlap_s",
                       "overlap " + std::to_string(bad));
        expect_invalid(service_->rotate_callback_secret(owner_, bad), "overlap_s",
                       "callback overlap " + std::to_string(bad));
    }
}

TEST_P(WebhookServiceTest, TheCallbackSecretRotatesWithAnOverlapToo) {
    auto first = service_->rotate_callback_secret(owner_, std::nullopt);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_TRUE(first->secret.starts_with("whsec_"));
    EXPECT_FALSE(first->previous_until);  // nothing to keep the first time
    auto stored = [&](const Principal& who) {
        auto s = db().read(
            [&](db::Connection& c) { return store::callback_secrets(c, who.account_id); });
        EXPECT_TRUE(s);
        return s ? *s : std::nullopt;
    };
    auto s = stored(owner_);
    ASSERT_TRUE(s);
    EXPECT_EQ(open_secret(kServerSecret, s->secret), first->secret);
    EXPECT_FALSE(s->previous);

    clock_.advance(kMicrosPerSecond);
    auto second = service_->rotate_callback_secret(owner_, std::nullopt);
    ASSERT_TRUE(second);
    EXPECT_NE(second->secret, first->secret);
    EXPECT_EQ(second->previous_until, clock_.now() + kDay);
    s = stored(owner_);
    ASSERT_TRUE(s && s->previous);
    EXPECT_EQ(open_secret(kServerSecret, s->secret), second->secret);
    EXPECT_EQ(open_secret(kServerSecret, *s->previous), first->secret);

    auto third = service_->rotate_callback_secret(owner_, 0);
    ASSERT_TRUE(third);
    EXPECT_FALSE(third->previous_until);
    s = stored(owner_);
    ASSERT_TRUE(s);
    EXPECT_FALSE(s->previous);
    EXPECT_EQ(open_secret(kServerSecret, s->secret), third->secret);
    EXPECT_FALSE(stored(other_));
}

TEST_P(WebhookServiceTest, ATestSendsAPingDueNow) {
    auto issued =
        service_->create(owner_, input("https://example.com/only-failed", {"message.failed"}));
    ASSERT_TRUE(issued);
    const auto& e = issued->endpoint;
    clock_.advance(3 * kMicrosPerSecond);
    const int woken = wakes_;
    auto ping = service_->test(owner_, e.id);
    ASSERT_TRUE(ping) << ping.error().message;
    EXPECT_EQ(wakes_, woken + 1);
    EXPECT_EQ(ping->status, DeliveryStatus::kPending);
    EXPECT_EQ(ping->event_type, "ping");
    EXPECT_EQ(ping->webhook_id, e.id);
    EXPECT_EQ(ping->account_id, owner_.account_id);
    EXPECT_EQ(ping->url, e.url);
    EXPECT_EQ(ping->next_attempt_at, clock_.now());
    EXPECT_EQ(ping->attempts, 0);
    EXPECT_FALSE(ping->message_id);
    EXPECT_TRUE(is_uuid(ping->event_id));
    const auto body = nlohmann::json::parse(ping->body);
    EXPECT_EQ(body["id"], ping->event_id);
    EXPECT_EQ(body["type"], "ping");
    EXPECT_EQ(body["account_id"], "acct-a");
    EXPECT_EQ(body["data"]["webhook"]["id"], e.id.value);
    EXPECT_EQ(body["data"]["webhook"]["url"], e.url);

    auto stored = service_->delivery(owner_, e.id, ping->id);
    ASSERT_TRUE(stored) << stored.error().message;
    EXPECT_EQ(stored->status, DeliveryStatus::kPending);
    EXPECT_EQ(stored->body, ping->body);
    EXPECT_EQ(stored->event_type, "ping");
    auto pending = service_->deliveries(owner_, e.id, DeliveryStatus::kPending, {});
    ASSERT_TRUE(pending);
    EXPECT_EQ(pending->count, 1);
    auto delivered = service_->deliveries(owner_, e.id, DeliveryStatus::kDelivered, {});
    ASSERT_TRUE(delivered);
    EXPECT_EQ(delivered->count, 0);

    // Due now, to this endpoint.
    auto claimed = db().write([&](db::Connection& c) {
        return store::claim_due(c, "node-a", clock_.now(), clock_.now() + kMicrosPerSecond, 8, 64,
                                {});
    });
    ASSERT_TRUE(claimed) << claimed.error().message;
    ASSERT_EQ(claimed->size(), 1u);
    EXPECT_EQ((*claimed)[0].delivery.id, ping->id);
    EXPECT_EQ((*claimed)[0].target, e.id.value);
    ASSERT_TRUE((*claimed)[0].secrets);
    EXPECT_EQ(open_secret(kServerSecret, (*claimed)[0].secrets->secret), issued->secret);
}

TEST_P(WebhookServiceTest, RedeliveryStaysInTheAccount) {
    const auto mine = make(owner_).endpoint.id;
    const auto theirs = make(other_).endpoint.id;
    auto ping = service_->test(owner_, mine);
    ASSERT_TRUE(ping);
    give_up(*ping);
    clock_.advance(60 * kMicrosPerSecond);
    const int woken = wakes_;

    const auto nf = ErrorCode::kNotFound;
    expect_error(service_->redeliver(other_, mine, ping->id), nf, "their endpoint id");
    expect_error(service_->redeliver(other_, theirs, ping->id), nf, "their own endpoint");
    expect_error(service_->redeliver(owner_, theirs, ping->id), nf, "the wrong endpoint");
    expect_error(service_->redeliver(owner_, mine, DeliveryId{"nope"}), nf, "no such delivery");
    expect_error(service_->delivery(other_, mine, ping->id), nf, "reading it");
    EXPECT_EQ(wakes_, woken);
    auto still = service_->delivery(owner_, mine, ping->id);
    ASSERT_TRUE(still);
    EXPECT_EQ(still->status, DeliveryStatus::kFailed);

    auto again = service_->redeliver(owner_, mine, ping->id);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(wakes_, woken + 1);
    EXPECT_EQ(again->status, DeliveryStatus::kPending);
    EXPECT_EQ(again->next_attempt_at, clock_.now());
    EXPECT_EQ(again->event_id, ping->event_id);
    EXPECT_EQ(again->body, ping->body);
    auto stored = service_->delivery(owner_, mine, ping->id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->status, DeliveryStatus::kPending);
    EXPECT_EQ(stored->next_attempt_at, clock_.now());
    EXPECT_EQ(stored->body, ping->body);
}

TEST_P(WebhookServiceTest, RemovingAnEndpointDropsItsDeliveries) {
    const auto id = make(owner_).endpoint.id;
    auto ping = service_->test(owner_, id);
    ASSERT_TRUE(ping);
    ASSERT_TRUE(service_->remove(owner_, id));
    expect_error(service_->get(owner_, id), ErrorCode::kNotFound, "get after remove");
    expect_error(service_->delivery(owner_, id, ping->id), ErrorCode::kNotFound, "its delivery");
    auto again = service_->remove(owner_, id);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
    auto due = db().read([&](db::Connection& c) { return store::has_due(c, clock_.now()); });
    ASSERT_TRUE(due);
    EXPECT_FALSE(*due);
}

TEST_P(WebhookServiceTest, OnlyHttpUrlsWithoutCredentials) {
    for (const char* bad : {"ftp://example.com/h", "example.com/h", "https://user:pw@example.com/h",
                            "https://", "http://exa mple.com/"}) {
        expect_invalid(service_->create(owner_, input(bad)), "url", bad);
    }
    EXPECT_TRUE(service_->create(owner_, input("http://127.0.0.1:8080/hooks")));
}

class WebhookDestinationTest : public db::testing::EngineTest {
protected:
    void SetUp() override {
        EngineTest::SetUp();
        if (IsSkipped()) return;
        service_ =
            std::make_unique<WebhookService>(test_->db(), clock_, kServerSecret, WebhookOptions{});
    }
    FakeClock clock_;
    std::unique_ptr<WebhookService> service_;
    const Principal owner_ = principal("acct-a", Role::kOwner);
};

TEST_P(WebhookDestinationTest, PrivateDestinationsAreRefusedNamingTheUrl) {
    ASSERT_FALSE(service_->options().allow_private);
    for (const char* bad :
         {"http://127.0.0.1/", "http://[::1]/", "http://localhost:8080/hooks",
          "https://LOCALHOST./x", "http://10.0.0.5/", "http://169.254.169.254/latest/meta-data/",
          "http://[::ffff:127.0.0.1]/", "http://[fd00:ec2::254]/", "http://0.0.0.0:9000/"}) {
        expect_invalid(service_->create(owner_, input(bad)), "url", bad);
    }
    auto listed = service_->list(owner_, {});
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->count, 0);
}

TEST_P(WebhookDestinationTest, AnUpdateToAPrivateDestinationIsRefused) {
    // Written by the store directly: a public URL needs DNS to create.
    Endpoint e;
    e.id = WebhookId{"w-1"};
    e.account_id = owner_.account_id;
    e.url = "https://8.8.8.8/hooks";
    e.events = {"*"};
    e.created_at = e.updated_at = clock_.now();
    ASSERT_TRUE(db().write([&](db::Connection& c) { return store::insert_endpoint(c, e, "x"); }));
    EndpointInput change;
    change.url = "http://[::1]:8080/";
    expect_invalid(service_->update(owner_, e.id, change), "url", "update to ::1");
    auto got = service_->get(owner_, e.id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->url, "https://8.8.8.8/hooks");
    // A public address needs no name resolved.
    change.url = "https://1.1.1.1/hooks";
    auto ok = service_->update(owner_, e.id, change);
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ok->url, "https://1.1.1.1/hooks");
}

INSTANTIATE_TEST_SUITE_P(Engines, WebhookServiceTest, db::testing::engines(),
                         db::testing::EngineName());
INSTANTIATE_TEST_SUITE_P(Engines, WebhookDestinationTest, db::testing::engines(),
                         db::testing::EngineName());

}  // namespace
}  // namespace ujumbe::webhooks
