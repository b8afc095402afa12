// Reading Meta's webhook deliveries: every entry and change, each kind of
// item, and what is skipped or ignored when Meta's shapes change or the
// bytes are not what they should be.

#include "channels/whatsapp_cloud/webhook_payload.h"

#include <gtest/gtest.h>

#include "core/json.h"

namespace ujumbe::channels::whatsapp {
namespace {

using json = nlohmann::json;

json envelope(json value, const char* field = "messages") {
    return {{"object", "whatsapp_business_account"},
            {"entry",
             {{{"id", "102290129340398"},
               {"changes", {{{"field", field}, {"value", std::move(value)}}}}}}}};
}

json messages(json items, json contacts = json::array()) {
    return {{"messaging_product", "whatsapp"},
            {"metadata", {{"display_phone_number", "255713000001"}, {"phone_number_id", "1065"}}},
            {"contacts", std::move(contacts)},
            {"messages", std::move(items)}};
}

TEST(WebhookPayload, ReadsInboundMessagesOfEachType) {
    const auto items = read_webhook(envelope(messages(
        {{{"from", "255713000002"},
          {"id", "wamid.A"},
          {"timestamp", "1764800000"},
          {"type", "text"},
          {"text", {{"body", "Habari"}}}},
         {{"from", "255713000002"},
          {"id", "wamid.B"},
          {"timestamp", "1764800001"},
          {"type", "image"},
          {"image", {{"id", "MEDIA1"}, {"mime_type", "image/jpeg"}, {"caption", "Receipt"}}},
          {"context", {{"from", "255713000001"}, {"id", "wamid.OURS"}}}},
         {{"from", "255713000002"},
          {"id", "wamid.C"},
          {"timestamp", "1764800002"},
          {"type", "interactive"},
          {"interactive",
           {{"type", "button_reply"}, {"button_reply", {{"id", "y"}, {"title", "Yes"}}}}}},
         {{"from", "255713000002"},
          {"id", "wamid.D"},
          {"timestamp", "1764800003"},
          {"type", "location"},
          {"location", {{"latitude", -6.8}, {"longitude", 39.3}}}}},
        {{{"wa_id", "255713000002"}, {"profile", {{"name", "Asha"}}}}})));
    ASSERT_EQ(items.inbound.size(), 4u);
    EXPECT_EQ(items.skipped, 0);
    const auto& text = items.inbound[0];
    EXPECT_EQ(text.phone_number_id, "1065");
    EXPECT_EQ(text.from, "255713000002");
    EXPECT_EQ(text.profile_name, "Asha");
    EXPECT_EQ(text.wamid, "wamid.A");
    EXPECT_EQ(text.timestamp, 1764800000);
    EXPECT_EQ(text.text, "Habari");
    const auto& image = items.inbound[1];
    EXPECT_EQ(image.text, "Receipt");
    EXPECT_EQ(image.media_id, "MEDIA1");
    EXPECT_EQ(image.mime_type, "image/jpeg");
    EXPECT_EQ(image.context_wamid, "wamid.OURS");
    EXPECT_EQ(items.inbound[2].text, "Yes");
    EXPECT_EQ(items.inbound[3].text, "[location]");
}

TEST(WebhookPayload, ReadsStatusesWithTheirErrorsAndTemplateChanges) {
    json value = messages(json::array());
    value["statuses"] = {{{"id", "wamid.OURS"},
                          {"status", "failed"},
                          {"timestamp", "1764800005"},
                          {"recipient_id", "255713000002"},
                          {"biz_opaque_callback_data", "msg-1"},
                          {"errors", {{{"code", 131047}, {"title", "Re-engagement message"}}}}},
                         {{"id", "wamid.OURS2"}, {"status", "read"}, {"timestamp", 1764800006}}};
    json doc = envelope(value);
    doc["entry"].push_back({{"id", "102290129340398"},
                            {"changes",
                             {{{"field", "message_template_status_update"},
                               {"value",
                                {{"event", "REJECTED"},
                                 {"message_template_id", 594425479261596},
                                 {"message_template_name", "order_ready"},
                                 {"message_template_language", "en_US"},
                                 {"reason", "INVALID_FORMAT"}}}}}}});
    const auto items = read_webhook(doc);
    ASSERT_EQ(items.statuses.size(), 2u);
    EXPECT_EQ(items.statuses[0].status, "failed");
    EXPECT_EQ(items.statuses[0].error_code, 131047);
    EXPECT_EQ(items.statuses[0].error_title, "Re-engagement message");
    EXPECT_EQ(items.statuses[0].callback_data, "msg-1");
    EXPECT_EQ(items.statuses[1].timestamp, 1764800006);
    EXPECT_FALSE(items.statuses[1].error_code);
    ASSERT_EQ(items.templates.size(), 1u);
    EXPECT_EQ(items.templates[0].template_id, "594425479261596");
    EXPECT_EQ(items.templates[0].event, "REJECTED");
    EXPECT_EQ(items.templates[0].reason, "INVALID_FORMAT");
}

TEST(WebhookPayload, ItemsMissingWhatTheyNeedAreSkippedAndCounted) {
    json value = messages({{{"id", "wamid.A"}, {"type", "text"}},                     // no sender
                           {{"from", "+2557"}, {"id", "wamid.B"}, {"type", "text"}},  // not digits
                           {{"from", "2557"}, {"type", "text"}},                      // no id
                           {{"from", 2557}, {"id", "wamid.C"}, {"type", "text"}},     // not text
                           "not an object",
                           {{"from", "2557"}, {"id", "wamid.D"}, {"type", "unsupported"}}});
    value["statuses"] = {{{"status", "sent"}}, {{"id", "wamid.E"}}, 7};
    const auto items = read_webhook(envelope(value));
    ASSERT_EQ(items.inbound.size(), 1u);
    EXPECT_EQ(items.inbound[0].text, "[unsupported]");
    EXPECT_EQ(items.statuses.size(), 0u);
    EXPECT_EQ(items.skipped, 8);
}

TEST(WebhookPayload, WhatIsNotTheEnvelopeGivesNothing) {
    for (const char* text :
         {"{}", "[]", "null", "\"text\"", R"({"entry":{}})", R"({"entry":[1,"a",null]})",
          R"({"entry":[{"changes":[{"field":"messages"}]}]})",
          R"({"entry":[{"changes":[{"field":"messages","value":{"messages":{}}}]}]})",
          R"({"entry":[{"changes":[{"field":"account_update","value":{"event":"x"}}]}]})"}) {
        JsonParseProblem problem;
        const auto items = read_webhook(parse_json_bounded(text, problem));
        EXPECT_TRUE(items.inbound.empty() && items.statuses.empty() && items.templates.empty())
            << text;
    }
}

TEST(WebhookPayload, LongTextsAreCutOnACharacterAndItemsAreBounded) {
    std::string body;
    while (body.size() < 5000) body += "é";  // two bytes each
    json many = json::array();
    for (int i = 0; i < 1500; ++i)
        many.push_back({{"from", "2557"},
                        {"id", "wamid." + std::to_string(i)},
                        {"type", "text"},
                        {"text", {{"body", body}}}});
    const auto items = read_webhook(envelope(messages(many)));
    ASSERT_EQ(items.inbound.size(), kMaxWebhookItems);
    EXPECT_EQ(items.inbound[0].text.size(), kMaxItemText);
    EXPECT_EQ(items.inbound[0].text.substr(kMaxItemText - 2), "é");
}

}  // namespace
}  // namespace ujumbe::channels::whatsapp
