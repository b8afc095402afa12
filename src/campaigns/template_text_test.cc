// Template bodies: placeholders read with their defaults, refused when
// unknown, unclosed or empty, and rendered per recipient.

#include "campaigns/template_text.h"

#include <gtest/gtest.h>

namespace ujumbe::campaigns {
namespace {

TemplateValues values() {
    TemplateValues v;
    v.name = "Asha";
    v.phone = "+255712000001";
    v.email = "asha@example.com";
    v.attributes = {{"company", "Acme"}, {"visits", 3}, {"vip", true}, {"empty", ""}};
    return v;
}

TEST(TemplateText, RendersEveryKindOfVariable) {
    auto t = parse_template(
        "Hi {{name}} ({{ phone }}, {{email}}) of {{attributes.company}}: {{attributes.visits}} "
        "visits, vip {{attributes.vip}}",
        "body");
    ASSERT_TRUE(t);
    const auto r = render(*t, values());
    EXPECT_FALSE(r.missing);
    EXPECT_EQ(r.text, "Hi Asha (+255712000001, asha@example.com) of Acme: 3 visits, vip true");
}

TEST(TemplateText, DefaultsFillMissingAndEmptyValues) {
    auto t =
        parse_template("Karibu {{attributes.city|Dar es Salaam}}{{attributes.empty|!}}", "body");
    ASSERT_TRUE(t);
    EXPECT_EQ(render(*t, values()).text, "Karibu Dar es Salaam!");
    EXPECT_TRUE(t->required_variables().empty());
}

TEST(TemplateText, MissingValueWithoutDefaultIsNamed) {
    auto t = parse_template("{{name}} at {{attributes.city}} and {{attributes.town}}", "body");
    ASSERT_TRUE(t);
    const auto r = render(*t, values());
    ASSERT_TRUE(r.missing);
    EXPECT_EQ(*r.missing, "attributes.city");
    EXPECT_EQ(t->required_variables(),
              (std::vector<std::string>{"name", "attributes.city", "attributes.town"}));
}

TEST(TemplateText, TextWithoutPlaceholdersIsItself) {
    auto t = parse_template("Sale today { not a placeholder }", "body");
    ASSERT_TRUE(t);
    EXPECT_FALSE(t->has_variables());
    EXPECT_EQ(render(*t, {}).text, "Sale today { not a placeholder }");
}

TEST(TemplateText, MalformedPlaceholdersAreRefusedNamingTheField) {
    for (const char* body : {"Hi {{name", "Hi {{}}", "Hi {{ |x}}", "Hi {{first_name}}",
                             "{{attributes.}}", "{{attributes.a b}}", "{{attributes.x.y}}"}) {
        auto t = parse_template(body, "message_text");
        ASSERT_FALSE(t) << body;
        EXPECT_EQ(t.error().code, ErrorCode::kInvalidArgument) << body;
        EXPECT_TRUE(t.error().errors.contains("message_text")) << body;
    }
}

TEST(TemplateText, UnknownVariableIsEchoedBounded) {
    const std::string name(500, 'x');
    auto t = parse_template("{{" + name + "}}", "body");
    ASSERT_FALSE(t);
    EXPECT_LT(t.error().errors.at("body").front().size(), 200u);
}

TEST(TemplateText, AtMostFiftyPlaceholders) {
    std::string body;
    for (int i = 0; i < 50; ++i) body += "{{name}}";
    EXPECT_TRUE(parse_template(body, "body"));
    EXPECT_FALSE(parse_template(body + "{{name}}", "body"));
}

TEST(TemplateText, FooterGoesOnItsOwnLine) {
    auto t = parse_template("Sale {{name}}", "body");
    ASSERT_TRUE(t);
    EXPECT_EQ(compose(*t, values(), std::string("Reply STOP to opt out")).text,
              "Sale Asha\nReply STOP to opt out");
    EXPECT_EQ(compose(*t, values(), std::nullopt).text, "Sale Asha");
}

}  // namespace
}  // namespace ujumbe::campaigns
