#include "audit/changes.h"

#include <gtest/gtest.h>

namespace ujumbe::audit {
namespace {

using json = nlohmann::json;

TEST(AuditChanges, ListsOnlyWhatChangedAndRedactsSecrets) {
    const json before = {{"id", "g1"},
                         {"name", "old"},
                         {"is_active", true},
                         {"updated_at", "t1"},
                         {"settings", {{"host", "a"}, {"password", "hunter2"}}}};
    const json after = {{"id", "g1"},
                        {"name", "new"},
                        {"is_active", true},
                        {"updated_at", "t2"},
                        {"settings", {{"host", "b"}, {"password", "swordfish"}}}};
    const auto c = changed_fields(before, after);
    EXPECT_EQ(c.size(), 2u) << c.dump();
    EXPECT_EQ(c["name"], (json{{"before", "old"}, {"after", "new"}}));
    EXPECT_EQ(c["settings"]["after"]["password"], "[redacted]");
    EXPECT_EQ(c.dump().find("hunter2"), std::string::npos);
    EXPECT_EQ(c.dump().find("swordfish"), std::string::npos);
}

TEST(AuditChanges, ACreateListsEveryFieldAsAfterAndADeleteAsBefore) {
    const json key = {{"id", "k1"}, {"name", "ci"}, {"key", "uj_secret"}, {"scopes", {"a"}}};
    const auto created = changed_fields(nullptr, key);
    EXPECT_EQ(created["name"], (json{{"before", nullptr}, {"after", "ci"}}));
    EXPECT_EQ(created["key"]["after"], "[redacted]");
    const auto deleted = changed_fields(key, nullptr);
    EXPECT_EQ(deleted["id"], (json{{"before", "k1"}, {"after", nullptr}}));
}

TEST(AuditChanges, RedactsAtAnyDepthAndBoundsWhatItKeeps) {
    json deep = {{"recovery_codes", {"a", "b"}},
                 {"access", "jwt"},
                 {"nested", {{"list", {{{"app_secret", "s"}, {"ok", 1}}}}}}};
    const auto r = redacted(deep);
    EXPECT_EQ(r["recovery_codes"], "[redacted]");
    EXPECT_EQ(r["access"], "[redacted]");
    EXPECT_EQ(r["nested"]["list"][0]["app_secret"], "[redacted]");
    EXPECT_EQ(r["nested"]["list"][0]["ok"], 1);
    json big = {{"note", std::string(20000, 'x')}};
    EXPECT_EQ(changed_fields(nullptr, big), (json{{"_truncated", true}}));
    json tower = 1;
    for (int i = 0; i < 100; ++i) tower = json{{"x", tower}};
    EXPECT_NO_THROW(redacted(tower));
}

TEST(AuditChanges, NamesRoutesByTheirPath) {
    EXPECT_EQ(action_name("POST", "/api/v1/gateways"), "gateways.create");
    EXPECT_EQ(action_name("PUT", "/api/v1/gateways/{id}"), "gateways.update");
    EXPECT_EQ(action_name("PATCH", "/api/v1/webhooks/{id}"), "webhooks.update");
    EXPECT_EQ(action_name("DELETE", "/api/v1/users/{id}"), "users.delete");
    EXPECT_EQ(action_name("PUT", "/api/v1/accounts/current"), "accounts.current.update");
    EXPECT_EQ(action_name("POST", "/api/v1/sender-ids/{id}/approve"), "sender-ids.approve");
    EXPECT_EQ(action_name("POST", "/api/v1/wallet/topups"), "wallet.topups");
    EXPECT_EQ(action_name("POST", "/api/v1/auth/login"), "auth.login");
    EXPECT_EQ(action_name("PUT", "/api/v1/auth/me"), "auth.me");
    EXPECT_EQ(target_type_of("/api/v1/sender-ids/{id}/approve"), "sender-ids");
}

}  // namespace
}  // namespace ujumbe::audit
