#include <utility>  // before Asio (g++ 12)

#include "channels/smpp/smpp_gateway.h"

#include <gtest/gtest.h>

namespace ujumbe::channels {
namespace {

using json = nlohmann::json;

const json kSecrets = {{"password", "s3cret"}};

// The smallest settings a gateway can be made of, with `extra` on top.
json settings(const json& extra = json::object()) {
    json s = {{"host", "smsc.example.com"}, {"port", 2775}, {"system_id", "ujumbe"}};
    for (const auto& [key, value] : extra.items()) s[key] = value;
    return s;
}

// The problems recorded for one field, or an empty list.
std::vector<std::string> problems(const Error& e, const std::string& field) {
    auto it = e.errors.find(field);
    return it == e.errors.end() ? std::vector<std::string>{} : it->second;
}

SmppSettings read(const json& s, const json& secrets = kSecrets) {
    auto r = read_smpp_settings(s, secrets);
    EXPECT_TRUE(r.ok()) << s.dump() << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : SmppSettings{};
}

void expect_refused(const json& s, const std::string& field, const json& secrets = kSecrets) {
    auto r = read_smpp_settings(s, secrets);
    ASSERT_FALSE(r.ok()) << s.dump();
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << s.dump();
    EXPECT_EQ(r.error().error_code, "VALIDATION_ERROR") << s.dump();
    EXPECT_FALSE(problems(r.error(), field).empty()) << s.dump() << " names no " << field;
}

// `values` of `name` are accepted, `bad` ones refused under "settings.<name>".
void expect_bounds(const std::string& name, const std::vector<json>& values,
                   const std::vector<json>& bad) {
    for (const auto& v : values) {
        auto r = read_smpp_settings(settings({{name, v}}), kSecrets);
        EXPECT_TRUE(r.ok()) << name << " = " << v.dump();
    }
    for (const auto& v : bad) expect_refused(settings({{name, v}}), "settings." + name);
}

TEST(SmppSettings, DefaultsFillWhatIsNotGiven) {
    const auto s = read(settings());
    const auto& o = s.session;
    EXPECT_EQ(o.host, "smsc.example.com");
    EXPECT_EQ(o.port, 2775);
    EXPECT_EQ(o.system_id, "ujumbe");
    EXPECT_EQ(o.password, "s3cret");
    EXPECT_EQ(o.system_type, "");
    EXPECT_EQ(o.mode, smpp::BindMode::kTransceiver);
    EXPECT_EQ(o.window, 10u);
    EXPECT_EQ(o.enquire_link_interval, std::chrono::milliseconds(30000));
    EXPECT_EQ(o.response_timeout, std::chrono::milliseconds(10000));
    EXPECT_EQ(s.binds, 1);
    EXPECT_EQ(s.receiver_binds, 0);
    EXPECT_EQ(s.tps, 0);
    EXPECT_EQ(s.dest_ton, 1);
    EXPECT_EQ(s.dest_npi, 1);
    EXPECT_FALSE(s.message_payload);
    EXPECT_TRUE(s.registered_delivery);
    EXPECT_EQ(s.response_ids, smpp::IdBase::kOpaque);
    EXPECT_EQ(s.receipt_ids, smpp::IdBase::kOpaque);

    EXPECT_EQ(smpp_settings_json(s), (json{{"host", "smsc.example.com"},
                                           {"port", 2775},
                                           {"system_id", "ujumbe"},
                                           {"system_type", ""},
                                           {"bind_mode", "transceiver"},
                                           {"binds", 1},
                                           {"receiver_binds", 0},
                                           {"window", 10},
                                           {"tps", 0},
                                           {"dest_ton", 1},
                                           {"dest_npi", 1},
                                           {"enquire_link_interval_ms", 30000},
                                           {"response_timeout_ms", 10000},
                                           {"long_messages", "udh"},
                                           {"registered_delivery", true},
                                           {"response_id_format", "opaque"},
                                           {"receipt_id_format", "opaque"},
                                           {"tls", false},
                                           {"tls_ca", ""}}));
}

TEST(SmppSettings, HostPortSystemIdAndPasswordAreRequired) {
    auto r = read_smpp_settings(json::object(), json::object());
    ASSERT_FALSE(r.ok());
    for (const char* field : {"settings.host", "settings.port", "settings.system_id"})
        EXPECT_EQ(problems(r.error(), field), (std::vector<std::string>{"This field is required."}))
            << field;
    EXPECT_EQ(problems(r.error(), "settings.password").size(), 1u);
    EXPECT_EQ(r.error().errors.size(), 4u);

    // null is as good as missing; empty text is not a value.
    for (const char* field : {"host", "port", "system_id"}) {
        expect_refused(settings({{field, nullptr}}), std::string("settings.") + field);
        auto without = settings();
        without.erase(field);
        expect_refused(without, std::string("settings.") + field);
    }
    expect_refused(settings({{"host", ""}}), "settings.host");
    expect_refused(settings({{"system_id", ""}}), "settings.system_id");
    expect_refused(settings({{"host", 10}}), "settings.host");
    expect_refused(settings({{"port", "2775"}}), "settings.port");

    // Length limits: host 253, system_id 15, system_type 12.
    EXPECT_EQ(read(settings({{"host", std::string(253, 'h')}})).session.host.size(), 253u);
    expect_refused(settings({{"host", std::string(254, 'h')}}), "settings.host");
    EXPECT_EQ(read(settings({{"system_id", std::string(15, 's')}})).session.system_id.size(), 15u);
    expect_refused(settings({{"system_id", std::string(16, 's')}}), "settings.system_id");
    EXPECT_EQ(read(settings({{"system_type", "VMA"}})).session.system_type, "VMA");
    expect_refused(settings({{"system_type", std::string(13, 't')}}), "settings.system_type");
}

TEST(SmppSettings, ThePasswordLivesInTheSecrets) {
    EXPECT_EQ(read(settings(), {{"password", "12345678"}}).session.password, "12345678");
    for (const json& secrets :
         {json::object(), json(nullptr), json("s3cret"), json({{"password", 1234}}),
          json({{"password", nullptr}}), json({{"password", "123456789"}})})
        expect_refused(settings(), "settings.password", secrets);
    // A password among the settings is not the password.
    expect_refused(settings({{"password", "s3cret"}}), "settings.password", json::object());
}

TEST(SmppSettings, TheJsonNeverShowsThePassword) {
    const auto s =
        read(settings({{"bind_mode", "transmitter"}, {"tps", 50}}), {{"password", "Xq7#pw2z"}});
    ASSERT_EQ(s.session.password, "Xq7#pw2z");
    const json shown = smpp_settings_json(s);
    EXPECT_FALSE(shown.contains("password"));
    EXPECT_EQ(shown.dump().find("Xq7#pw2z"), std::string::npos) << shown.dump();
}

TEST(SmppSettings, ATransmitterGatewayGetsOneReceiverByDefault) {
    EXPECT_EQ(read(settings({{"bind_mode", "transmitter"}})).receiver_binds, 1);
    EXPECT_EQ(read(settings({{"bind_mode", "transmitter"}})).session.mode,
              smpp::BindMode::kTransmitter);
    EXPECT_EQ(read(settings({{"bind_mode", "transmitter"}, {"receiver_binds", 0}})).receiver_binds,
              0);
    EXPECT_EQ(read(settings({{"bind_mode", "transmitter"}, {"receiver_binds", 3}})).receiver_binds,
              3);
    EXPECT_EQ(read(settings({{"bind_mode", "transceiver"}})).receiver_binds, 0);
    EXPECT_EQ(read(settings({{"receiver_binds", 2}})).receiver_binds, 2);
}

TEST(SmppSettings, AReceiverOnlyGatewayIsRefused) {
    expect_refused(settings({{"bind_mode", "receiver"}}), "settings.bind_mode");
    for (const json& bad : {json("both"), json("TRANSMITTER"), json(""), json(1)})
        expect_refused(settings({{"bind_mode", bad}}), "settings.bind_mode");
}

// A self-signed certificate (its key thrown away): an SMSC's own authority.
constexpr const char* kSmscCertificate =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBfjCCASWgAwIBAgIUDEqAXyJTNn8ddB0ryP27qOn3uRIwCgYIKoZIzj0EAwIw\n"
    "FDESMBAGA1UEAwwJc21zYy50ZXN0MCAXDTI2MTIwNTIwNTU0M1oYDzIxMjYxMTEx\n"
    "MjA1NTQzWjAUMRIwEAYDVQQDDAlzbXNjLnRlc3QwWTATBgcqhkjOPQIBBggqhkjO\n"
    "PQMBBwNCAAQcuNtz5nuopjwXeHVOUh7OIer9Sl7KzM1a4HXctuQSeCfjJGTOA5QR\n"
    "2ae0FgOWDls0Gp3xhSKIwilgMf+2GcMZo1MwUTAdBgNVHQ4EFgQU2eU9eJo0Vmf/\n"
    "19ELe4gxG8PTumYwHwYDVR0jBBgwFoAU2eU9eJo0Vmf/19ELe4gxG8PTumYwDwYD\n"
    "VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiBkzteaAzgK+u4rktGrUqpy\n"
    "7o67sr+SBHZ17gjuWtCeogIgc0gKo9slfozEPUK21warkQPOP027Sl68Y9d3uyWR\n"
    "0uw=\n"
    "-----END CERTIFICATE-----\n";

TEST(SmppSettings, TlsWithTheSystemsAuthoritiesOrAPemOfItsOwn) {
    EXPECT_EQ(read(settings()).session.tls, nullptr);
    auto system = read(settings({{"tls", true}}));
    EXPECT_TRUE(system.tls);
    EXPECT_NE(system.session.tls, nullptr);
    auto own = read(settings({{"tls", true}, {"tls_ca", kSmscCertificate}}));
    EXPECT_EQ(own.tls_ca, kSmscCertificate);
    EXPECT_NE(own.session.tls, nullptr);
    expect_refused(settings({{"tls", "yes"}}), "settings.tls");
    expect_refused(settings({{"tls", true}, {"tls_ca", "not a certificate"}}), "settings.tls_ca");
    expect_refused(settings({{"tls", false}, {"tls_ca", kSmscCertificate}}), "settings.tls_ca");
    expect_refused(settings({{"tls", true}, {"tls_ca", std::string(70000, 'A')}}),
                   "settings.tls_ca");
}

TEST(SmppSettings, IdFormats) {
    // The receipt format follows the response format unless given.
    auto s = read(settings({{"response_id_format", "hex"}}));
    EXPECT_EQ(s.response_ids, smpp::IdBase::kHex);
    EXPECT_EQ(s.receipt_ids, smpp::IdBase::kHex);
    s = read(settings({{"response_id_format", "hex"}, {"receipt_id_format", "decimal"}}));
    EXPECT_EQ(s.response_ids, smpp::IdBase::kHex);
    EXPECT_EQ(s.receipt_ids, smpp::IdBase::kDecimal);
    s = read(settings({{"receipt_id_format", "decimal"}}));
    EXPECT_EQ(s.response_ids, smpp::IdBase::kOpaque);
    EXPECT_EQ(s.receipt_ids, smpp::IdBase::kDecimal);
    s = read(settings({{"response_id_format", "decimal"}, {"receipt_id_format", "opaque"}}));
    EXPECT_EQ(s.response_ids, smpp::IdBase::kDecimal);
    EXPECT_EQ(s.receipt_ids, smpp::IdBase::kOpaque);
    for (const char* field : {"response_id_format", "receipt_id_format"})
        for (const json& bad : {json("base64"), json("HEX"), json(16)})
            expect_refused(settings({{field, bad}}), std::string("settings.") + field);
}

TEST(SmppSettings, LongMessagesAndRegisteredDelivery) {
    EXPECT_TRUE(read(settings({{"long_messages", "message_payload"}})).message_payload);
    EXPECT_FALSE(read(settings({{"long_messages", "udh"}})).message_payload);
    expect_refused(settings({{"long_messages", "sar"}}), "settings.long_messages");
    EXPECT_FALSE(read(settings({{"registered_delivery", false}})).registered_delivery);
    expect_refused(settings({{"registered_delivery", 1}}), "settings.registered_delivery");
}

TEST(SmppSettings, AnUnknownKeyIsNamed) {
    auto r = read_smpp_settings(settings({{"colour", "blue"}}), kSecrets);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(problems(r.error(), "settings.colour"),
              (std::vector<std::string>{"Unknown setting for an SMPP gateway."}));
    EXPECT_EQ(r.error().errors.size(), 1u);
    // Sandbox settings are unknown here.
    expect_refused(settings({{"delivery_ratio", 1}}), "settings.delivery_ratio");
}

TEST(SmppSettings, NumbersHaveBounds) {
    expect_bounds("port", {1, 2775, 65535}, {0, -1, 65536, 2775.5, "2775", true});
    expect_bounds("window", {1, 10, 1000}, {0, -1, 1001, 10.5, "10"});
    expect_bounds("binds", {1, 16}, {0, 17, 1.5, "1"});
    expect_bounds("receiver_binds", {0, 16}, {-1, 17});
    expect_bounds("tps", {0, 100000}, {-1, 100001, 2.5});
    expect_bounds("dest_ton", {0, 6}, {-1, 7});
    expect_bounds("dest_npi", {0, 18}, {-1, 19});
    expect_bounds("enquire_link_interval_ms", {1000, 3'600'000}, {999, 3'600'001});
    expect_bounds("response_timeout_ms", {100, 600'000}, {99, 600'001});
    const auto s = read(settings({{"port", 65535},
                                  {"window", 1000},
                                  {"binds", 16},
                                  {"tps", 250},
                                  {"dest_ton", 0},
                                  {"dest_npi", 18},
                                  {"enquire_link_interval_ms", 15000},
                                  {"response_timeout_ms", 2500}}));
    EXPECT_EQ(s.session.port, 65535);
    EXPECT_EQ(s.session.window, 1000u);
    EXPECT_EQ(s.binds, 16);
    EXPECT_EQ(s.tps, 250);
    EXPECT_EQ(s.dest_ton, 0);
    EXPECT_EQ(s.dest_npi, 18);
    EXPECT_EQ(s.session.enquire_link_interval, std::chrono::milliseconds(15000));
    EXPECT_EQ(s.session.response_timeout, std::chrono::milliseconds(2500));
}

TEST(SmppSettings, EveryProblemIsReportedAtOnce) {
    auto r = read_smpp_settings(
        {{"host", ""}, {"port", 0}, {"window", 0}, {"tls", 1}, {"extra", 1}}, json::object());
    ASSERT_FALSE(r.ok());
    for (const char* field :
         {"settings.host", "settings.port", "settings.system_id", "settings.window", "settings.tls",
          "settings.extra", "settings.password"})
        EXPECT_FALSE(problems(r.error(), field).empty()) << field;
}

TEST(SmppSettings, SettingsMustBeAnObject) {
    for (const json& bad : {json::array(), json("x"), json(nullptr)}) {
        auto r = read_smpp_settings(bad, kSecrets);
        ASSERT_FALSE(r.ok()) << bad.dump();
        EXPECT_FALSE(problems(r.error(), "settings").empty()) << bad.dump();
    }
}

TEST(SmppSettings, RoundTripsThroughItsJson) {
    const json given = {{"host", "10.0.0.5"},
                        {"port", 2776},
                        {"system_id", "tenant7"},
                        {"system_type", "OTA"},
                        {"bind_mode", "transmitter"},
                        {"binds", 4},
                        {"receiver_binds", 2},
                        {"window", 50},
                        {"tps", 120},
                        {"dest_ton", 0},
                        {"dest_npi", 0},
                        {"enquire_link_interval_ms", 20000},
                        {"response_timeout_ms", 5000},
                        {"long_messages", "message_payload"},
                        {"registered_delivery", false},
                        {"response_id_format", "hex"},
                        {"receipt_id_format", "decimal"},
                        {"tls", true},
                        {"tls_ca", kSmscCertificate}};
    const auto s = read(given);
    EXPECT_EQ(smpp_settings_json(s), given);
    const auto again = read(smpp_settings_json(s));
    EXPECT_EQ(smpp_settings_json(again), given);
    EXPECT_EQ(again.session.password, "s3cret");
    // The defaults round-trip too.
    EXPECT_EQ(smpp_settings_json(read(smpp_settings_json(read(settings())))),
              smpp_settings_json(read(settings())));
}

TEST(SmppRetryableStatus, OnlyWhatAnotherGatewayMightNotSay) {
    namespace st = smpp::status;
    for (std::uint32_t s : {st::kSysErr, st::kMsgQFul, st::kThrottled, st::kSubmitFail})
        EXPECT_TRUE(is_retryable_status(s)) << s;
    // What is wrong with the message itself would be wrong anywhere.
    for (std::uint32_t s : {st::kOk, st::kInvMsgLen, st::kInvSrcAdr, st::kInvDstAdr, st::kRxTAppn,
                            st::kInvTlvStream, st::kInvParLen, st::kInvPaswd})
        EXPECT_FALSE(is_retryable_status(s)) << s;
}

}  // namespace
}  // namespace ujumbe::channels
