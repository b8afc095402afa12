#include "identity/passwords.h"

#include <gtest/gtest.h>

namespace ujumbe::identity {

// Each hash costs about 30 ms, so these tests hash as few times as they can.

TEST(Passwords, HashVerifiesOnlyTheSamePassword) {
    const std::string hash = hash_password("correct horse battery staple");
    EXPECT_TRUE(verify_password(hash, "correct horse battery staple"));
    EXPECT_FALSE(verify_password(hash, "correct horse battery stapler"));
}

TEST(Passwords, HashIsArgon2idAtOwaspParameters) {
    const std::string hash = hash_password("p\xC3\xA4ssw\xC3\xB6rd-\xF0\x9F\x99\x82");
    EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
    EXPECT_NE(hash.find("$m=19456,t=2,p=1$"), std::string::npos) << hash;
    EXPECT_TRUE(verify_password(hash, "p\xC3\xA4ssw\xC3\xB6rd-\xF0\x9F\x99\x82"));
}

TEST(Passwords, SamePasswordHashesDifferentlyEachTime) {
    const std::string a = hash_password("same password");
    const std::string b = hash_password("same password");
    EXPECT_NE(a, b);
    EXPECT_TRUE(verify_password(b, "same password"));
}

TEST(Passwords, MalformedHashVerifiesNothing) {
    EXPECT_FALSE(verify_password("", "anything"));
    EXPECT_FALSE(verify_password("$argon2id$garbage", "anything"));
    EXPECT_FALSE(verify_password("plaintext", "plaintext"));
}

TEST(Passwords, DecoyVerificationDoesNotThrow) {
    EXPECT_NO_THROW(verify_password_decoy("whatever the caller typed"));
}

}  // namespace ujumbe::identity
