#include "identity/totp.h"

#include <gtest/gtest.h>

namespace ujumbe::identity::totp {
namespace {

// RFC 6238 appendix B: the SHA-1 key is "12345678901234567890"; the vectors
// are 8 digits, the last 6 of which are what a 6-digit code shows.
const std::string kRfcKey = "12345678901234567890";

TEST(Totp, MatchesTheRfc6238TestVectors) {
    const std::pair<std::int64_t, const char*> vectors[] = {
        {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
        {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}};
    for (const auto& [time, code] : vectors) {
        EXPECT_EQ(code_at(kRfcKey, step_of(time), 8), code) << time;
        EXPECT_EQ(code_at(kRfcKey, step_of(time)), std::string(code).substr(2)) << time;
    }
}

TEST(Totp, AcceptsOneStepEitherSideAndNoMore) {
    const std::int64_t now = step_of(1234567890);
    EXPECT_EQ(matching_step(kRfcKey, code_at(kRfcKey, now), now), now);
    EXPECT_EQ(matching_step(kRfcKey, code_at(kRfcKey, now - 1), now), now - 1);
    EXPECT_EQ(matching_step(kRfcKey, code_at(kRfcKey, now + 1), now), now + 1);
    EXPECT_FALSE(matching_step(kRfcKey, code_at(kRfcKey, now - 2), now));
    EXPECT_FALSE(matching_step(kRfcKey, code_at(kRfcKey, now + 2), now));
    EXPECT_FALSE(matching_step(kRfcKey, "12345", now));
    EXPECT_FALSE(matching_step(kRfcKey, "abcdef", now));
}

TEST(Totp, Base32RoundTripsAndReadsWhatPeopleType) {
    EXPECT_EQ(base32_encode(kRfcKey), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    EXPECT_EQ(base32_encode("f"), "MY");
    EXPECT_EQ(base32_encode("foobar"), "MZXW6YTBOI");
    EXPECT_EQ(base32_decode("mzxw 6ytb oi"), "foobar");
    EXPECT_EQ(base32_decode("MZXW6YTBOI======"), "foobar");
    EXPECT_FALSE(base32_decode("MZXW1"));  // '1' is not in the alphabet
    for (std::string raw : {std::string(""), std::string("\x00\xff", 2), kRfcKey})
        EXPECT_EQ(base32_decode(base32_encode(raw)), raw);
}

TEST(Totp, WritesAnOtpauthUri) {
    EXPECT_EQ(otpauth_uri("Ujumbe", "amina@example.com", "foobar"),
              "otpauth://totp/Ujumbe:amina%40example.com?secret=MZXW6YTBOI&issuer=Ujumbe&"
              "algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace ujumbe::identity::totp
