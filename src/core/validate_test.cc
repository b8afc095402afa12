#include "core/validate.h"

#include <gtest/gtest.h>

namespace ujumbe {

TEST(Email, AcceptsOrdinaryAddresses) {
    for (const char* ok : {"a@b.co", "first.last+tag@example.com", "x_y@sub.domain.org"})
        EXPECT_TRUE(is_valid_email(ok)) << ok;
}

TEST(Email, RejectsMalformedAddresses) {
    for (const char* bad : {"", "plain", "@example.com", "a@", "a@b", "a@b.c", "a b@example.com",
                            "a@@example.com", ".a@example.com", "a..b@example.com",
                            "a@-example.com", "a@example..com", "a@example.c0m"})
        EXPECT_FALSE(is_valid_email(bad)) << bad;
    EXPECT_FALSE(is_valid_email(std::string(250, 'a') + "@example.com"));
}

TEST(CleanText, RejectsInvalidUtf8AndControls) {
    EXPECT_TRUE(is_clean_text("Habari, dunia! \xF0\x9F\x98\x80"));
    EXPECT_FALSE(is_clean_text("bad\x01"));
    EXPECT_FALSE(is_clean_text("\xC0\xAF"));      // overlong
    EXPECT_FALSE(is_clean_text("\xED\xA0\x80"));  // surrogate
    EXPECT_FALSE(is_clean_text("\xE2\x82"));      // truncated
    EXPECT_EQ(utf8_length("h\xC3\xA9llo"), 5u);
}

}  // namespace ujumbe
