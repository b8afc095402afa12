#include "contacts/testing_contacts.h"

#include "core/ids.h"
#include "identity/store.h"

namespace ujumbe::contacts::testing {

void ContactsTest::SetUp() {
    std::string why;
    test_ = db::testing::TestDatabase::create(GetParam(), why);
    if (!test_) GTEST_SKIP() << why;
    identity::IdentityOptions options;
    options.server_secret = std::string(40, 's');
    identity_ =
        std::make_unique<identity::IdentityService>(test_->db(), clock_, options, identity_ports_);
    dir_ = std::filesystem::temp_directory_path() / ("ujumbe_contacts_test_" + new_uuid_v7());
    std::filesystem::create_directories(dir_);
    service_ = std::make_unique<ContactsService>(test_->db(), clock_, *identity_,
                                                 (dir_ / "spool").string(), contacts_ports_);
}

void ContactsTest::TearDown() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

Principal ContactsTest::owner_of(const std::string& name, const std::string& country) {
    auto account = identity::new_account(AccountType::kBusiness, name, clock_.now());
    account.country = country;
    auto s =
        db().write([&](db::Connection& c) { return identity::store::insert_account(c, account); });
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    Principal p;
    p.user_id = UserId{new_uuid_v7()};
    p.account_id = account.id;
    p.role = Role::kOwner;
    p.account_type = AccountType::kBusiness;
    return p;
}

Principal ContactsTest::platform_admin() {
    EXPECT_TRUE(identity_->ensure_platform_admin("admin@example.com", "admin-password-1"));
    auto platform = identity_->platform_account();
    EXPECT_TRUE(platform);
    return {.user_id = UserId{"admin"},
            .account_id = platform ? platform->id : AccountId{},
            .role = Role::kOwner,
            .account_type = AccountType::kPlatform};
}

}  // namespace ujumbe::contacts::testing
