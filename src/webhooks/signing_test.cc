// The signature every delivery carries: its header's form, a known answer
// computed outside the server (Python's hmac module), one v1 per secret in
// order, and what a new secret looks like.

#include "webhooks/signing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core/crypto.h"

namespace ujumbe::webhooks {
namespace {

constexpr std::int64_t kT = 1764684000;
constexpr std::string_view kBody = R"({"id":"evt"})";

// hmac.new(b"whsec_test", b'1764684000.{"id":"evt"}', hashlib.sha256).hexdigest()
constexpr const char* kTestV1 = "4804ecdb84fc74f6ebf2d3284b215ae57af52c47ab2abf5eb2d4bd6b6968f519";
// The same keyed with b"whsec_old".
constexpr const char* kOldV1 = "c4a77595a6c484b85c13a67fb900a4e8415877c28e761cdf43c37ca32732af73";

TEST(WebhookSigning, MatchesAKnownAnswer) {
    EXPECT_EQ(signature_header(kT, kBody, {"whsec_test"}),
              std::string("t=1764684000,v1=") + kTestV1);
}

TEST(WebhookSigning, SignsTheTimeDotBodyWithTheWholeSecret) {
    const std::string body = "{\"text\":\"caf\xC3\xA9\",\"n\":1}\n";
    const std::string secret = "whsec_" + std::string(43, 'A');
    const std::string want = to_hex(hmac_sha256(secret, "1700000000." + body));
    EXPECT_EQ(signature_header(1700000000, body, {secret}), "t=1700000000,v1=" + want);
    // Not the secret without its prefix, nor the body alone.
    EXPECT_NE(want, to_hex(hmac_sha256(secret.substr(6), "1700000000." + body)));
    EXPECT_NE(want, to_hex(hmac_sha256(secret, body)));
}

TEST(WebhookSigning, EverySecretSignsInTheOrderGiven) {
    EXPECT_EQ(signature_header(kT, kBody, {"whsec_test", "whsec_old"}),
              std::string("t=1764684000,v1=") + kTestV1 + ",v1=" + kOldV1);
    EXPECT_EQ(signature_header(kT, kBody, {"whsec_old", "whsec_test"}),
              std::string("t=1764684000,v1=") + kOldV1 + ",v1=" + kTestV1);
}

TEST(WebhookSigning, TheHeaderIsTimeThenLowercaseHexValues) {
    const auto header = signature_header(5, "", {"a", "b", "c"});
    ASSERT_TRUE(header.starts_with("t=5,v1="));
    std::vector<std::string> fields;
    std::size_t start = 0;
    while (start <= header.size()) {
        const auto end = std::min(header.find(',', start), header.size());
        fields.push_back(header.substr(start, end - start));
        start = end + 1;
    }
    ASSERT_EQ(fields.size(), 4u);
    EXPECT_EQ(fields[0], "t=5");
    for (std::size_t i = 1; i < fields.size(); ++i) {
        ASSERT_TRUE(fields[i].starts_with("v1=")) << fields[i];
        const auto hex = fields[i].substr(3);
        EXPECT_EQ(hex.size(), 64u);
        EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos) << hex;
    }
    EXPECT_NE(fields[1], fields[2]);
    EXPECT_EQ(fields[1], "v1=" + to_hex(hmac_sha256("a", "5.")));
}

TEST(WebhookSigning, NoSecretGivesOnlyTheTime) {
    EXPECT_EQ(signature_header(kT, kBody, {}), "t=1764684000");
}

TEST(WebhookSigning, TheTimeAndTheBodyBothCount) {
    const auto a = signature_header(kT, kBody, {"whsec_test"});
    EXPECT_NE(a, signature_header(kT + 1, kBody, {"whsec_test"}));
    EXPECT_NE(a.substr(a.find(",")),
              signature_header(kT, R"({"id":"evu"})", {"whsec_test"}).substr(a.find(",")));
}

TEST(WebhookSecret, HasThePrefixAndThirtyTwoRandomBytes) {
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        const auto secret = new_secret();
        ASSERT_TRUE(secret.starts_with("whsec_")) << secret;
        const auto token = secret.substr(6);
        EXPECT_EQ(token.size(), 43u) << secret;  // 32 bytes, base64url without padding
        auto raw = base64url_decode(token);
        ASSERT_TRUE(raw) << secret;
        EXPECT_EQ(raw->size(), 32u);
        seen.insert(secret);
    }
    EXPECT_EQ(seen.size(), 200u);
}

}  // namespace
}  // namespace ujumbe::webhooks
