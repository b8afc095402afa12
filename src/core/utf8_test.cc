#include "core/utf8.h"

#include <gtest/gtest.h>

namespace ujumbe {

TEST(Utf8, DecodesAndEncodesEveryLength) {
    const std::string text = "a\u00E9\u20AC\U0001F600";
    auto cps = decode_utf8(text);
    ASSERT_TRUE(cps);
    EXPECT_EQ(*cps, (std::vector<char32_t>{U'a', 0xE9, 0x20AC, 0x1F600}));
    std::string back;
    for (char32_t cp : *cps) append_utf8(back, cp);
    EXPECT_EQ(back, text);
    EXPECT_EQ(decode_utf8(""), std::vector<char32_t>{});
}

TEST(Utf8, RefusesWhatIsNotUtf8) {
    for (const char* bad : {"\x80", "\xc3", "\xc3(", "\xc0\x80", "\xe0\x80\xaf", "\xed\xbf\xbf",
                            "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "ok\xe2\x82"})
        EXPECT_FALSE(decode_utf8(bad)) << bad;
}

TEST(Utf8Prefix, CutsOnlyBetweenCharacters) {
    EXPECT_EQ(utf8_prefix("Habari", 10), "Habari");
    EXPECT_EQ(utf8_prefix("Habari", 3), "Hab");
    EXPECT_EQ(utf8_prefix("caf\xc3\xa9", 4), "caf");  // not half of the e-acute
    EXPECT_EQ(utf8_prefix("caf\xc3\xa9", 5), "caf\xc3\xa9");
    EXPECT_EQ(utf8_prefix("\xe2\x82\xac\xe2\x82\xac", 5), "\xe2\x82\xac");
    EXPECT_EQ(utf8_prefix("abc", 0), "");
}

}  // namespace ujumbe
