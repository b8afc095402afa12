// Sending a file of the account's media: what is uploaded and how the
// answers and the uploads in flight are read.

#include "channels/whatsapp_cloud/media_upload.h"

#include <gtest/gtest.h>

namespace ujumbe::channels::whatsapp {
namespace {

using json = nlohmann::json;

const std::string kSha(64, 'a');

json image_object() {
    return {{"type", "image"},
            {"image",
             {{"caption", "Menu"},
              {"upload", {{"id", "m-1"}, {"sha256", kSha}, {"mime_type", "image/png"}}}}}};
}

HttpAnswer answered(int status, const std::string& body) {
    return {.sent = true, .answered = true, .status = status, .body = body};
}

TEST(MediaUpload, AMessageNamesItsFileAndTakesMetasIdInstead) {
    json object = image_object();
    auto ref = upload_of(object);
    ASSERT_TRUE(ref);
    EXPECT_EQ(ref->type, "image");
    EXPECT_EQ(ref->sha256, kSha);
    EXPECT_EQ(ref->mime_type, "image/png");
    use_meta_media(object, *ref, "1234567890");
    EXPECT_EQ(object["image"]["id"], "1234567890");
    EXPECT_FALSE(object["image"].contains("upload"));
    EXPECT_EQ(object["image"]["caption"], "Menu");
    EXPECT_FALSE(upload_of(object));
    EXPECT_FALSE(upload_of(json{{"type", "text"}, {"text", {{"body", "hi"}}}}));
    EXPECT_FALSE(upload_of(json::array()));
}

TEST(MediaUpload, TheFormCarriesTheProductTheTypeAndTheBytes) {
    auto ref = upload_of(image_object());
    const std::string form = upload_form("b0undary", *ref, std::string("\x89PNG\0x", 6));
    EXPECT_NE(form.find("name=\"messaging_product\"\r\n\r\nwhatsapp\r\n"), std::string::npos);
    EXPECT_NE(form.find("name=\"type\"\r\n\r\nimage/png\r\n"), std::string::npos);
    EXPECT_NE(form.find("Content-Type: image/png\r\n\r\n" + std::string("\x89PNG\0x", 6) +
                        "\r\n--b0undary--\r\n"),
              std::string::npos);
}

TEST(MediaUpload, AnswersGiveAnIdOrTheMessagesOutcome) {
    auto ok = read_upload_answer(answered(200, R"({"id":"9876"})"));
    ASSERT_TRUE(std::holds_alternative<std::string>(ok));
    EXPECT_EQ(std::get<std::string>(ok), "9876");
    auto throttled = std::get<PartOutcome>(
        read_upload_answer(answered(429, R"({"error":{"code":130429,"message":"slow"}})")));
    EXPECT_TRUE(throttled.retryable);
    auto refused = std::get<PartOutcome>(
        read_upload_answer(answered(400, R"({"error":{"code":131053,"message":"bad"}})")));
    EXPECT_FALSE(refused.retryable);
    EXPECT_EQ(refused.error_code, "WHATSAPP_131053");
    auto away = std::get<PartOutcome>(read_upload_answer({.error = "refused"}));
    EXPECT_TRUE(away.retryable);
    auto nameless = std::get<PartOutcome>(read_upload_answer(answered(200, "{}")));
    EXPECT_EQ(nameless.error_code, "BAD_ANSWER");
}

TEST(MediaUpload, OneUploadServesEveryMessageWaitingForTheFile) {
    UploadedMedia uploaded;
    std::vector<std::string> got;
    auto collect = [&](std::variant<std::string, PartOutcome> o) {
        got.push_back(std::holds_alternative<std::string>(o) ? std::get<std::string>(o) : "fail");
    };
    bool start = false;
    EXPECT_FALSE(uploaded.find(kSha, collect, start));
    EXPECT_TRUE(start);
    EXPECT_FALSE(uploaded.find(kSha, collect, start));
    EXPECT_FALSE(start);  // the first upload serves it
    uploaded.finish(kSha, std::string("55"));
    EXPECT_EQ(got, (std::vector<std::string>{"55", "55"}));
    auto known = uploaded.find(kSha, collect, start);
    ASSERT_TRUE(known);
    EXPECT_EQ(*known, "55");
    EXPECT_FALSE(start);
    // A failed upload is not kept: the next message tries again.
    const std::string other(64, 'b');
    uploaded.find(other, collect, start);
    uploaded.finish(other, PartOutcome{});
    EXPECT_EQ(got.back(), "fail");
    EXPECT_FALSE(uploaded.find(other, collect, start));
    EXPECT_TRUE(start);
}

}  // namespace
}  // namespace ujumbe::channels::whatsapp
