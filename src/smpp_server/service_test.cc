// SMPP accounts: who may manage them, what a bind is checked against
// (password, bind kind, address, active account), the failure throttle,
// and the address allow-list.

#include "smpp_server/service.h"

#include <gtest/gtest.h>

#include "db/testing_db.h"

namespace ujumbe::smpp_server {
namespace {

TEST(AddressAllowed, EmptyAllowsAllAndBlocksMatchByPrefix) {
    EXPECT_TRUE(address_allowed({}, "203.0.113.9"));
    EXPECT_TRUE(address_allowed({"10.0.0.0/8"}, "10.200.3.4"));
    EXPECT_FALSE(address_allowed({"10.0.0.0/8"}, "11.0.0.1"));
    EXPECT_TRUE(address_allowed({"192.0.2.7"}, "192.0.2.7"));
    EXPECT_FALSE(address_allowed({"192.0.2.7"}, "192.0.2.8"));
    EXPECT_TRUE(address_allowed({"192.0.2.0/25"}, "192.0.2.127"));
    EXPECT_FALSE(address_allowed({"192.0.2.0/25"}, "192.0.2.128"));
    EXPECT_TRUE(address_allowed({"2001:db8::/32"}, "2001:db8:1::5"));
    EXPECT_FALSE(address_allowed({"2001:db8::/32"}, "2001:db9::1"));
    EXPECT_TRUE(address_allowed({"127.0.0.0/8"}, "::ffff:127.0.0.1"));  // v4-mapped
    EXPECT_FALSE(address_allowed({"10.0.0.0/8"}, "not an address"));
    EXPECT_TRUE(address_allowed({"0.0.0.0/0"}, "198.51.100.1"));
}

TEST(AddressAllowed, EntriesAreAddressesOrBlocks) {
    EXPECT_TRUE(valid_allow_entry("10.0.0.0/8"));
    EXPECT_TRUE(valid_allow_entry("::1"));
    EXPECT_TRUE(valid_allow_entry("2001:db8::/128"));
    EXPECT_FALSE(valid_allow_entry("10.0.0.0/33"));
    EXPECT_FALSE(valid_allow_entry("2001:db8::/129"));
    EXPECT_FALSE(valid_allow_entry("10.0.0.0/"));
    EXPECT_FALSE(valid_allow_entry("10.0.0.0/-1"));
    EXPECT_FALSE(valid_allow_entry("host.example"));
    EXPECT_FALSE(valid_allow_entry(""));
}

class SmppAccountsTest : public db::testing::EngineTest {
protected:
    void SetUp() override {
        EngineTest::SetUp();
        if (IsSkipped()) return;
        service_ = std::make_unique<SmppAccountsService>(
            test_->db(), clock_, "a-test-secret-of-enough-length-000",
            [this](const AccountId& id) { return id.value != suspended_; });
        owner_.user_id = UserId{"user-1"};
        owner_.account_id = AccountId{"acct-a"};
        owner_.role = Role::kOwner;
        owner_.account_type = AccountType::kBusiness;
    }

    IssuedCredential make(SmppAccountInput in) {
        auto issued = service_->create(owner_, in);
        EXPECT_TRUE(issued) << issued.error().message;
        return issued ? *issued : IssuedCredential{};
    }

