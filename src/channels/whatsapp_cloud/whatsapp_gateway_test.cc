// What a WhatsApp number's gateway sends and how it reads Meta's answers.

#include "channels/whatsapp_cloud/whatsapp_gateway.h"

#include <gtest/gtest.h>

namespace ujumbe::channels::whatsapp {
namespace {

using json = nlohmann::json;

HttpAnswer answered(int status, const std::string& body) {
    return {.sent = true, .answered = true, .status = status, .body = body};
}

TEST(WhatsAppGateway, TheBodyIsTheStoredObjectAddressedToTheDigits) {
    OutboundSms m{.message_id = MessageId{"m-1"},
                  .to = "+255713000002",
                  .body = "Habari",
                  .content = R"({"type":"text","text":{"body":"Habari"}})"};
    const json body = json::parse(send_body(m, message_object(m)));
    EXPECT_EQ(body["messaging_product"], "whatsapp");
    EXPECT_EQ(body["to"], "255713000002");
    EXPECT_EQ(body["type"], "text");
    EXPECT_EQ(body["text"]["body"], "Habari");
    EXPECT_EQ(body["biz_opaque_callback_data"], "m-1");
    m.content.clear();  // a message stored without one goes as text
    EXPECT_EQ(json::parse(send_body(m, message_object(m)))["text"]["body"], "Habari");
}

TEST(WhatsAppGateway, AnAcceptedAnswerNamesTheMessage) {
    auto p = read_send_answer(
        answered(200, R"({"messaging_product":"whatsapp","messages":[{"id":"wamid.HBgL"}]})"));
    EXPECT_TRUE(p.accepted && p.left && p.answered);
    EXPECT_EQ(p.provider_id, "wamid.HBgL");
    EXPECT_EQ(p.provider_key, "wamid.HBgL");
    auto nameless = read_send_answer(answered(200, R"({"messages":[]})"));
    EXPECT_FALSE(nameless.accepted);
    EXPECT_TRUE(nameless.left);  // Meta may have it: never sent again
    EXPECT_EQ(nameless.error_code, "BAD_ANSWER");
}

TEST(WhatsAppGateway, MetasRefusalsAreFinalOrRetriedByCode) {
    auto error = [](int status, int code) {
        return read_send_answer(
            answered(status, R"({"error":{"message":"m","code":)" + std::to_string(code) + "}}"));
    };
    for (int code : {130429, 131056, 131048, 2, 190}) {
        auto p = error(400, code);
        EXPECT_TRUE(p.retryable && !p.left && !p.accepted) << code;
        EXPECT_EQ(p.error_code, "WHATSAPP_" + std::to_string(code));
    }
    for (int code : {131047, 131026, 100, 132001}) {
        auto p = error(400, code);
        EXPECT_TRUE(p.answered && !p.retryable && !p.left && !p.accepted) << code;
        EXPECT_EQ(p.error_code, "WHATSAPP_" + std::to_string(code));
    }
    EXPECT_TRUE(read_send_answer(answered(503, "busy")).retryable);
    EXPECT_EQ(read_send_answer(answered(404, "<html>")).error_code, "WHATSAPP_HTTP_404");
}

TEST(WhatsAppGateway, NoAnswerIsRetriedOnlyWhenNothingWent) {
    auto unsent = read_send_answer({.sent = false, .answered = false, .error = "refused"});
    EXPECT_TRUE(unsent.retryable && !unsent.left);
    auto lost = read_send_answer({.sent = true, .answered = false, .error = "timeout"});
    EXPECT_TRUE(lost.left && !lost.retryable);
    EXPECT_EQ(lost.error_code, "NO_RESPONSE");
}

TEST(WhatsAppGateway, SettingsNameTheirField) {
    auto s =
        read_number_settings({{"phone_number_id", "1065"}, {"graph_url", "http://127.0.0.1:9"}},
                             {{"access_token", "EAAG"}});
    ASSERT_TRUE(s);
    EXPECT_EQ(number_settings_json(*s)["graph_url"], "http://127.0.0.1:9");
    EXPECT_FALSE(number_settings_json(*s).contains("access_token"));
    auto field = [](const json& settings, const json& secrets) {
        auto r = read_number_settings(settings, secrets);
        return r ? std::string() : r.error().errors.begin()->first;
    };
    EXPECT_EQ(field({{"phone_number_id", "12a"}}, {{"access_token", "t"}}),
              "settings.phone_number_id");
    EXPECT_EQ(field({{"phone_number_id", "12"}}, json::object()), "settings.access_token");
    EXPECT_EQ(field({{"phone_number_id", "12"}, {"graph_url", "nope"}}, {{"access_token", "t"}}),
              "settings.graph_url");
    EXPECT_EQ(field({{"phone_number_id", "12"}, {"concurrency", 0}}, {{"access_token", "t"}}),
              "settings.concurrency");
}

}  // namespace
}  // namespace ujumbe::channels::whatsapp
