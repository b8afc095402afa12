// Reading the Graph API's answers: errors by code (never by text), a phone
// number's profile, and whatever else comes back instead.

#include "channels/whatsapp_cloud/graph.h"

#include <gtest/gtest.h>

#include "core/utf8.h"

namespace ujumbe::channels::whatsapp {
namespace {

TEST(GraphErrors, AreReadByCodeAndSubcode) {
    const auto e = read_graph_error(
        400, R"({"error":{"message":"Re-engagement message","type":"OAuthException",)"
             R"("code":131047,"error_subcode":2494010,"fbtrace_id":"Az"}})");
    EXPECT_EQ(e.http_status, 400);
    EXPECT_EQ(e.code, 131047);
    EXPECT_EQ(e.subcode, 2494010);
    EXPECT_EQ(e.message, "Re-engagement message");
    EXPECT_FALSE(e.auth_failed());
    EXPECT_FALSE(e.transient());
}

TEST(GraphErrors, TokenRefusalsAndTransientFailuresAreTold) {
    EXPECT_TRUE(
        read_graph_error(401, R"({"error":{"code":190,"message":"expired"}})").auth_failed());
    EXPECT_TRUE(read_graph_error(400, R"({"error":{"code":0}})").auth_failed());
    EXPECT_TRUE(read_graph_error(401, "not json").auth_failed());  // no code: the status says
    EXPECT_TRUE(read_graph_error(429, R"({"error":{"code":130429}})").transient());
    EXPECT_TRUE(read_graph_error(400, R"({"error":{"code":131056}})").transient());
    EXPECT_TRUE(read_graph_error(503, "<html>busy</html>").transient());
    EXPECT_TRUE(GraphError{}.transient());  // no answer at all
    EXPECT_FALSE(read_graph_error(400, R"({"error":{"code":100}})").transient());
}

TEST(GraphErrors, UnreadableAnswersStillGiveAnError) {
    for (const char* body :
         {"", "[]", "{\"error\":\"text\"}", "{\"error\":{\"code\":\"190\"}}", "{{{{", "\xff\xfe"}) {
        const auto e = read_graph_error(400, body);
        EXPECT_EQ(e.code, -1) << body;
        EXPECT_EQ(e.message, "HTTP 400") << body;
    }
    // A long message is cut, never kept whole.
    const auto e = read_graph_error(
        400, R"({"error":{"code":100,"message":")" + std::string(5000, 'x') + "\"}}");
    EXPECT_EQ(e.message.size(), 300u);
    // Cut between characters: the message is stored and shown as UTF-8.
    std::string accents;
    for (int i = 0; i < 400; ++i) accents += "\xc3\xa9";
    const auto cut =
        read_graph_error(400, R"({"error":{"code":100,"message":")" + accents + "\"}}");
    EXPECT_EQ(cut.message.size(), 300u);
    EXPECT_TRUE(decode_utf8(cut.message));
    const auto odd =
        read_graph_error(400, R"({"error":{"code":100,"message":"x)" + accents + "\"}}");
    EXPECT_EQ(odd.message.size(), 299u);
    EXPECT_TRUE(decode_utf8(odd.message));
    // Nesting past the bound is refused without recursing through it.
    const auto deep = read_graph_error(400, std::string(100000, '[') + std::string(100000, ']'));
    EXPECT_EQ(deep.code, -1);
}

TEST(PhoneNumbers, AProfileNeedsADisplayNumber) {
    auto p = read_phone_number(
        R"({"verified_name":"Acme Ltd","display_phone_number":"+255 713 000 001",)"
        R"("quality_rating":"GREEN","messaging_limit_tier":"TIER_1K","id":"1065"})");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->display_phone_number, "+255 713 000 001");
    EXPECT_EQ(p->verified_name, "Acme Ltd");
    EXPECT_EQ(p->quality_rating, "GREEN");
    EXPECT_EQ(p->messaging_limit, "TIER_1K");
    // Fields Meta adds later are ignored; fields it leaves out are empty.
    auto lean = read_phone_number(R"({"display_phone_number":"+1 555","new_field":{"a":[1]}})");
    ASSERT_TRUE(lean);
    EXPECT_EQ(lean->quality_rating, "");
    for (const char* body : {"", "null", "[]", "{}", R"({"display_phone_number":5})", "{\"a\":"})
        EXPECT_FALSE(read_phone_number(body)) << body;
}

}  // namespace
}  // namespace ujumbe::channels::whatsapp
