#include "identity/tokens.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "core/crypto.h"

namespace ujumbe::identity {

namespace {

using json = nlohmann::json;

constexpr std::int64_t kIssuedAt = 1'767'225'600;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kExpiresAt = kIssuedAt + 900;

AccessClaims sample_claims() {
    AccessClaims c;
    c.sub = "0190b2c4-0000-7000-8000-000000000001";
    c.acc = "0190b2c4-0000-7000-8000-000000000002";
    c.role = "agent";
    c.sid = "0190b2c4-0000-7000-8000-000000000003";
    c.jti = "0190b2c4-0000-7000-8000-000000000004";
    c.iat = kIssuedAt;
    c.exp = kExpiresAt;
    return c;
}

const std::string& key() {
    static const std::string k = jwt_signing_key("server-secret-for-tests");
    return k;
}

struct Parts {
    std::string header, payload, signature;  // still base64url-encoded
};

Parts split(const std::string& token) {
    const auto first = token.find('.');
    const auto second = token.find('.', first + 1);
    return {token.substr(0, first), token.substr(first + 1, second - first - 1),
            token.substr(second + 1)};
}

json decode_json(const std::string& part) {
    auto raw = base64url_decode(part);
    EXPECT_TRUE(raw) << part;
    return raw ? json::parse(*raw) : json();
}

std::string encode_json(const json& j) {
    return base64url_encode(j.dump());
}

// A token over any header and payload, correctly signed with `k`.
std::string forge(const json& header, const json& payload, std::string_view k = key()) {
    const std::string signing_input = encode_json(header) + "." + encode_json(payload);
    return signing_input + "." + base64url_encode(hmac_sha256(k, signing_input));
}

json sample_payload() {
    const AccessClaims c = sample_claims();
    return {{"sub", c.sub}, {"acc", c.acc}, {"role", c.role}, {"sid", c.sid},
            {"jti", c.jti}, {"iat", c.iat}, {"exp", c.exp}};
}

const json kHs256Header = {{"alg", "HS256"}, {"typ", "JWT"}};

// An INVALID_TOKEN 401 whose message mentions `because`.
::testing::AssertionResult invalid_token(const Result<AccessClaims>& r,
                                         const std::string& because = "") {
    if (r.ok()) return ::testing::AssertionFailure() << "token was accepted";
    const Error& e = r.error();
    if (e.code != ErrorCode::kUnauthenticated || e.error_code != "INVALID_TOKEN")
        return ::testing::AssertionFailure() << "error " << e.error_code << ": " << e.message;
    if (e.message.find(because) == std::string::npos)
        return ::testing::AssertionFailure()
               << "message does not say '" << because << "': " << e.message;
    return ::testing::AssertionSuccess();
}

}  // namespace

TEST(AccessToken, RoundTripsEveryClaim) {
    const AccessClaims in = sample_claims();
    const std::string token = sign_access_token(in, key());
    auto out = verify_access_token(token, key(), kIssuedAt + 10);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(out->sub, in.sub);
    EXPECT_EQ(out->acc, in.acc);
    EXPECT_EQ(out->role, in.role);
    EXPECT_EQ(out->sid, in.sid);
    EXPECT_EQ(out->jti, in.jti);
    EXPECT_EQ(out->iat, in.iat);
    EXPECT_EQ(out->exp, in.exp);
}

TEST(AccessToken, IsAnHs256JwtWithTheClaimsInThePayload) {
    const std::string token = sign_access_token(sample_claims(), key());
    EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);
    const Parts p = split(token);
    EXPECT_EQ(decode_json(p.header), kHs256Header);
    EXPECT_EQ(decode_json(p.payload), sample_payload());
    EXPECT_EQ(base64url_decode(p.signature), hmac_sha256(key(), p.header + "." + p.payload));
}

TEST(AccessToken, IsDeterministicForTheSameClaims) {
    EXPECT_EQ(sign_access_token(sample_claims(), key()), sign_access_token(sample_claims(), key()));
}

TEST(AccessToken, ValidUntilTheSecondBeforeExpiry) {
    const std::string token = sign_access_token(sample_claims(), key());
    EXPECT_TRUE(verify_access_token(token, key(), kExpiresAt - 1).ok());
}

