#include "messaging/email_channel.h"

#include <gtest/gtest.h>

#include "channels/email_content.h"
#include "core/crypto.h"

namespace ujumbe::messaging {
namespace {

const AccountId kAccount{"01935f4e-0000-7000-8000-000000000001"};

SendRequest mail(nlohmann::json content, std::string body = "Asante!") {
    SendRequest r;
    r.to = "amina@example.co.tz";
    r.channel = "email";
    r.body = std::move(body);
    r.content = std::move(content);
    return r;
}

Message addressed() {
    Message m;
    m.account_id = kAccount;
    m.to = "amina@example.co.tz";
    return m;
}

struct EmailChannelTest : ::testing::Test {
    contacts::UnsubscribeLinks links{"server secret", "https://sms.example.test/"};
    EmailChannel channel{links};
};

TEST_F(EmailChannelTest, MarketingMailCarriesTheOneClickLinkInHeadersTextAndHtml) {
    Message m = addressed();
    const auto refused = channel.compose(mail({{"subject", "Sale"},
                                               {"html", "<HTML><BODY><p>Hi</p></BODY></HTML>"},
                                               {"from_name", "Duka"}}),
                                         nullptr, m);
    ASSERT_FALSE(refused) << refused->message;
    const std::string url = links.url(kAccount, "amina@example.co.tz");
    EXPECT_TRUE(url.starts_with("https://sms.example.test/api/v1/unsubscribe?token="));
    const auto content = channels::read_email_content(*m.content);
    EXPECT_EQ(content.subject, "Sale");
    EXPECT_EQ(content.from_name, "Duka");
    ASSERT_EQ(content.headers.size(), 2u);
    EXPECT_EQ(content.headers[0].second, "<" + url + ">");
    EXPECT_EQ(content.headers[1].second, "List-Unsubscribe=One-Click");
    EXPECT_EQ(m.body, "Asante!\n\n--\nUnsubscribe: " + url + "\n");
    // The footer sits inside the body element, whatever its case.
    const auto footer = content.html.find("Unsubscribe</a>");
    ASSERT_NE(footer, std::string::npos);
    EXPECT_LT(footer, content.html.find("</BODY>"));
    EXPECT_EQ(m.sender, "Duka");
    EXPECT_EQ(m.segments, 1);
}

TEST_F(EmailChannelTest, TransactionalMailGoesAsWritten) {
    Message m = addressed();
    auto r = mail({{"subject", "Receipt"}});
    r.transactional = true;
    ASSERT_FALSE(channel.compose(r, nullptr, m));
    EXPECT_EQ(m.body, "Asante!");
    EXPECT_TRUE(channels::read_email_content(*m.content).headers.empty());
}

TEST_F(EmailChannelTest, WithoutAPublicUrlOnlyTransactionalMailGoes) {
    contacts::UnsubscribeLinks no_url("server secret", "");
    EmailChannel offline(no_url);
    Message m = addressed();
    const auto refused = offline.compose(mail({{"subject", "Sale"}}), nullptr, m);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->error_code, "PUBLIC_URL_REQUIRED");
    auto r = mail({{"subject", "Receipt"}});
    r.transactional = true;
    EXPECT_FALSE(offline.compose(r, nullptr, m));
}

TEST_F(EmailChannelTest, RefusesWhatMailCannotCarry) {
    const std::string big(100'001, 'a');
    struct Case {
        SendRequest r;
        const char* field;
    };
    std::vector<Case> cases = {
        {mail(nlohmann::json::object()), "subject"},
        {mail({{"subject", ""}}), "subject"},
        {mail({{"subject", "Hi\r\nBcc: all@example.com"}}), "subject"},
        {mail({{"subject", std::string(256, 's')}}), "subject"},
        {mail({{"subject", 7}}), "subject"},
        {mail({{"subject", "Hi"}}, ""), "body"},
        {mail({{"subject", "Hi"}}, big), "body"},
        {mail({{"subject", "Hi"}}, "bad \x01 byte"), "body"},
        {mail({{"subject", "Hi"}, {"html", std::string(500'001, 'h')}}), "html"},
        {mail({{"subject", "Hi"}, {"from_name", "A\nB"}}), "from_name"},
        {mail({{"subject", "Hi"}, {"media", {{"id", "x"}}}}), "channel"},
    };
    auto with_sender = mail({{"subject", "Hi"}});
    with_sender.sender_id = "Duka";
    cases.push_back({with_sender, "sender_id"});
    for (const auto& c : cases) {
        Message m = addressed();
        const auto refused = channel.compose(c.r, nullptr, m);
        ASSERT_TRUE(refused) << c.field;
        ASSERT_TRUE(refused->errors.contains(c.field)) << c.field << ": " << refused->message;
    }
    Message replied, m = addressed();
    const auto refused = channel.compose(mail({{"subject", "Hi"}}), &replied, m);
    ASSERT_TRUE(refused);
    EXPECT_TRUE(refused->errors.contains("reply_to"));
}

TEST(UnsubscribeLinks, ReadWhatTheySignedAndNothingElse) {
    contacts::UnsubscribeLinks links("server secret", "https://sms.example.test");
    const std::string token = links.token(kAccount, "amina@example.co.tz");
    const auto read = links.read(token);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->account_id, kAccount);
    EXPECT_EQ(read->address, "amina@example.co.tz");
    // Another server's secret, a changed payload, a cut or missing mac.
    contacts::UnsubscribeLinks other("another secret", "https://sms.example.test");
    EXPECT_FALSE(other.read(token));
    const auto dot = token.find('.');
    const std::string forged_payload =
        base64url_encode(kAccount.value + "\nbaraka@example.co.tz") + token.substr(dot);
    for (const std::string& bad :
         {forged_payload, token.substr(0, token.size() - 2), token.substr(0, dot), std::string(""),
          std::string("."), std::string(700, 'a') + "." + std::string(22, 'b'),
          std::string("!!!.???")})
        EXPECT_FALSE(links.read(bad)) << bad;
    // A well-signed payload that is no account and address is refused too.
    EXPECT_FALSE(links.read(links.token(AccountId{"not-a-uuid"}, "amina@example.co.tz")));
    EXPECT_FALSE(links.read(links.token(kAccount, "no address")));
}

}  // namespace
}  // namespace ujumbe::messaging
