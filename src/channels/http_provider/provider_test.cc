// HTTP providers as settings: URLs, presets and their checks, requests made
// from templates, answers read (retryable, final, unclear), and callbacks
// authenticated and read, malformed ones included.

#include "channels/http_provider/provider.h"

#include <gtest/gtest.h>

#include "core/crypto.h"

namespace ujumbe::channels {
namespace {

using json = nlohmann::json;

ProviderSettings settings_of(json s, json secrets = json::object()) {
    auto read = read_provider_settings(s, secrets);
    EXPECT_TRUE(read) << (read ? "" : read.error().errors.begin()->first);
    return read ? *read : ProviderSettings{};
}

std::string field_of_error(const Result<ProviderSettings>& r) {
    if (r) return "(none)";
    return r.error().errors.empty() ? "" : r.error().errors.begin()->first;
}

TEST(ParseUrl, ReadsSchemeHostPortAndTarget) {
    auto u = parse_url("https://api.example.com/v1/send?x=1");
    ASSERT_TRUE(u);
    EXPECT_TRUE(u->tls);
    EXPECT_EQ(u->host, "api.example.com");
    EXPECT_EQ(u->port, "443");
    EXPECT_EQ(u->target, "/v1/send?x=1");
    u = parse_url("HTTP://127.0.0.1:8080");
    ASSERT_TRUE(u);
    EXPECT_FALSE(u->tls);
    EXPECT_EQ(u->port, "8080");
    EXPECT_EQ(u->target, "/");
    u = parse_url("http://[::1]:9000/a#frag");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "::1");
    EXPECT_EQ(u->target, "/a");
    for (const char* bad :
         {"ftp://x", "http://", "http://user@host/", "http://host:0/", "http://host:99999/",
          "http://ho st/", "http://host:ab/", "http://[::1/", "http://a:b:c/", "//host/"})
        EXPECT_FALSE(parse_url(bad)) << bad;
}

TEST(ProviderSettings, APresetFillsWhatIsNotGiven) {
    auto s = settings_of({{"preset", "africastalking"},
                          {"username", "sandbox"},
                          {"url", "http://127.0.0.1:1/version1/messaging"},
                          {"dlr", {{"error", "reason"}}}},
                         {{"api_key", "k"}});
    EXPECT_EQ(s.auth, "header");
    EXPECT_EQ(s.auth_header, "apiKey");
    EXPECT_EQ(s.url, "http://127.0.0.1:1/version1/messaging");
    EXPECT_EQ(s.id_pointer, "/SMSMessageData/Recipients/0/messageId");
    EXPECT_EQ(s.dlr.id, "id");         // from the preset
    EXPECT_EQ(s.dlr.error, "reason");  // given
    EXPECT_EQ(s.dlr.statuses.at("Success"), "delivered");
    EXPECT_EQ(s.api_key, "k");
    const json stored = provider_settings_json(s);
    EXPECT_EQ(stored["preset"], "africastalking");
    EXPECT_FALSE(stored.dump().find("\"k\"") != std::string::npos);
    // The stored form reads back the same.
    auto again = read_provider_settings(stored, {{"api_key", "k"}});
    ASSERT_TRUE(again);
    EXPECT_EQ(provider_settings_json(*again), stored);
}

TEST(ProviderSettings, TwilioTakesTheAccountSidAsTheBasicUser) {
    auto s = settings_of({{"preset", "twilio"}, {"account_sid", "AC1"}}, {{"password", "t"}});
    EXPECT_EQ(s.auth, "basic");
    EXPECT_EQ(s.username, "AC1");
    auto r = provider_request(s, {.to = "+254712345678", .from = "Shop", .text = "Hi"});
    EXPECT_EQ(r.url, "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json");
}

TEST(ProviderSettings, ProblemsNameTheSetting) {
    const json base = {{"url", "http://x/"}};
    const auto with = [&](json extra, json secrets = json::object()) {
        json s = base;
        if (extra.is_object()) s.update(extra);
        if (!secrets.is_object()) secrets = json::object();
        return field_of_error(read_provider_settings(s, secrets));
    };
    EXPECT_EQ(field_of_error(read_provider_settings(json::object(), json::object())),
              "settings.url");
    EXPECT_EQ(with({{"url", 5}}), "settings.url");
    EXPECT_EQ(with({{"url", "http://x/{{bad}}"}}), "settings.url");
    EXPECT_EQ(with({{"body", {{"a", "{{to"}}}}), "settings.body");
    EXPECT_EQ(with({{"body", {{"a", 5}}}}), "settings.body");
    EXPECT_EQ(with({{"body_format", "json"}, {"body", {{"a", {{"b", "{{x}}"}}}}}}),
              "settings.body");
    EXPECT_EQ(with({{"auth", "basic"}, {"username", "u"}}), "settings.password");
    EXPECT_EQ(with({{"auth", "query"}}), "settings.api_key");
    EXPECT_EQ(with({{"success_status", {200, 999}}}), "settings.success_status");
    EXPECT_EQ(with({{"success_regex", "[a"}}), "settings.success_regex");
    EXPECT_EQ(with({{"concurrency", 0}}), "settings.concurrency");
    EXPECT_EQ(with({{"timeout_ms", 10}}), "settings.timeout_ms");
    EXPECT_EQ(with({{"hook_auth", "none"}}), "settings.hook_auth");
    EXPECT_EQ(with({{"mo", {{"from", ""}}}}), "settings.mo.from");
    EXPECT_EQ(with({{"dlr", {{"id", 3}}}}), "settings.dlr.id");
    EXPECT_EQ(with({{"headers", {{"Bad Name", "x"}}}}), "settings.headers");
    EXPECT_EQ(with(json::object(), {{"token", 5}}), "settings.token");
    json deep = "x";
    for (int i = 0; i < 20; ++i) deep = json{{"a", deep}};
    EXPECT_FALSE(read_provider_settings({{"url", "http://x/"}, {"body", deep}}, json::object()));
}

TEST(ProviderRequest, AJsonBodyFromItsTemplateWithBearerAuth) {
    auto s = settings_of({{"url", "http://p/send"},
                          {"auth", "bearer"},
                          {"body_format", "json"},
                          {"body",
                           {{"msg", {{"to", "{{to_digits}}"}, {"text", "{{text}}"}}},
                            {"n", 1},
                            {"enc", "{{encoding}}"}}},
                          {"headers", {{"X-Ref", "r-{{message_id}}"}}}},
                         {{"token", "t0"}});
    auto r = provider_request(s, {.to = "+254712345678",
                                  .from = "Shop",
                                  .text = "Hi \"you\" & ü",
                                  .encoding = "ucs2",
                                  .message_id = "m1"});
    EXPECT_EQ(r.method, "POST");
    const json body = json::parse(r.body);
    EXPECT_EQ(body["msg"]["to"], "254712345678");
    EXPECT_EQ(body["msg"]["text"], "Hi \"you\" & ü");
    EXPECT_EQ(body["n"], 1);
    EXPECT_EQ(body["enc"], "ucs2");
    const auto has = [&](std::string name, std::string value) {
        return std::find(r.headers.begin(), r.headers.end(), std::make_pair(name, value)) !=
               r.headers.end();
    };
    EXPECT_TRUE(has("Authorization", "Bearer t0"));
    EXPECT_TRUE(has("X-Ref", "r-m1"));
    EXPECT_TRUE(has("Content-Type", "application/json"));
}

TEST(ProviderRequest, FormsAreEncodedAndGetPutsThemInTheQuery) {
    auto s = settings_of({{"url", "http://p/send?v=2"},
                          {"auth", "query"},
                          {"auth_query", "key"},
                          {"method", "GET"},
                          {"body", {{"to", "{{to}}"}, {"text", "{{text}}"}}}},
                         {{"api_key", "a b"}});
    auto r = provider_request(s, {.to = "+254712345678", .text = "Hi & bye=1"});
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(r.url, "http://p/send?v=2&key=a+b&text=Hi+%26+bye%3D1&to=%2B254712345678");
    auto basic =
        settings_of({{"url", "http://p/{{username}}"}, {"auth", "basic"}, {"username", "u/1"}},
                    {{"password", "p:w"}});
    auto b = provider_request(basic, {});
    EXPECT_EQ(b.url, "http://p/u%2F1");
    EXPECT_EQ(b.headers.front().second, "Basic " + std::string("dS8xOnA6dw=="));
}

TEST(ProviderAnswer, EachAnswerMakesTheRightOutcome) {
    auto s = settings_of({{"url", "http://p/"}, {"id_pointer", "/data/id"}});
    auto unsent = read_provider_answer(s, {.sent = false, .error = "refused"}, "m");
    EXPECT_TRUE(unsent.retryable);
    EXPECT_FALSE(unsent.left);
    EXPECT_EQ(unsent.error_code, "NOT_SENT");
    auto silent = read_provider_answer(s, {.sent = true, .error = "timeout"}, "m");
    EXPECT_TRUE(silent.left);
    EXPECT_FALSE(silent.retryable);
    EXPECT_EQ(silent.error_code, "NO_RESPONSE");
    auto busy = read_provider_answer(s, {true, true, 429, "slow down", ""}, "m");
    EXPECT_TRUE(busy.retryable && busy.answered && !busy.left);
    auto down = read_provider_answer(s, {true, true, 503, "", ""}, "m");
    EXPECT_TRUE(down.retryable);
    auto refused = read_provider_answer(s, {true, true, 400, "bad\nnumber\x01", ""}, "m");
    EXPECT_FALSE(refused.retryable || refused.left || refused.accepted);
    EXPECT_EQ(refused.error_code, "HTTP_400");
    EXPECT_EQ(refused.error_message, "bad number ");
    auto ok = read_provider_answer(s, {true, true, 201, R"({"data":{"id":42}})", ""}, "m");
    EXPECT_TRUE(ok.accepted);
    EXPECT_EQ(ok.provider_id, "42");
    auto garbage = read_provider_answer(s, {true, true, 200, "<html>", ""}, "m");
    EXPECT_FALSE(garbage.accepted);
    EXPECT_TRUE(garbage.left);
    EXPECT_EQ(garbage.error_code, "UNEXPECTED_RESPONSE");
    auto no_id = read_provider_answer(s, {true, true, 200, R"({"data":{}})", ""}, "m");
    EXPECT_EQ(no_id.error_code, "UNEXPECTED_RESPONSE");
}

TEST(ProviderAnswer, RegexesAndOurOwnId) {
    auto s = settings_of(
        {{"url", "http://p/"}, {"success_regex", "^OK"}, {"id_regex", "id=([A-Za-z0-9]+)"}});
    EXPECT_EQ(read_provider_answer(s, {true, true, 200, "OK id=ab12", ""}, "m").provider_id,
              "ab12");
    EXPECT_FALSE(read_provider_answer(s, {true, true, 200, "ERR id=ab12", ""}, "m").accepted);
    auto ours = settings_of({{"url", "http://p/"}, {"success_status", {202}}});
    EXPECT_EQ(read_provider_answer(ours, {true, true, 202, "", ""}, "m-7").provider_id, "m-7");
    EXPECT_FALSE(read_provider_answer(ours, {true, true, 200, "", ""}, "m-7").accepted);
}

TEST(Callbacks, TheSecretOrTheSignatureIsChecked) {
    auto s = settings_of({{"url", "http://p/"}}, {{"hook_secret", "s3cret"}});
    Callback cb;
    cb.body = "id=1";
    EXPECT_FALSE(callback_authentic(s, cb));
    cb.query["secret"] = "wrong";
    EXPECT_FALSE(callback_authentic(s, cb));
    cb.query["secret"] = "s3cret";
    EXPECT_TRUE(callback_authentic(s, cb));
    cb.query.clear();
    cb.headers["x-ujumbe-secret"] = "s3cret";
    EXPECT_TRUE(callback_authentic(s, cb));

    auto signed_hooks =
        settings_of({{"url", "http://p/"}, {"hook_auth", "hmac"}}, {{"hook_secret", "s3cret"}});
    EXPECT_FALSE(callback_authentic(signed_hooks, cb));  // the secret alone is not enough
    cb.headers["x-signature"] = to_hex(hmac_sha256("s3cret", cb.body));
    EXPECT_TRUE(callback_authentic(signed_hooks, cb));
    cb.body += "&status=x";  // altered after signing
    EXPECT_FALSE(callback_authentic(signed_hooks, cb));
    auto none = settings_of({{"url", "http://p/"}});
    cb.query["secret"] = "";
    EXPECT_FALSE(callback_authentic(none, cb));  // no hook_secret: nothing passes
}

TEST(Callbacks, FormAndJsonReportsAreRead) {
    auto s =
        settings_of({{"url", "http://p/"},
                     {"dlr",
                      {{"id", "/r/id"},
                       {"status", "state"},
                       {"error", "code"},
                       {"statuses", {{"DELIVRD", "delivered"}, {"UNDELIV", "undelivered"}}}}}});
    Callback cb;
    cb.content_type = "application/json; charset=utf-8";
    cb.body = R"([{"r":{"id":7},"state":"DELIVRD"},{"r":{"id":"8"},"state":"undeliv","code":34},
                  {"r":{"id":"9"},"state":"QUEUED"}])";
    auto reports = read_callback(s, GatewayId{"gw"}, cb);
    ASSERT_TRUE(reports);
    ASSERT_EQ(reports->size(), 3u);
    const auto& first = std::get<ReceiptReport>((*reports)[0]);
    EXPECT_EQ(first.provider_id, "7");
    EXPECT_EQ(first.status, "delivered");
    const auto& second = std::get<ReceiptReport>((*reports)[1]);
    EXPECT_EQ(second.status, "undelivered");  // matched without case
    EXPECT_EQ(second.error_code, "34");
    EXPECT_EQ(std::get<ReceiptReport>((*reports)[2]).status, "submitted");  // not final

    auto form = settings_of({{"url", "http://p/"}});
    Callback f;
    f.content_type = "application/x-www-form-urlencoded";
    f.body = "id=abc&status=Delivered&extra=%ZZ";
    auto one = read_callback(form, GatewayId{"gw"}, f);
    ASSERT_TRUE(one);
    EXPECT_EQ(std::get<ReceiptReport>(one->front()).provider_id, "abc");
}