TEST(AccessToken, ExpiredTokenIsTokenExpired) {
    const std::string token = sign_access_token(sample_claims(), key());
    for (std::int64_t now : {kExpiresAt, kExpiresAt + 1, kExpiresAt + 86'400}) {
        auto r = verify_access_token(token, key(), now);
        ASSERT_FALSE(r.ok()) << now;
        EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
        EXPECT_EQ(r.error().error_code, "TOKEN_EXPIRED");
    }
}

TEST(AccessToken, ExpiredTokenWithBadSignatureIsInvalidNotExpired) {
    const std::string token = sign_access_token(sample_claims(), jwt_signing_key("other"));
    EXPECT_TRUE(invalid_token(verify_access_token(token, key(), kExpiresAt + 1), "bad signature"));
}

TEST(AccessToken, WrongKeyIsInvalid) {
    const std::string token = sign_access_token(sample_claims(), jwt_signing_key("other secret"));
    EXPECT_TRUE(invalid_token(verify_access_token(token, key(), kIssuedAt), "bad signature"));
}

TEST(AccessToken, TamperedPayloadWithOldSignatureIsInvalid) {
    const std::string token = sign_access_token(sample_claims(), key());
    const Parts p = split(token);
    json payload = decode_json(p.payload);
    payload["role"] = "platform_admin";
    const std::string tampered = p.header + "." + encode_json(payload) + "." + p.signature;
    EXPECT_TRUE(invalid_token(verify_access_token(tampered, key(), kIssuedAt), "bad signature"));
}

TEST(AccessToken, TamperedSignatureIsInvalid) {
    std::string token = sign_access_token(sample_claims(), key());
    token.back() = token.back() == 'A' ? 'B' : 'A';
    EXPECT_TRUE(invalid_token(verify_access_token(token, key(), kIssuedAt)));
}

TEST(AccessToken, AlgNoneWithEmptySignatureIsInvalid) {
    const std::string token =
        encode_json({{"alg", "none"}, {"typ", "JWT"}}) + "." + encode_json(sample_payload()) + ".";
    EXPECT_TRUE(
        invalid_token(verify_access_token(token, key(), kIssuedAt), "algorithm not allowed"));
}

TEST(AccessToken, AlgNoneIsInvalidEvenWhenSigned) {
    const std::string token = forge({{"alg", "none"}, {"typ", "JWT"}}, sample_payload());
    EXPECT_TRUE(
        invalid_token(verify_access_token(token, key(), kIssuedAt), "algorithm not allowed"));
}

TEST(AccessToken, OtherAlgorithmsAreInvalid) {
    for (const char* alg : {"HS512", "HS384", "RS256", "hs256", "ES256"}) {
        const std::string token = forge({{"alg", alg}, {"typ", "JWT"}}, sample_payload());
        EXPECT_TRUE(
            invalid_token(verify_access_token(token, key(), kIssuedAt), "algorithm not allowed"));
    }
}

TEST(AccessToken, HeaderWithoutAlgIsInvalid) {
    EXPECT_TRUE(invalid_token(
        verify_access_token(forge({{"typ", "JWT"}}, sample_payload()), key(), kIssuedAt),
        "bad header"));
    EXPECT_TRUE(
        invalid_token(verify_access_token(forge(json::array(), sample_payload()), key(), kIssuedAt),
                      "bad header"));
    EXPECT_TRUE(invalid_token(
        verify_access_token(forge({{"alg", 256}}, sample_payload()), key(), kIssuedAt),
        "algorithm not allowed"));
}

TEST(AccessToken, EquivalentHs256HeaderIsAcceptedWhenSigned) {
    // Same algorithm, different member order: a different encoding of the header.
    const std::string token = forge({{"typ", "JWT"}, {"alg", "HS256"}}, sample_payload());
    auto r = verify_access_token(token, key(), kIssuedAt);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->role, "agent");
}

TEST(AccessToken, GarbageIsInvalid) {
    for (const char* token : {"", "garbage", "...", "a.b.c", "!!!.@@@.###", "eyJ.eyJ.", ".."})
        EXPECT_TRUE(invalid_token(verify_access_token(token, key(), kIssuedAt)));
}

TEST(AccessToken, WrongNumberOfPartsIsInvalid) {
    const std::string token = sign_access_token(sample_claims(), key());
    const Parts p = split(token);
    EXPECT_TRUE(invalid_token(verify_access_token(p.header + "." + p.payload, key(), kIssuedAt),
                              "not a JWT"));
    EXPECT_TRUE(invalid_token(
        verify_access_token(p.header + p.payload + p.signature, key(), kIssuedAt), "not a JWT"));
    EXPECT_TRUE(invalid_token(verify_access_token(token + ".", key(), kIssuedAt), "not a JWT"));
    EXPECT_TRUE(
        invalid_token(verify_access_token(token + ".extra", key(), kIssuedAt), "not a JWT"));
}

