#include "channels/smtp/smtp_gateway.h"

#include <gtest/gtest.h>

namespace ujumbe::channels::smtp {
namespace {

using json = nlohmann::json;

json relay() {
    return {{"host", "mail.example.net"}, {"from_address", "noreply@example.net"}};
}

std::string field_of(const Result<GatewaySettings>& r) {
    return r ? "" : r.error().errors.begin()->first;
}

TEST(SmtpSettings, FillsDefaultsByMode) {
    auto s = read_settings(relay(), json::object());
    ASSERT_TRUE(s);
    EXPECT_EQ(s->server.security, Security::kStartTls);
    EXPECT_EQ(s->server.port, 587);
    EXPECT_FALSE(s->system);
    auto tls = relay();
    tls["security"] = "tls";
    EXPECT_EQ(read_settings(tls, json::object())->server.port, 465);
    const auto shown = settings_json(*s);
    EXPECT_EQ(shown["security"], "starttls");
    EXPECT_FALSE(shown.contains("password"));
}

TEST(SmtpSettings, NamesTheFieldItRefuses) {
    auto with = [](const char* key, json value) {
        auto s = relay();
        s[key] = std::move(value);
        return s;
    };
    EXPECT_EQ(field_of(read_settings(with("host", ""), {})), "settings.host");
    EXPECT_EQ(field_of(read_settings(with("host", "a b"), {})), "settings.host");
    EXPECT_EQ(field_of(read_settings(with("port", 70000), {})), "settings.port");
    EXPECT_EQ(field_of(read_settings(with("security", "ssl"), {})), "settings.security");
    EXPECT_EQ(field_of(read_settings(with("from_address", "nobody"), {})), "settings.from_address");
    EXPECT_EQ(field_of(read_settings(with("rate", 0), {})), "settings.rate");
    EXPECT_EQ(field_of(read_settings(with("system", "yes"), {})), "settings.system");
    EXPECT_EQ(field_of(read_settings(with("ca_file", "certs/ca.pem"), {})), "settings.ca_file");
    auto clear = with("security", "none");
    clear["username"] = "relay-user";
    EXPECT_EQ(field_of(read_settings(clear, {{"password", "p"}})), "settings.security");
}

TEST(MailOutcome, MapsRepliesToRetriesAndFinalRefusals) {
    auto accepted = mail_outcome({.accepted = true, .answered = true, .code = 250}, "m1@x");
    EXPECT_TRUE(accepted.accepted);
    EXPECT_EQ(accepted.provider_id, "m1@x");

    auto busy = mail_outcome({.answered = true, .code = 451, .error = "try later"}, "m1@x");
    EXPECT_FALSE(busy.accepted);
    EXPECT_TRUE(busy.retryable);
    EXPECT_EQ(busy.error_code, "SMTP_451");

    auto unknown = mail_outcome({.answered = true, .code = 550, .error = "no such user"}, "m1@x");
    EXPECT_FALSE(unknown.retryable);
    EXPECT_EQ(unknown.error_code, "SMTP_550");

    auto login = mail_outcome({.answered = true, .code = 535}, "m1@x");
    EXPECT_TRUE(login.retryable) << "the relay refusing us is not the recipient's fault";

    auto down = mail_outcome({.error = "connection refused"}, "m1@x");
    EXPECT_TRUE(down.retryable);
    EXPECT_FALSE(down.left);
    EXPECT_EQ(down.error_code, "SMTP_UNREACHABLE");

    auto quiet = mail_outcome({.handed_over = true, .error = "timeout"}, "m1@x");
    EXPECT_TRUE(quiet.left) << "the relay may have it: never sent twice";
    EXPECT_FALSE(quiet.retryable);
}

TEST(SmtpGateway, RefusesWhenNotRunning) {
    SmtpGateway g(GatewayId{"g1"}, *read_settings(relay(), json::object()));
    EXPECT_FALSE(g.available());
    SubmitOutcome got;
    g.submit({.message_id = MessageId{"m"}, .to = "a@x.io"}, [&](SubmitOutcome o) { got = o; });
    ASSERT_EQ(got.parts.size(), 1u);
    EXPECT_TRUE(got.parts[0].retryable);
}

}  // namespace
}  // namespace ujumbe::channels::smtp