TEST(Callbacks, MalformedOnesNameWhatIsWrong) {
    auto s = settings_of({{"url", "http://p/"}});
    Callback cb;
    cb.content_type = "application/json";
    cb.body = "{not json";
    EXPECT_FALSE(read_callback(s, GatewayId{"gw"}, cb));
    cb.body = R"({"status":"x"})";
    auto missing = read_callback(s, GatewayId{"gw"}, cb);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().errors.begin()->first, "id");
    cb.body = std::string(100, '[') + std::string(100, ']');
    EXPECT_FALSE(read_callback(s, GatewayId{"gw"}, cb));  // too deep
    cb.kind = Callback::Kind::kMo;
    cb.body = R"({"from":"+254722000111","to":"123","text":"\u00e9"})";
    auto mo = read_callback(s, GatewayId{"gw"}, cb);
    ASSERT_TRUE(mo);
    EXPECT_EQ(std::get<InboundReport>(mo->front()).text, "é");
    cb.content_type = "application/x-www-form-urlencoded";
    cb.body = "from=%2B254722000111&to=123&text=%FF%FE";
    auto bad_text = read_callback(s, GatewayId{"gw"}, cb);
    ASSERT_FALSE(bad_text);
    EXPECT_EQ(bad_text.error().errors.begin()->first, "text");
    cb.body = "to=123&text=hi";
    EXPECT_EQ(read_callback(s, GatewayId{"gw"}, cb).error().errors.begin()->first, "from");
}

TEST(FormDecode, PlusPercentAndBrokenEscapes) {
    auto f = form_decode("a=1+2&b=%41%62&c=%4&d&=e&a=second&%=%");
    EXPECT_EQ(f["a"], "1 2");
    EXPECT_EQ(f["b"], "Ab");
    EXPECT_EQ(f["c"], "%4");
    EXPECT_EQ(f["d"], "");
    EXPECT_EQ(f[""], "e");
    EXPECT_EQ(f["%"], "%");
    EXPECT_EQ(form_encode("a b&c/é"), "a+b%26c%2F%C3%A9");
    EXPECT_TRUE(form_decode("").empty());
}

}  // namespace
}  // namespace ujumbe::channels