TEST(AccessToken, OverLongTokenIsInvalid) {
    AccessClaims c = sample_claims();
    c.sub = std::string(4000, 'x');  // correctly signed, but past the 4096-byte limit
    const std::string token = sign_access_token(c, key());
    ASSERT_GT(token.size(), 4096u);
    EXPECT_TRUE(invalid_token(verify_access_token(token, key(), kIssuedAt), "too long"));
}

TEST(AccessToken, SignatureOutsideBase64UrlIsInvalid) {
    const Parts p = split(sign_access_token(sample_claims(), key()));
    EXPECT_TRUE(
        invalid_token(verify_access_token(p.header + "." + p.payload + ".a+b/c=", key(), kIssuedAt),
                      "bad signature encoding"));
}

TEST(AccessToken, SignedPayloadThatIsNotJsonIsInvalid) {
    const std::string input = std::string(split(sign_access_token(sample_claims(), key())).header) +
                              "." + base64url_encode("not json");
    const std::string token = input + "." + base64url_encode(hmac_sha256(key(), input));
    EXPECT_TRUE(invalid_token(verify_access_token(token, key(), kIssuedAt), "bad payload"));
}

TEST(AccessToken, SignedPayloadMissingAClaimIsInvalid) {
    for (const char* claim : {"sub", "acc", "role", "sid", "jti", "iat", "exp"}) {
        json payload = sample_payload();
        payload.erase(claim);
        EXPECT_TRUE(invalid_token(
            verify_access_token(forge(kHs256Header, payload), key(), kIssuedAt), "missing claims"));
    }
}

TEST(AccessToken, SignedPayloadWithMistypedOrEmptyClaimIsInvalid) {
    const std::vector<std::pair<std::string, json>> bad = {
        {"sub", ""},  {"sub", 7},     {"role", nullptr},      {"exp", "1767226500"},
        {"exp", 1.5}, {"iat", false}, {"jti", json::array()},
    };
    for (const auto& [claim, value] : bad) {
        json payload = sample_payload();
        payload[claim] = value;
        EXPECT_TRUE(invalid_token(
            verify_access_token(forge(kHs256Header, payload), key(), kIssuedAt), "missing claims"));
    }
}

TEST(JwtSigningKey, IsHmacSha256OfTheSecretOverTheLabel) {
    EXPECT_EQ(jwt_signing_key("server-secret-for-tests"),
              hmac_sha256("server-secret-for-tests", "ujumbe.jwt.v1"));
    // Independently computed: HMAC-SHA256(key="server-secret-for-tests", "ujumbe.jwt.v1").
    EXPECT_EQ(to_hex(jwt_signing_key("server-secret-for-tests")),
              "b2696fbf4b191dfc990b8483499aa2a58ee8d2b03bbd6c20eec8d9ed1f97134a");
    EXPECT_EQ(jwt_signing_key("x").size(), 32u);
    EXPECT_NE(jwt_signing_key("a"), jwt_signing_key("b"));
}

TEST(ApiKey, StartsWithPrefixAndIs35Base64UrlCharacters) {
    std::set<std::string> seen;
    for (int i = 0; i < 20; ++i) {
        const std::string k = new_api_key();
        ASSERT_EQ(k.size(), 35u) << k;
        EXPECT_EQ(k.substr(0, 3), "uj_");
        EXPECT_EQ(k.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789-_",
                                      3),
                  std::string::npos)
            << k;
        EXPECT_TRUE(base64url_decode(k.substr(3)));
        seen.insert(k);
    }
    EXPECT_EQ(seen.size(), 20u);
}

TEST(RefreshToken, Is32RandomBytesBase64Url) {
    const std::string a = new_refresh_token();
    const std::string b = new_refresh_token();
    EXPECT_EQ(a.size(), 43u);
    auto raw = base64url_decode(a);
    ASSERT_TRUE(raw);
    EXPECT_EQ(raw->size(), 32u);
    EXPECT_NE(a, b);
}

TEST(TokenHash, Is64LowerHexCharactersAndStable) {
    const std::string key = new_api_key();
    const std::string h = token_hash(key);
    EXPECT_EQ(h.size(), 64u);
    EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos) << h;
    EXPECT_EQ(token_hash(key), h);
    EXPECT_NE(token_hash(new_api_key()), h);
}

TEST(TokenHash, IsHexSha256) {
    EXPECT_EQ(token_hash("uj_example"),
              "6391c4b07246ba3ce20a96d6722ccb5612913d72222d7b04f60dd7d9d5086752");
    EXPECT_EQ(token_hash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace ujumbe::identity
