#include "core/principal.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ujumbe {
namespace {

TEST(Roles, EveryRoleAndTypeReadsBackFromItsName) {
    for (Role r : {Role::kOwner, Role::kAdmin, Role::kAgent})
        EXPECT_EQ(parse_role(role_name(r)), r);
    for (AccountType t : {AccountType::kPlatform, AccountType::kReseller, AccountType::kBusiness})
        EXPECT_EQ(parse_account_type(account_type_name(t)), t);
    EXPECT_EQ(role_names(), (std::vector<std::string>{"owner", "admin", "agent"}));
    EXPECT_FALSE(parse_role("Owner"));
    EXPECT_FALSE(parse_role("platform_admin"));
    EXPECT_FALSE(parse_account_type(""));
}

TEST(Roles, JsonWritesNamesNeverNumbers) {
    const nlohmann::json j = {{"role", Role::kAdmin}, {"type", AccountType::kReseller}};
    EXPECT_EQ(j.dump(), R"({"role":"admin","type":"reseller"})");
}

TEST(Roles, JsonWritesIdsAsTheirText) {
    const nlohmann::json j = {{"id", AccountId{"acc-1"}}};
    EXPECT_EQ(j.dump(), R"({"id":"acc-1"})");
}

TEST(Principal, OnlyAManagerOfThePlatformAccountIsThePlatformAdmin) {
    Principal p;
    p.account_type = AccountType::kPlatform;
    p.account_id = AccountId{"platform"};
    for (Role r : {Role::kOwner, Role::kAdmin}) {
        p.role = r;
        EXPECT_TRUE(p.is_platform_admin());
        EXPECT_TRUE(p.visible_accounts().is_all());
        EXPECT_EQ(p.claim_role(), "platform_admin");
    }
    p.role = Role::kAgent;
    EXPECT_FALSE(p.is_platform_admin());
    EXPECT_EQ(p.claim_role(), "agent");
    ASSERT_FALSE(p.visible_accounts().is_all());
    EXPECT_EQ(p.visible_accounts().account(), AccountId{"platform"});
    p.role = Role::kOwner;
    p.account_type = AccountType::kReseller;
    EXPECT_FALSE(p.is_platform_admin());
    EXPECT_TRUE(p.can_manage());
    EXPECT_EQ(p.claim_role(), "owner");
}

}  // namespace
}  // namespace ujumbe
