// The WhatsApp template of whatsapp and mixed campaigns: checked as the
// Cloud API takes it, and filled for each recipient.

#include "campaigns/whatsapp_message.h"

#include <gtest/gtest.h>

namespace ujumbe::campaigns {
namespace {

using json = nlohmann::json;

json offer() {
    return json::parse(R"({"name": "weekly_offer", "language": "sw", "components": [
        {"type": "header", "parameters": [{"type": "text", "text": "{{attributes.city|Dar}}"}]},
        {"type": "body", "parameters": [{"type": "text", "text": "{{name}}"},
                                        {"type": "text", "text": "20%"}]}]})");
}

TEST(CampaignWhatsAppTemplate, IsCheckedAsTheCloudApiTakesIt) {
    EXPECT_TRUE(check_whatsapp_template(offer()));
    EXPECT_EQ(check_whatsapp_template(nullptr).error().errors.count("whatsapp_template"), 1u);
    auto bad_name = offer();
    bad_name["name"] = "Weekly Offer";
    EXPECT_FALSE(check_whatsapp_template(bad_name));
    auto bad_placeholder = offer();
    bad_placeholder["components"][1]["parameters"][0]["text"] = "{{nme}}";
    auto checked = check_whatsapp_template(bad_placeholder);
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().errors.count("whatsapp_template.components[1].parameters[0].text"),
              1u);
}

TEST(CampaignWhatsAppTemplate, IsFilledForEachRecipient) {
    EXPECT_TRUE(whatsapp_template_has_variables(offer()));
    TemplateValues asha{.name = "Asha", .phone = "+255713000001", .email = ""};
    asha.attributes = {{"city", "Mwanza"}};
    auto r = render_whatsapp_template(offer(), asha);
    ASSERT_FALSE(r.missing);
    EXPECT_EQ(r.template_object["components"][0]["parameters"][0]["text"], "Mwanza");
    EXPECT_EQ(r.template_object["components"][1]["parameters"][0]["text"], "Asha");
    EXPECT_EQ(r.template_object["components"][1]["parameters"][1]["text"], "20%");
    EXPECT_EQ(r.template_object["name"], "weekly_offer");
    // The default fills a missing city; a missing name leaves nothing to send.
    TemplateValues nameless{.phone = "+255713000002"};
    auto n = render_whatsapp_template(offer(), nameless);
    EXPECT_EQ(n.missing, std::optional<std::string>("name"));
    auto fixed = offer();
    fixed["components"] = json::array();
    EXPECT_FALSE(whatsapp_template_has_variables(fixed));
}

}  // namespace
}  // namespace ujumbe::campaigns
