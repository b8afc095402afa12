// Gateways and routes through the routing service with a fake gateway kind,
// on SQLite and on PostgreSQL: routing knows kinds only through the
// registry (settings checked by the kind, secrets split off and sealed,
// probes and live gateways made by the kind).
#include "routing/service.h"

#include <gtest/gtest.h>

#include <atomic>

#include "db/testing_db.h"
#include "routing/store.h"

namespace ujumbe::routing {
namespace {

using json = nlohmann::json;

class FakeGateway final : public channels::Gateway {
public:
    explicit FakeGateway(GatewayId id) : id_(std::move(id)) {}
    const GatewayId& id() const override { return id_; }
    void start() override {}
    void stop() override {}
    bool available() const override { return true; }
    void submit(channels::OutboundSms, std::function<void(channels::SubmitOutcome)> done) override {
        done({});
    }
    std::size_t capacity() const override { return 1; }
    json status() const override { return {{"kind", "fake"}, {"bound", true}}; }

private:
    GatewayId id_;
};

// A kind with one required setting ("host"), one default ("speed": 1) and
// one secret ("token").
class FakeKind final : public channels::GatewayKind {
public:
    std::string_view name() const override { return "fake"; }
    std::vector<std::string> secret_fields() const override { return {"token"}; }
    Result<json> canonical_settings(const json& settings, const json& secrets) const override {
        if (!settings.is_object() || !settings.contains("host"))
            return Error::invalid("settings.host", "This field is required.");
        if (!secrets.contains("token"))
            return Error::invalid("settings.token", "This field is required.");
        return json{{"host", settings["host"]}, {"speed", settings.value("speed", 1)}};
    }
    json default_settings() const override { return {{"host", "default"}, {"speed", 1}}; }
    Result<std::shared_ptr<channels::Gateway>> create(const channels::GatewaySpec& spec,
                                                      boost::asio::io_context&,
                                                      channels::GatewayListener&) const override {
        ++created;
        last_secrets = spec.secrets;
        return std::shared_ptr<channels::Gateway>(std::make_shared<FakeGateway>(spec.id));
    }
    json probe(const channels::GatewaySpec& spec, boost::asio::io_context&) const override {
        return {{"ok", spec.secrets.value("token", "") == "right"}, {"detail", "probed"}};
    }
    mutable std::atomic<int> created{0};
    mutable json last_secrets;
};

class Silent final : public channels::GatewayListener {
public:
    void on_receipt(const channels::ReceiptReport&, channels::ReportDone) override {}
    void on_inbound(const channels::InboundReport&, channels::ReportDone) override {}
};

class RoutingServiceTest : public ::testing::TestWithParam<db::Dialect> {
protected:
    void SetUp() override {
        std::string why;
        test_ = db::testing::TestDatabase::create(GetParam(), why);
        if (!test_) GTEST_SKIP() << why;
        kind_ = std::make_shared<FakeKind>();
        kinds_.add(kind_);
        registry_ = std::make_unique<GatewayRegistry>(kinds_, listener_);
        service_ =
            std::make_unique<RoutingService>(test_->db(), clock_, std::string(40, 's'), *registry_);
    }
    void TearDown() override {
        if (registry_) registry_->stop();
    }
    Result<GatewayRecord> create(json settings, const std::string& kind = "fake") {
        return service_->create_gateway(admin_, {.name = "gw-" + std::to_string(++made_),
                                                 .kind = kind,
                                                 .settings = std::move(settings)});
    }

    Principal admin_{.user_id = UserId{"admin"},
                     .account_id = AccountId{"platform"},
                     .role = Role::kOwner,
                     .account_type = AccountType::kPlatform};
    FakeClock clock_{1'790'000'000'000'000};
    Silent listener_;
    std::shared_ptr<FakeKind> kind_;
    channels::KindRegistry kinds_;
    std::unique_ptr<db::testing::TestDatabase> test_;
    std::unique_ptr<GatewayRegistry> registry_;
    std::unique_ptr<RoutingService> service_;
    int made_ = 0;
};

TEST_P(RoutingServiceTest, TheKindChecksSettingsAndItsSecretsAreSealedAndNeverStoredPlain) {
    auto missing = create({{"token", "right"}});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().errors.begin()->first, "settings.host");

