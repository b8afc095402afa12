#include "core/crypto.h"

#include <gtest/gtest.h>

#include "core/ids.h"

namespace ujumbe {

TEST(Base64Url, RoundTripsEveryLength) {
    std::string raw;
    for (int i = 0; i < 70; ++i) {
        raw.push_back(static_cast<char>(i * 37));
        auto decoded = base64url_decode(base64url_encode(raw));
        ASSERT_TRUE(decoded);
        EXPECT_EQ(*decoded, raw);
    }
}

TEST(Base64Url, KnownVectorsWithoutPadding) {
    EXPECT_EQ(base64url_encode("f"), "Zg");
    EXPECT_EQ(base64url_encode("fo"), "Zm8");
    EXPECT_EQ(base64url_encode("foo"), "Zm9v");
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

TEST(Base64Url, RejectsForeignCharactersAndImpossibleLengths) {
    EXPECT_FALSE(base64url_decode("Zm9v="));
    EXPECT_FALSE(base64url_decode("Zm+v"));
    EXPECT_FALSE(base64url_decode("Z"));
}

TEST(Hmac, MatchesRfc4231TestCase2) {
    EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Sha256, MatchesKnownDigest) {
    EXPECT_EQ(to_hex(sha256("abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, InPiecesMatchesTheWhole) {
    const std::string text(100000, 'u');
    Sha256Stream stream;
    for (std::size_t at = 0; at < text.size(); at += 7919)
        stream.update(std::string_view(text).substr(at, 7919));
    EXPECT_EQ(stream.finish(), sha256(text));
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
    EXPECT_TRUE(constant_time_equal("abc", "abc"));
    EXPECT_FALSE(constant_time_equal("abc", "abd"));
    EXPECT_FALSE(constant_time_equal("abc", "abcd"));
    EXPECT_TRUE(constant_time_equal("", ""));
}

TEST(UuidV7, IsVersion7TimeOrderedAndWellFormed) {
    const auto a = new_uuid_v7(1'700'000'000'000'000);
    const auto b = new_uuid_v7(1'700'000'000'001'000);
    EXPECT_TRUE(is_uuid(a));
    EXPECT_EQ(a[14], '7');
    EXPECT_TRUE(a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b');
    EXPECT_LT(a, b);
    EXPECT_NE(new_uuid_v7(5), new_uuid_v7(5));
}

TEST(IsUuid, RejectsMalformedIds) {
    EXPECT_FALSE(is_uuid(""));
    EXPECT_FALSE(is_uuid("not-a-uuid"));
    EXPECT_FALSE(is_uuid("0190b2c4-0000-7000-8000-00000000000g"));
    EXPECT_FALSE(is_uuid("0190b2c4000007000800000000000000000a"));
}

}  // namespace ujumbe

TEST(SealedSecretsTest, RoundTripAndTamperDetection) {
    const std::string sealed = ujumbe::seal_secret("server secret", "pa55word");
    EXPECT_EQ(ujumbe::open_secret("server secret", sealed), "pa55word");
    EXPECT_EQ(sealed.find("pa55word"), std::string::npos);
    EXPECT_EQ(ujumbe::open_secret("another secret", sealed), std::nullopt);
    std::string altered = sealed;
    altered[altered.size() / 2] = altered[altered.size() / 2] == 'A' ? 'B' : 'A';
    EXPECT_EQ(ujumbe::open_secret("server secret", altered), std::nullopt);
    EXPECT_EQ(ujumbe::open_secret("server secret", "short"), std::nullopt);
    EXPECT_NE(ujumbe::seal_secret("server secret", "x"), ujumbe::seal_secret("server secret", "x"));
}
