#include "billing/pricing.h"

#include <gtest/gtest.h>

namespace ujumbe::billing {
namespace {

Rate line(std::string prefix, std::optional<Micros6> price, std::string country = "",
          std::optional<std::int64_t> markup = std::nullopt) {
    Rate r;
    r.prefix = std::move(prefix);
    r.country = std::move(country);
    r.price = price;
    r.markup_ppm = markup;
    return r;
}

TEST(Pricing, TheLongestPrefixWinsThenTheCountryThenTheCatchAll) {
    const std::vector<Rate> card = {line("", 9), line("254", 3), line("2547", 2),
                                    line("", 5, "TZ")};
    EXPECT_EQ(best_rate(card, "sms", "+254712345678", "KE")->price, 2);
    EXPECT_EQ(best_rate(card, "sms", "+254212345678", "KE")->price, 3);
    EXPECT_EQ(best_rate(card, "sms", "+255712345678", "TZ")->price, 5);
    EXPECT_EQ(best_rate(card, "sms", "+256712345678", "UG")->price, 9);
    EXPECT_EQ(best_rate(card, "whatsapp", "+254712345678", "KE"), nullptr);
    EXPECT_EQ(best_rate({}, "sms", "+254712345678", "KE"), nullptr);
}

TEST(Pricing, EachLevelPaysItsOwnLineOrMarksUpOrInheritsItsParentsPrice) {
    PriceChain chain;
    chain.base = {line("254", 10'000)};                            // cost 0.01
    chain.cards.push_back({line("", std::nullopt, "", 200'000)});  // reseller: +20%
    chain.cards.push_back({line("254", 15'000)});                  // client: 0.015
    auto p = prices_per_segment(chain, "sms", "+254712345678", "KE");
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, (std::vector<Micros6>{10'000, 12'000, 15'000}));
    chain.cards.back().clear();  // the client inherits the reseller's price
    p = prices_per_segment(chain, "sms", "+254712345678", "KE");
    EXPECT_EQ(*p, (std::vector<Micros6>{10'000, 12'000, 12'000}));
    // An unpriced destination costs nothing at every level.
    p = prices_per_segment(chain, "sms", "+447700900123", "GB");
    EXPECT_EQ(*p, (std::vector<Micros6>{0, 0, 0}));
}

TEST(Pricing, AGatewaysOwnLinesPriceWhatItCarriesAndNothingElse) {
    Rate own = line("254", 7);
    own.gateway_id = GatewayId{"gw-a"};
    const std::vector<Rate> card = {line("254", 3), own, line("", 9)};
    EXPECT_EQ(best_rate(card, "sms", "+254712345678", "KE", GatewayId{"gw-a"})->price, 7);
    EXPECT_EQ(best_rate(card, "sms", "+254712345678", "KE", GatewayId{"gw-b"})->price, 3);
    EXPECT_EQ(best_rate(card, "sms", "+254712345678", "KE")->price, 3);  // selling prices
    EXPECT_EQ(best_rate(card, "sms", "+447700900123", "GB", GatewayId{"gw-a"})->price, 9);
}

}  // namespace
}  // namespace ujumbe::billing