    auto g = create({{"host", "h1"}, {"token", "right"}});
    ASSERT_TRUE(g) << g.error().message;
    EXPECT_EQ(g->settings, (json{{"host", "h1"}, {"speed", 1}}));  // no secret in settings
    EXPECT_EQ(g->secrets, (json{{"token", "right"}}));
    EXPECT_EQ(channels::redacted_settings(g->settings, g->secrets),
              (json{{"host", "h1"}, {"speed", 1}, {"token_set", true}}));
    // Stored sealed: the raw token is nowhere in the row.
    auto stored =
        test_->db().read([&](db::Connection& c) { return store::find_gateway(c, g->id); });
    ASSERT_TRUE(stored && *stored);
    EXPECT_EQ((*stored)->sealed.find("right"), std::string::npos);
    EXPECT_EQ((*stored)->gateway.settings.dump().find("right"), std::string::npos);
    // The live gateway was made by the kind with the secrets opened.
    EXPECT_EQ(kind_->created.load(), 1);
    EXPECT_EQ(kind_->last_secrets, (json{{"token", "right"}}));
    ASSERT_TRUE(registry_->gateway(g->id));
}

TEST_P(RoutingServiceTest, AnUnknownKindIsRefusedByName) {
    auto g = create({{"host", "h1"}, {"token", "right"}}, "carrier-pigeon");
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error().errors.begin()->first, "kind");
    EXPECT_EQ(service_->kinds(), std::vector<std::string>{"fake"});
}

TEST_P(RoutingServiceTest, AnUpdateKeepsSecretsNotNamedAndRebuildsTheGateway) {
    auto g = create({{"host", "h1"}, {"token", "right"}});
    ASSERT_TRUE(g);
    auto updated = service_->update_gateway(admin_, g->id, {.settings = json{{"speed", 5}}});
    ASSERT_TRUE(updated) << updated.error().message;
    EXPECT_EQ(updated->settings, (json{{"host", "h1"}, {"speed", 5}}));
    EXPECT_EQ(updated->secrets, (json{{"token", "right"}}));
    EXPECT_EQ(kind_->created.load(), 2);  // new settings, new live gateway
    auto listed = service_->list_gateways(admin_, {});
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->items.size(), 1u);
    EXPECT_EQ(listed->items[0].secrets, (json{{"token", "right"}}));
}

TEST_P(RoutingServiceTest, TheProbeIsTheKindsAndStatusIsTheLiveGateways) {
    auto good = create({{"host", "h1"}, {"token", "right"}});
    auto bad = create({{"host", "h2"}, {"token", "wrong"}});
    ASSERT_TRUE(good && bad);
    auto ok = service_->test_gateway(admin_, good->id);
    ASSERT_TRUE(ok);
    EXPECT_TRUE((*ok)["ok"].get<bool>());
    EXPECT_EQ((*ok)["kind"], "fake");
    EXPECT_TRUE(ok->contains("elapsed_ms"));
    auto refused = service_->test_gateway(admin_, bad->id);
    ASSERT_TRUE(refused);
    EXPECT_FALSE((*refused)["ok"].get<bool>());
    auto status = service_->gateway_status(admin_, good->id);
    ASSERT_TRUE(status);
    EXPECT_TRUE((*status)["running"].get<bool>());
    EXPECT_TRUE((*status)["bound"].get<bool>());
}

TEST_P(RoutingServiceTest, AFreshServerGetsTheNamedKindsGatewayAndACatchAllRule) {
    ASSERT_TRUE(service_->ensure_gateway("fake"));
    ASSERT_TRUE(service_->ensure_gateway("fake"));  // only once
    auto listed = service_->list_gateways(admin_, {});
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->items.size(), 1u);
    EXPECT_EQ(listed->items[0].kind, "fake");
    EXPECT_EQ(listed->items[0].settings, kind_->default_settings());
    auto choice = service_->choose({.channel = "sms", .to = "+254700000001", .country = "KE"});
    ASSERT_TRUE(choice);
    EXPECT_FALSE(service_->ensure_gateway("carrier-pigeon"));
}

TEST_P(RoutingServiceTest, OnlyThePlatformAdminManagesGateways) {
    Principal owner{.user_id = UserId{"u"},
                    .account_id = AccountId{"a"},
                    .role = Role::kOwner,
                    .account_type = AccountType::kBusiness};
    auto g = service_->create_gateway(owner, {.name = "x", .kind = "fake", .settings = json{}});
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error().code, ErrorCode::kPermissionDenied);
    EXPECT_FALSE(service_->list_gateways(owner, {}));
}

INSTANTIATE_TEST_SUITE_P(Engines, RoutingServiceTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         [](const auto& info) { return db::testing::dialect_name(info.param); });

}  // namespace
}  // namespace ujumbe::routing
