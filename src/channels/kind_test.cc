#include "channels/kind.h"

#include <gtest/gtest.h>

#include "channels/builtin_kinds.h"

namespace ujumbe::channels {
namespace {

using json = nlohmann::json;

TEST(KindRegistry, FindsKindsByNameAndListsThemInOrder) {
    KindRegistry kinds;
    EXPECT_EQ(kinds.find("smpp"), nullptr);
    add_builtin_kinds(kinds);
    EXPECT_EQ(kinds.names(),
              (std::vector<std::string>{"http", "sandbox", "smpp", "smtp", "whatsapp"}));
    ASSERT_NE(kinds.find("smpp"), nullptr);
    EXPECT_EQ(kinds.find("smpp")->name(), "smpp");
    EXPECT_EQ(kinds.find("smpp")->secret_fields(), std::vector<std::string>{"password"});
    EXPECT_EQ(kinds.find("SMPP"), nullptr);
}

TEST(KindRegistry, EachBuiltinKindChecksItsSettings) {
    KindRegistry kinds;
    add_builtin_kinds(kinds);
    const auto* sandbox = kinds.find("sandbox");
    auto defaults = sandbox->canonical_settings(sandbox->default_settings(), json::object());
    ASSERT_TRUE(defaults);
    EXPECT_EQ(*defaults, sandbox->default_settings());
    auto bad = sandbox->canonical_settings({{"delivery_ratio", 2}}, json::object());
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().errors.begin()->first, "settings.delivery_ratio");

    const auto* smpp = kinds.find("smpp");
    auto no_password = smpp->canonical_settings(
        {{"host", "127.0.0.1"}, {"port", 2775}, {"system_id", "u"}}, json::object());
    ASSERT_FALSE(no_password);
    auto ok = smpp->canonical_settings({{"host", "127.0.0.1"}, {"port", 2775}, {"system_id", "u"}},
                                       {{"password", "secret"}});
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_FALSE(ok->contains("password"));
}

TEST(KindRegistry, ShownSettingsNameHeldSecretsButNeverTheirValues) {
    auto shown = redacted_settings({{"host", "h"}}, {{"password", "hunter2"}, {"token", "t"}});
    EXPECT_EQ(shown, (json{{"host", "h"}, {"password_set", true}, {"token_set", true}}));
    EXPECT_EQ(redacted_settings(json::array(), json()), json::object());
}

}  // namespace
}  // namespace ujumbe::channels
