#include "channels/smtp/mime.h"

#include <gtest/gtest.h>

#include "core/crypto.h"

namespace ujumbe::channels::smtp {
namespace {

constexpr Micros kDec4 = 1796420180LL * kMicrosPerSecond;  // 2026-12-04 21:36:20 UTC

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < text.size()) {
        auto end = text.find("\r\n", at);
        EXPECT_NE(end, std::string::npos) << "a line without CRLF";
        if (end == std::string::npos) break;
        out.push_back(text.substr(at, end - at));
        at = end + 2;
    }
    return out;
}

TEST(EmailAddress, TakesPlainAddressesOnly) {
    EXPECT_TRUE(is_email_address("amina@example.co.tz"));
    EXPECT_TRUE(is_email_address("a.b+tag@x.io"));
    for (const char* bad : {"", "amina", "@x.io", "a@", "a@@x.io", "a b@x.io", "a@x.io\r\nBcc: b@y",
                            "<a@x.io>", "a@x..io", "a@.x.io", "\"a\"@x.io", "a@x.io,b@y.io"})
        EXPECT_FALSE(is_email_address(bad)) << bad;
    EXPECT_FALSE(is_email_address(std::string(250, 'a') + "@x.io"));
}

TEST(HeaderText, NeverCarriesALineBreak) {
    EXPECT_EQ(header_text("Your code"), "Your code");
    EXPECT_EQ(header_text("Hi\r\nBcc: victim@x.io"), "HiBcc: victim@x.io");
    const auto encoded = header_text("Habari Amina \xF0\x9F\x98\x80 karibu sana kwenye Ujumbe leo");
    EXPECT_TRUE(encoded.starts_with("=?UTF-8?B?"));
    for (const auto& piece : lines(encoded + "\r\n")) EXPECT_LE(piece.size(), 76u) << piece;
}

TEST(Compose, WritesHeadersAndABase64Body) {
    Email e;
    e.from_address = "noreply@ujumbe.example";
    e.from_name = "Ujumbe, Inc.";
    e.to = "amina@example.co.tz";
    e.subject = "Reset your password";
    e.text = std::string(200, 'x') + "\n.\nend";
    e.message_id = "0193";
    e.headers = {{"List-Unsubscribe", "<https://u.example/unsub?t=1>"}};
    const auto mail = compose(e, kDec4);
    const auto all = lines(mail);
    EXPECT_EQ(all[0], "From: \"Ujumbe, Inc.\" <noreply@ujumbe.example>");
    EXPECT_EQ(all[1], "To: amina@example.co.tz");
    EXPECT_EQ(all[2], "Subject: Reset your password");
    EXPECT_EQ(all[3], "Date: Fri, 04 Dec 2026 21:36:20 +0000");
    EXPECT_EQ(all[4], "Message-ID: <0193@ujumbe.example>");
    EXPECT_EQ(all[5], "List-Unsubscribe: <https://u.example/unsub?t=1>");
    EXPECT_NE(mail.find("Content-Type: text/plain; charset=utf-8\r\n"), std::string::npos);
    std::string body64;
    bool in_body = false;
    for (const auto& l : all) {
        EXPECT_LE(l.size(), 78u);
        EXPECT_FALSE(l.starts_with('.'));
        if (in_body) body64 += l;
        if (l.empty()) in_body = true;
    }
    EXPECT_FALSE(body64.empty());
}

TEST(Compose, SendsHtmlAsAnAlternative) {
    Email e;
    e.from_address = "noreply@ujumbe.example";
    e.to = "amina@example.co.tz";
    e.subject = "Karibu \xC3\xA9";
    e.text = "Hello";
    e.html = "<p>Hello</p>";
    const auto mail = compose(e, kDec4);
    EXPECT_NE(mail.find("Subject: =?UTF-8?B?"), std::string::npos);
    EXPECT_NE(mail.find("Content-Type: multipart/alternative; boundary=\""), std::string::npos);
    EXPECT_NE(mail.find("Content-Type: text/html; charset=utf-8"), std::string::npos);
    const auto start = mail.find("boundary=\"") + 10;
    const auto boundary = mail.substr(start, mail.find('"', start) - start);
    EXPECT_NE(mail.find("--" + boundary + "--\r\n"), std::string::npos);
    EXPECT_EQ(mail.find("From: \""), std::string::npos) << "no name, no quotes";
}

}  // namespace
}  // namespace ujumbe::channels::smtp