    FakeClock clock_;
    std::string suspended_;
    Principal owner_;
    std::unique_ptr<SmppAccountsService> service_;
};

TEST_P(SmppAccountsTest, APasswordIsMadeOnceAndChecked) {
    auto issued = make({.system_id = "shop1"});
    EXPECT_EQ(issued.password.size(), 8u);
    EXPECT_EQ(issued.account.binds.size(), 3u);
    auto ok = service_->check_bind("shop1", issued.password, "127.0.0.1", BindKind::kTransceiver);
    ASSERT_TRUE(ok.account) << ok.why;
    EXPECT_EQ(ok.account->account_id.value, "acct-a");
    auto wrong = service_->check_bind("shop1", "wrong", "127.0.0.1", BindKind::kTransceiver);
    EXPECT_FALSE(wrong.account);
    EXPECT_EQ(wrong.refusal, BindRefusal::kWrongPassword);
    auto unknown = service_->check_bind("nobody", "x", "127.0.0.1", BindKind::kTransceiver);
    EXPECT_EQ(unknown.refusal, BindRefusal::kUnknownSystemId);

    auto reset = service_->reset_password(owner_, issued.account.id);
    ASSERT_TRUE(reset);
    EXPECT_NE(reset->password, issued.password);
    EXPECT_FALSE(
        service_->check_bind("shop1", issued.password, "127.0.0.1", BindKind::kReceiver).account);
    EXPECT_TRUE(
        service_->check_bind("shop1", reset->password, "127.0.0.1", BindKind::kReceiver).account);
}

TEST_P(SmppAccountsTest, BindsAreRefusedByKindAddressAndState) {
    auto issued = make({.system_id = "shop2",
                        .binds = std::vector<BindKind>{BindKind::kTransmitter},
                        .allowed_ips = std::vector<std::string>{"192.0.2.0/24"}});
    const auto& pw = issued.password;
    EXPECT_TRUE(service_->check_bind("shop2", pw, "192.0.2.9", BindKind::kTransmitter).account);
    auto kind = service_->check_bind("shop2", pw, "192.0.2.9", BindKind::kReceiver);
    EXPECT_FALSE(kind.account);
    EXPECT_EQ(kind.refusal, BindRefusal::kNotAllowed);
    EXPECT_FALSE(service_->check_bind("shop2", pw, "198.51.100.1", BindKind::kTransmitter).account);
    suspended_ = "acct-a";
    EXPECT_FALSE(service_->check_bind("shop2", pw, "192.0.2.9", BindKind::kTransmitter).account);
    suspended_.clear();
    ASSERT_TRUE(service_->update(owner_, issued.account.id, {.is_active = false}));
    EXPECT_FALSE(service_->check_bind("shop2", pw, "192.0.2.9", BindKind::kTransmitter).account);
}

TEST_P(SmppAccountsTest, RepeatedFailuresShutTheDoorForAMinute) {
    auto issued = make({.system_id = "shop3"});
    for (int i = 0; i < 5; ++i)
        EXPECT_FALSE(
            service_->check_bind("shop3", "guess", "127.0.0.1", BindKind::kTransceiver).account);
    // Even the right password waits now.
    EXPECT_FALSE(service_->check_bind("shop3", issued.password, "127.0.0.1", BindKind::kTransceiver)
                     .account);
    clock_.advance(61 * kMicrosPerSecond);
    EXPECT_TRUE(service_->check_bind("shop3", issued.password, "127.0.0.1", BindKind::kTransceiver)
                    .account);
}

TEST_P(SmppAccountsTest, OnlyManagersOfTheAccountSeeAndChangeIt) {
    auto issued = make({.system_id = "shop4"});
    Principal agent = owner_;
    agent.role = Role::kAgent;
    EXPECT_EQ(service_->get(agent, issued.account.id).error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(service_->create(agent, {.system_id = "x"}).error().code,
              ErrorCode::kPermissionDenied);
    Principal stranger = owner_;
    stranger.account_id = AccountId{"acct-b"};
    EXPECT_EQ(service_->get(stranger, issued.account.id).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(service_->update(stranger, issued.account.id, {.throughput = 1}).error().code,
              ErrorCode::kNotFound);
    EXPECT_EQ(service_->reset_password(stranger, issued.account.id).error().code,
              ErrorCode::kNotFound);
    EXPECT_EQ(service_->remove(stranger, issued.account.id).error().code, ErrorCode::kNotFound);
    EXPECT_TRUE(service_->get(owner_, issued.account.id));
    EXPECT_TRUE(service_->remove(owner_, issued.account.id));
    EXPECT_EQ(service_->get(owner_, issued.account.id).error().code, ErrorCode::kNotFound);
}

TEST_P(SmppAccountsTest, SystemIdsAreCheckedAndUnique) {
    make({.system_id = "shop5"});
    EXPECT_EQ(service_->create(owner_, {.system_id = "shop5"}).error().code, ErrorCode::kConflict);
    EXPECT_EQ(service_->create(owner_, {.system_id = "has space"}).error().code,
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(service_->create(owner_, {.system_id = std::string(16, 'a')}).error().code,
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(service_->create(owner_, {}).error().code, ErrorCode::kInvalidArgument);
    auto other = make({.system_id = "shop6"});
    EXPECT_EQ(service_->update(owner_, other.account.id, {.system_id = "shop5"}).error().code,
              ErrorCode::kConflict);
}

INSTANTIATE_TEST_SUITE_P(Engines, SmppAccountsTest, db::testing::engines(),
                         db::testing::EngineName());

}  // namespace
}  // namespace ujumbe::smpp_server
