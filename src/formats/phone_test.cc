#include "formats/phone.h"

#include <gtest/gtest.h>

#include <string>

namespace ujumbe::formats {
namespace {

// The E.164 form, or "!" followed by the reason it was refused.
std::string normalized(std::string_view input, std::string_view country) {
    std::string problem;
    auto e164 = normalize_phone(input, country, &problem);
    return e164 ? *e164 : "!" + problem;
}

TEST(PhoneTest, NationalNumbersUseTheDefaultCountry) {
    EXPECT_EQ(normalized("0712 345 678", "TZ"), "+255712345678");
    EXPECT_EQ(normalized("0712345678", "TZ"), "+255712345678");
    EXPECT_EQ(normalized("(0)712345678", "TZ"), "+255712345678");
    EXPECT_EQ(normalized("  0712345678\t", "TZ"), "+255712345678");
    // The same digits are another number in another country.
    EXPECT_EQ(normalized("0712 345 678", "KE"), "+254712345678");
    EXPECT_EQ(normalized("650 253 0000", "US"), "+16502530000");
}

TEST(PhoneTest, CountryCodeIsCaseInsensitive) {
    EXPECT_EQ(normalized("0712345678", "tz"), "+255712345678");
    EXPECT_EQ(normalized("0712345678", "Tz"), "+255712345678");
}

TEST(PhoneTest, InternationalSpellingsWithSeparators) {
    for (const char* spelling :
         {"+255712345678", "+255 712 345 678", "+255 712-345-678", "+255-712-345-678",
          "+255 (712) 345 678", "+255.712.345.678", "+255 712/345/678"}) {
        EXPECT_EQ(normalized(spelling, ""), "+255712345678") << spelling;
        // A country code in the number wins over the default country.
        EXPECT_EQ(normalized(spelling, "KE"), "+255712345678") << spelling;
    }
}

TEST(PhoneTest, DoubleZeroIsTheInternationalPrefix) {
    EXPECT_EQ(normalized("00255712345678", ""), "+255712345678");
    EXPECT_EQ(normalized("00255 712 345 678", "KE"), "+255712345678");
    EXPECT_EQ(normalized("0016502530000", "TZ"), "+16502530000");
}

TEST(PhoneTest, NorthAmericanNumbers) {
    EXPECT_EQ(normalized("+1 650 253 0000", ""), "+16502530000");
    EXPECT_EQ(normalized("+1 (650) 253-0000", "TZ"), "+16502530000");
}

TEST(PhoneTest, NoCountryCodeAndNoDefaultCountryIsRefused) {
    std::string problem;
    EXPECT_FALSE(normalize_phone("0712345678", "", &problem));
    EXPECT_NE(problem.find("country code"), std::string::npos) << problem;
    // Without `problem` the call still answers.
    EXPECT_FALSE(normalize_phone("0712345678", ""));
}

TEST(PhoneTest, GarbageIsRefused) {
    for (const char* garbage : {"abc", "0712abc678", "phone: 0712345678", "tel:+255712345678",
                                "+255712345678 ext", "0712#345", "\xff\xfe"}) {
        std::string problem;
        EXPECT_FALSE(normalize_phone(garbage, "TZ", &problem)) << garbage;
        EXPECT_FALSE(problem.empty()) << garbage;
    }
    EXPECT_EQ(normalized("+", "TZ"), "!Must be a phone number.");
}

TEST(PhoneTest, EmptyIsRefused) {
    EXPECT_EQ(normalized("", "TZ"), "!Must not be empty.");
    EXPECT_EQ(normalized("   ", "TZ"), "!Must not be empty.");
    EXPECT_EQ(normalized("\t", ""), "!Must not be empty.");
}

TEST(PhoneTest, OverlongInputIsRefused) {
    EXPECT_EQ(normalized("+255" + std::string(70, '7'), "TZ"), "!Must be a phone number.");
    EXPECT_EQ(normalized(std::string(300, '1'), "TZ"), "!Must be a phone number.");
    // Long only because of spaces: still a phone number when it fits.
    EXPECT_EQ(normalized("+255 712 345 678" + std::string(40, ' '), "TZ"), "+255712345678");
}

TEST(PhoneTest, NumbersLongerThanE164AllowsAreRefused) {
    // libphonenumber takes this for a German number of 16 digits (TZ dials
    // abroad with "000"); E.164 ends at 15.
    std::string problem;
    EXPECT_FALSE(normalize_phone("/000 499 200 499 2818116", "TZ", &problem));
    EXPECT_NE(problem.find("15 digits"), std::string::npos);
    EXPECT_FALSE(describe_phone("/000 499 200 499 2818116", "TZ").valid);
}

TEST(PhoneTest, ANormalisedNumberNormalisesToItself) {
    // libphonenumber reads "+52 1 ..." (Mexico's old mobile prefix) from this
    // spelling but drops the 1 when it reads that E.164 again.
    const auto once = normalize_phone("+5 (20) 2 15 (60) 253-0000", "TZ");
    ASSERT_TRUE(once);
    EXPECT_EQ(normalize_phone(*once, "TZ"), once);
    EXPECT_EQ(describe_phone("+5 (20) 2 15 (60) 253-0000", "TZ").e164, *once);
}

TEST(PhoneTest, InvalidNumbersOfTheCountryAreRefused) {
    EXPECT_EQ(normalized("0712", "TZ"), "!Is not a valid phone number.");
    EXPECT_EQ(normalized("+255 812 345 678", ""), "!Is not a valid phone number.");
    EXPECT_EQ(normalized("+2551234", ""), "!Is not a valid phone number.");
    EXPECT_EQ(normalized("+10000000000", ""), "!Is not a valid phone number.");
    // A valid Tanzanian national number is not a valid US one.
    EXPECT_EQ(normalized("0712345678", "US"), "!Is not a valid phone number.");
}

TEST(PhoneTest, DescribeGivesCountryAndType) {
    auto tz = describe_phone("0712 345 678", "TZ");
    EXPECT_TRUE(tz.valid);
    EXPECT_EQ(tz.e164, "+255712345678");
    EXPECT_EQ(tz.country, "TZ");
    EXPECT_EQ(tz.type, "mobile");

    auto us = describe_phone("+1 650 253 0000", "");
    EXPECT_TRUE(us.valid);
    EXPECT_EQ(us.e164, "+16502530000");
    EXPECT_EQ(us.country, "US");
    EXPECT_EQ(us.type, "fixed_line_or_mobile");

    auto gb = describe_phone("+44 20 7183 8750", "TZ");
    EXPECT_TRUE(gb.valid);
    EXPECT_EQ(gb.country, "GB");
    EXPECT_EQ(gb.type, "fixed_line");

    auto toll_free = describe_phone("+1 800 253 0000", "");
    EXPECT_TRUE(toll_free.valid);
    EXPECT_EQ(toll_free.type, "toll_free");
}

TEST(PhoneTest, DescribeInvalidNumberIsNotValid) {
    for (const char* input : {"", "abc", "0712", "0712345678"}) {
        auto d = describe_phone(input, "");
        EXPECT_FALSE(d.valid) << input;
        EXPECT_TRUE(d.e164.empty()) << input;
        EXPECT_TRUE(d.country.empty()) << input;
    }
}

}  // namespace
}  // namespace ujumbe::formats
