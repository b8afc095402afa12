// What a delivery carries: the event's body (fields, compact, text that is
// not UTF-8 replaced rather than thrown on), and the excerpt kept of a
// receiver's answer (256 bytes at most, cut between characters, controls
// and bytes that are not UTF-8 text as '?').

#include "webhooks/payload.h"

#include <gtest/gtest.h>

#include "core/utf8.h"

namespace ujumbe::webhooks {
namespace {

constexpr Micros kAt = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z

bool is_utf8(const std::string& text) {
    return decode_utf8(text).has_value();
}

TEST(WebhookEventBody, CarriesTheEventsFields) {
    const nlohmann::json data = {{"message", {{"id", "m-1"}, {"status", "delivered"}}}};
    const auto body = event_body("evt-1", "message.delivered", kAt + 5 * kMicrosPerSecond + 250,
                                 AccountId{"acct-a"}, data);
    const auto parsed = nlohmann::json::parse(body);
    EXPECT_EQ(parsed.size(), 5u);
    EXPECT_EQ(parsed["id"], "evt-1");
    EXPECT_EQ(parsed["type"], "message.delivered");
    EXPECT_EQ(parsed["created_at"], "2026-01-01T00:00:05Z");
    EXPECT_EQ(parsed["account_id"], "acct-a");
    EXPECT_EQ(parsed["data"], data);
}

TEST(WebhookEventBody, IsCompact) {
    const auto body = event_body("evt-1", "ping", kAt, AccountId{"acct-a"},
                                 {{"webhook", {{"id", "w-1"}, {"url", "https://example.com/h"}}}});
    EXPECT_EQ(body,
              R"({"account_id":"acct-a","created_at":"2026-01-01T00:00:00Z","data":{"webhook":)"
              R"({"id":"w-1","url":"https://example.com/h"}},"id":"evt-1","type":"ping"})");
    EXPECT_EQ(body.find('\n'), std::string::npos);
    EXPECT_EQ(body, nlohmann::json::parse(body).dump());
}

TEST(WebhookEventBody, KeepsUtf8AndReplacesWhatIsNot) {
    const auto good = event_body("e", "ping", kAt, AccountId{"a"}, {{"text", "caf\xC3\xA9"}});
    EXPECT_NE(good.find("caf\xC3\xA9"), std::string::npos) << good;
    std::string bad;
    EXPECT_NO_THROW(bad = event_body("e", "ping", kAt, AccountId{"a"}, {{"text", "ok\xFF"}}));
    EXPECT_TRUE(is_utf8(bad)) << bad;
    EXPECT_NE(bad.find("ok\xEF\xBF\xBD"), std::string::npos) << bad;  // U+FFFD
    EXPECT_TRUE(nlohmann::json::accept(bad));
}

TEST(WebhookEventBody, EmptyDataIsAnObject) {
    const auto body =
        event_body("e", "import.completed", kAt, AccountId{"a"}, nlohmann::json::object());
    EXPECT_EQ(nlohmann::json::parse(body)["data"], nlohmann::json::object());
}

TEST(WebhookResponseExcerpt, ShortTextIsKeptAsItIs) {
    EXPECT_EQ(response_excerpt(""), "");
    EXPECT_EQ(response_excerpt("upstream down"), "upstream down");
    EXPECT_EQ(response_excerpt("{\"ok\":false}"), "{\"ok\":false}");
    EXPECT_EQ(response_excerpt("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
              "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
}

TEST(WebhookResponseExcerpt, CutsAt256Bytes) {
    EXPECT_EQ(response_excerpt(std::string(256, 'a')), std::string(256, 'a'));
    EXPECT_EQ(response_excerpt(std::string(257, 'a')), std::string(256, 'a'));
    EXPECT_EQ(response_excerpt(std::string(100'000, 'b')), std::string(256, 'b'));
}

TEST(WebhookResponseExcerpt, NeverSplitsACharacter) {
    const std::string e_acute = "\xC3\xA9", euro = "\xE2\x82\xAC", smile = "\xF0\x9F\x98\x80";
    // Each character straddles byte 256: the cut falls before it.
    EXPECT_EQ(response_excerpt(std::string(255, 'a') + e_acute + "zz"), std::string(255, 'a'));
    EXPECT_EQ(response_excerpt(std::string(254, 'a') + euro + "zz"), std::string(254, 'a'));
    EXPECT_EQ(response_excerpt(std::string(255, 'a') + euro + "zz"), std::string(255, 'a'));
    EXPECT_EQ(response_excerpt(std::string(253, 'a') + smile + "zz"), std::string(253, 'a'));
    EXPECT_EQ(response_excerpt(std::string(255, 'a') + smile), std::string(255, 'a'));
    // A character ending at byte 256 is kept whole.
    EXPECT_EQ(response_excerpt(std::string(254, 'a') + e_acute + "zz"),
              std::string(254, 'a') + e_acute);
    EXPECT_EQ(response_excerpt(std::string(252, 'a') + smile + "zz"),
              std::string(252, 'a') + smile);
    // Text of nothing but two-byte characters, cut mid-way.
    std::string many;
    for (int i = 0; i < 200; ++i) many += e_acute;
    const auto cut = response_excerpt(many);
    EXPECT_EQ(cut.size(), 256u);
    EXPECT_TRUE(is_utf8(cut));
    std::string odd = "x";
    for (int i = 0; i < 200; ++i) odd += e_acute;
    const auto odd_cut = response_excerpt(odd);
    EXPECT_EQ(odd_cut.size(), 255u);
    EXPECT_TRUE(is_utf8(odd_cut));
}

TEST(WebhookResponseExcerpt, ControlCharactersBecomeQuestionMarks) {
    EXPECT_EQ(response_excerpt(std::string("a\0b", 3)), "a?b");
    EXPECT_EQ(response_excerpt("a\x01"
                               "b\x1b[31mred\x1f"),
              "a?b?[31mred?");
    EXPECT_EQ(response_excerpt("caf\xC3\xA9\x07"), "caf\xC3\xA9?");
    // Line breaks and tabs are kept.
    EXPECT_EQ(response_excerpt("line one\r\nline\ttwo\n"), "line one\r\nline\ttwo\n");
}

TEST(WebhookResponseExcerpt, DeleteIsAControlCharacterToo) {
    EXPECT_EQ(response_excerpt("a\x7f"
                               "b"),
              "a?b");
}

TEST(WebhookResponseExcerpt, BytesThatAreNotUtf8BecomeQuestionMarks) {
    EXPECT_EQ(response_excerpt("ok\xFF"), "ok?");
    EXPECT_EQ(response_excerpt("\xC3("), "?(");
    EXPECT_EQ(response_excerpt("\x80"
                               "abc"),
              "?abc");
    EXPECT_EQ(response_excerpt("\xC0\x80"), "??");        // overlong
    EXPECT_EQ(response_excerpt("\xED\xA0\x80"), "???");   // a surrogate
    EXPECT_EQ(response_excerpt("end\xE2\x82"), "end??");  // a truncated character
    const auto mixed = response_excerpt("caf\xC3\xA9 \xFE ok");
    EXPECT_TRUE(is_utf8(mixed)) << mixed;
    EXPECT_EQ(mixed.size(), std::string("caf\xC3\xA9 \xFE ok").size());
    EXPECT_TRUE(mixed.starts_with("caf")) << mixed;
    EXPECT_TRUE(mixed.ends_with(" ok")) << mixed;
    EXPECT_EQ(mixed.find('\xFE'), std::string::npos);
}

TEST(WebhookResponseExcerpt, ABinaryAnswerIsAlwaysText) {
    std::string binary;
    for (int i = 0; i < 1000; ++i) binary.push_back(static_cast<char>((i * 131 + 7) % 256));
    const auto cut = response_excerpt(binary);
    EXPECT_LE(cut.size(), 256u);
    EXPECT_GE(cut.size(), 253u);
    EXPECT_TRUE(is_utf8(cut));
}

TEST(WebhookResponseExcerpt, ACutBacksOffAtMostOneCharacter) {
    // Bytes that cannot start a character: the cut has no character to keep
    // whole, so it backs off no more than a character's tail (three bytes).
    const auto cut = response_excerpt(std::string(300, '\x80'));
    EXPECT_GE(cut.size(), 253u);
    EXPECT_EQ(cut, std::string(cut.size(), '?'));
    const auto tail = response_excerpt(std::string(200, 'a') + std::string(100, '\xBF'));
    EXPECT_GE(tail.size(), 253u);
    EXPECT_TRUE(tail.starts_with(std::string(200, 'a')));
}

}  // namespace
}  // namespace ujumbe::webhooks
