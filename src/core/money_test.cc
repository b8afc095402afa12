#include "core/money.h"

#include <gtest/gtest.h>

#include <limits>

namespace ujumbe {
namespace {

TEST(Money, ParsesDecimalTextExactly) {
    EXPECT_EQ(parse_money("12.5"), 12'500'000);
    EXPECT_EQ(parse_money("0.000001"), 1);
    EXPECT_EQ(parse_money("-3"), -3'000'000);
    EXPECT_EQ(parse_money(".25"), 250'000);
    EXPECT_EQ(parse_money("1000.123456"), 1'000'123'456);
    for (const char* bad :
         {"", "-", "1.", "1.2345678", "1e3", "12,5", "abc", "1.2.3", " 1", "99999999999999"})
        EXPECT_FALSE(parse_money(bad)) << bad;
}

TEST(Money, ReadsJsonAmounts) {
    using nlohmann::json;
    EXPECT_EQ(money_from_json(json("0.1")), 100'000);
    EXPECT_EQ(money_from_json(json::parse("0.1")), 100'000);  // not 0.1000000000000000055
    EXPECT_EQ(money_from_json(json::parse("19.99")), 19'990'000);
    EXPECT_EQ(money_from_json(json(7)), 7'000'000);
    EXPECT_FALSE(money_from_json(json::parse("1e-7")));
    EXPECT_FALSE(money_from_json(json::parse("0.0000001")));
    EXPECT_FALSE(money_from_json(json(true)));
    EXPECT_FALSE(money_from_json(json::parse("18446744073709551615")));
}

TEST(Money, FormatsWithoutTrailingZeros) {
    EXPECT_EQ(format_money(12'500'000), "12.5");
    EXPECT_EQ(format_money(1), "0.000001");
    EXPECT_EQ(format_money(-3'000'000), "-3");
    EXPECT_EQ(format_money(0), "0");
    EXPECT_EQ(money_json(999'999'999'999'999).dump(), "999999999.999999");
    EXPECT_EQ(money_json(100'000).dump(), "0.1");
}

TEST(Money, MultipliesAndDividesWithRounding) {
    EXPECT_EQ(mul_div(10'000, 115, 100), 11'500);  // a 15% markup
    EXPECT_EQ(mul_div(1, 1, 2), 1);                // half away from zero
    EXPECT_EQ(mul_div(-1, 1, 2), -1);
    EXPECT_EQ(mul_div(9'000'000'000'000'000'000LL / 1000, 1000, 1000),
              9'000'000'000'000'000'000LL / 1000);
    EXPECT_FALSE(mul_div(9'000'000'000'000'000'000LL, 11, 1));  // past int64
}

TEST(Money, CheckedArithmeticRefusesOverflow) {
    EXPECT_EQ(checked_add(1, 2), 3);
    EXPECT_EQ(checked_add(-5, 2), -3);
    EXPECT_FALSE(checked_add(9'000'000'000'000'000'000LL, 9'000'000'000'000'000'000LL));
    EXPECT_FALSE(checked_add(-9'000'000'000'000'000'000LL, -9'000'000'000'000'000'000LL));
    EXPECT_EQ(checked_mul(kMaxPrice, 10), 10 * kMaxPrice);
    // The finding: a price of 9e12 units on a 10-segment message.
    EXPECT_FALSE(checked_mul(9'000'000'000'000 * kMicrosPerUnit, 10));
    auto r = checked(checked_mul(9'000'000'000'000 * kMicrosPerUnit, 10), "price", kMaxPrice);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(r.error().error_code, "AMOUNT_OUT_OF_RANGE");
    EXPECT_TRUE(r.error().errors.count("price"));
}

TEST(Money, BoundsLeaveHeadroomForEverySum) {
    // A balance at its bound plus the largest credit, times the deepest
    // markup chain (two cards of +1000%) on the longest message: in int64.
    EXPECT_LT(kMaxBalance + kMaxBalance + kMaxAmount, std::numeric_limits<Micros6>::max() / 10);
    EXPECT_LT(kMaxPrice * 11 * 11 * 1600, std::numeric_limits<Micros6>::max() / 1000);
}

TEST(Money, SumsPastInt64AreWrittenExactly) {
    const MoneySum big = static_cast<MoneySum>(kMaxAmount) * 10'000;
    EXPECT_EQ(format_money_sum(big), "10000000000000");
    EXPECT_EQ(format_money_sum(-big - 1), "-10000000000000.000001");
    EXPECT_EQ(format_money_sum(0), "0");
    EXPECT_EQ(format_money(std::numeric_limits<Micros6>::min()), "-9223372036854.775808");
}

}  // namespace
}  // namespace ujumbe
