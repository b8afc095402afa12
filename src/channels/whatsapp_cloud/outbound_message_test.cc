// What a caller may send over WhatsApp, and the message object made of it.

#include "channels/whatsapp_cloud/outbound_message.h"

#include <gtest/gtest.h>

namespace ujumbe::channels::whatsapp {
namespace {

using json = nlohmann::json;

OutboundMessage ok(const std::string& body, const json& content, const std::string& context = "") {
    auto r = read_outbound(body, content, context);
    const auto* m = std::get_if<OutboundMessage>(&r);
    EXPECT_TRUE(m) << std::get<OutboundProblem>(r).field << ": "
                   << std::get<OutboundProblem>(r).problem;
    return m ? *m : OutboundMessage{};
}

std::string field_of(const std::string& body, const json& content) {
    auto r = read_outbound(body, content, "");
    const auto* p = std::get_if<OutboundProblem>(&r);
    return p ? p->field : "(accepted)";
}

TEST(OutboundMessages, TextIsFreeFormWithAPreviewOnlyForLinks) {
    auto m = ok("Habari", json::object());
    EXPECT_EQ(m.object,
              (json{{"type", "text"}, {"text", {{"body", "Habari"}, {"preview_url", false}}}}));
    EXPECT_TRUE(m.free_form());
    EXPECT_EQ(m.text, "Habari");
    EXPECT_TRUE(ok("See https://example.com", json::object()).object["text"]["preview_url"]);
    EXPECT_EQ(field_of("", json::object()), "body");
    EXPECT_EQ(field_of(std::string(4097, 'a'), json::object()), "body");
    EXPECT_EQ(field_of("\xff\xfe", json::object()), "body");
    EXPECT_EQ(ok(std::string(4096, 'a'), json::object()).type, "text");
}

TEST(OutboundMessages, MediaTakesALinkOrAnIdAndTheBodyAsCaption) {
    auto image = ok("", {{"media", {{"type", "image"}, {"link", "https://x.example/a.png"}}}});
    EXPECT_EQ(image.object,
              (json{{"type", "image"}, {"image", {{"link", "https://x.example/a.png"}}}}));
    EXPECT_EQ(image.text, "[image]");
    auto doc =
        ok("Ankara", {{"media", {{"type", "document"}, {"id", "1037"}, {"filename", "a.pdf"}}}});
    EXPECT_EQ(doc.object["document"],
              (json{{"id", "1037"}, {"caption", "Ankara"}, {"filename", "a.pdf"}}));
    EXPECT_EQ(doc.text, "Ankara");
    EXPECT_TRUE(doc.free_form());
    EXPECT_EQ(field_of("", {{"media", {{"type", "sticker"}, {"id", "1"}}}}), "media.type");
    EXPECT_EQ(field_of("", {{"media", {{"type", "image"}}}}), "media");
    EXPECT_EQ(
        field_of("", {{"media", {{"type", "image"}, {"id", "1"}, {"link", "https://a.b/c"}}}}),
        "media");
    EXPECT_EQ(field_of("", {{"media", {{"type", "image"}, {"link", "ftp://a.b/c"}}}}),
              "media.link");
    EXPECT_EQ(field_of("", {{"media", {{"type", "image"}, {"id", "1/../2"}}}}), "media.id");
    EXPECT_EQ(field_of("", {{"media", {{"type", "image"}, {"id", 7}}}}), "media");
    EXPECT_EQ(field_of("hi", {{"media", {{"type", "audio"}, {"id", "1"}}}}), "media.caption");
    EXPECT_EQ(field_of("", {{"media", {{"type", "video"}, {"id", "1"}, {"filename", "v.mp4"}}}}),
              "media.filename");
}

TEST(OutboundMessages, TemplatesAreCheckedAsTheCloudApiTakesThem) {
    json t = {{"name", "order_update"},
              {"language", "sw"},
              {"components",
               {{{"type", "body"}, {"parameters", {{{"type", "text"}, {"text", "42"}}}}},
                {{"type", "button"},
                 {"sub_type", "quick_reply"},
                 {"index", 0},
                 {"parameters", {{{"type", "payload"}, {"payload", "STOP"}}}}}}}};
    auto m = ok("", {{"template", t}});
    EXPECT_FALSE(m.free_form());
    EXPECT_EQ(m.template_name, "order_update");
    EXPECT_EQ(m.template_language, "sw");
    EXPECT_EQ(m.object["template"]["language"],
              (json{{"code", "sw"}, {"policy", "deterministic"}}));
    EXPECT_EQ(m.object["template"]["components"][1]["index"], "0");  // the API wants text
    EXPECT_EQ(field_of("text too", {{"template", t}}), "body");
    EXPECT_EQ(field_of("", {{"template", {{"name", "Bad Name"}, {"language", "en"}}}}),
              "template.name");
    EXPECT_EQ(field_of("", {{"template", {{"name", "a"}, {"language", {{"code", "en_US"}}}}}}),
              "(accepted)");
    EXPECT_EQ(field_of("", {{"template", {{"name", "a"}, {"language", "e"}}}}),
              "template.language");
    json many = t;
    many["components"] = json::array();
    for (int i = 0; i < 11; ++i) many["components"].push_back({{"type", "body"}});
    EXPECT_EQ(field_of("", {{"template", many}}), "template.components");
    json bad = t;
    bad["components"][0]["parameters"][0] = {{"type", "image"}, {"image", {{"link", "http://a"}}}};
    EXPECT_EQ(field_of("", {{"template", bad}}), "template.components[0].parameters[0].image.link");
    EXPECT_EQ(field_of("", {{"template", t}, {"media", {{"type", "image"}, {"id", "1"}}}}),
              "template");
}

TEST(OutboundMessages, ARepliesContextIsMetasIdOfTheMessage) {
    auto m = ok("Ndiyo", json::object(), "wamid.ABC");
    EXPECT_EQ(m.object["context"], (json{{"message_id", "wamid.ABC"}}));
    EXPECT_FALSE(ok("Ndiyo", json::object()).object.contains("context"));
}

}  // namespace
}  // namespace ujumbe::channels::whatsapp
