#include "formats/sender_id.h"

#include <gtest/gtest.h>

namespace ujumbe::formats {
namespace {

TEST(SenderId, AlphanumericUpToElevenCharacters) {
    std::string problem;
    for (const char* ok : {"Ujumbe", "ACME Shop", "Duka-24", "A", "ElevenChars"}) {
        auto s = parse_sender_id(ok, &problem);
        ASSERT_TRUE(s) << ok << ": " << problem;
        EXPECT_EQ(s->kind, SenderKind::kAlphanumeric);
        EXPECT_EQ(s->value, ok);
        EXPECT_EQ(source_ton_npi(*s), (std::pair<std::uint8_t, std::uint8_t>{5, 0}));
    }
    EXPECT_FALSE(parse_sender_id("TwelveChars!", &problem));
    EXPECT_FALSE(parse_sender_id("TwelveCharsX", &problem));
    EXPECT_EQ(problem, "An alphanumeric sender id has at most 11 characters.");
    for (const char* bad : {"", " Lead", "Trail ", "Bad\"Quote", "Émile", "a+b", "+Shop"})
        EXPECT_FALSE(parse_sender_id(bad, &problem)) << bad;
}

TEST(SenderId, NumericUpToFifteenDigits) {
    std::string problem;
    auto n = parse_sender_id("+255712345678", &problem);
    ASSERT_TRUE(n) << problem;
    EXPECT_EQ(n->kind, SenderKind::kNumeric);
    EXPECT_EQ(n->value, "255712345678");
    EXPECT_EQ(source_ton_npi(*n), (std::pair<std::uint8_t, std::uint8_t>{1, 1}));
    auto code = parse_sender_id("15555", &problem);
    ASSERT_TRUE(code);
    EXPECT_EQ(source_ton_npi(*code), (std::pair<std::uint8_t, std::uint8_t>{3, 0}));
    EXPECT_TRUE(parse_sender_id("123456789012345", &problem));
    EXPECT_FALSE(parse_sender_id("1234567890123456", &problem));
    EXPECT_EQ(problem, "A numeric sender id has at most 15 digits.");
    EXPECT_FALSE(parse_sender_id("+", &problem));
}

TEST(SenderIdTest, AnAlphanumericSenderNeedsALetter) {
    std::string problem;
    EXPECT_FALSE(parse_sender_id("12 34", &problem));
    EXPECT_NE(problem.find("letter"), std::string::npos);
    EXPECT_FALSE(parse_sender_id("-_. &", &problem));
    EXPECT_TRUE(parse_sender_id("A-1", &problem));
}

}  // namespace
}  // namespace ujumbe::formats
