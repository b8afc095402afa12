// Operators for routing: the longest prefix names the operator, a rule
// matches by name or MCC-MNC, the CSV import and its malformed rows, and
// the resolver's lookups, cache and fallbacks.

#include "routing/operators.h"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>

#include "routing/operator_resolver.h"

namespace ujumbe::routing {
namespace {

TEST(OperatorTable, TheLongestPrefixWins) {
    OperatorTable t;
    t.assign({{"2547", "Safaricom", "639", "02", "KE"},
              {"25473", "Airtel", "639", "03", "KE"},
              {"254730", "Telkom", "639", "07", "KE"}});
    EXPECT_EQ(t.find("254712345678")->name, "Safaricom");
    EXPECT_EQ(t.find("254731234567")->name, "Airtel");
    EXPECT_EQ(t.find("254730000000")->name, "Telkom");
    EXPECT_FALSE(t.find("255712345678"));
    EXPECT_FALSE(t.find(""));
    EXPECT_EQ(t.find("2547")->name, "Safaricom");
}

TEST(OperatorMatches, ByNameInAnyCaseOrByCode) {
    const OperatorInfo airtel{"Airtel", "639", "03", "prefix table", ""};
    EXPECT_TRUE(operator_matches("airtel", airtel));
    EXPECT_TRUE(operator_matches("63903", airtel));
    EXPECT_TRUE(operator_matches("639-03", airtel));
    EXPECT_FALSE(operator_matches("639-02", airtel));
    EXPECT_FALSE(operator_matches("Airtel Uganda", airtel));
    EXPECT_FALSE(operator_matches("Airtel", OperatorInfo{}));
    EXPECT_TRUE(valid_rule_operator("Safaricom"));
    EXPECT_FALSE(valid_rule_operator(" Safaricom"));
    EXPECT_FALSE(valid_rule_operator(""));
    EXPECT_FALSE(valid_rule_operator(std::string(51, 'a')));
}

TEST(OperatorCsv, RowsAreReadWithTheirColumnsInAnyOrder) {
    auto parsed = parse_operator_csv(
        "\xEF\xBB\xBFMCC,MNC,Prefix,Operator,Country\r\n639,02,+25470,Safaricom,ke\n"
        "640,04,25574,\"Vodacom, TZ\",\n");
    ASSERT_TRUE(parsed) << parsed.error().message;
    ASSERT_EQ(parsed->rows.size(), 2u);
    EXPECT_EQ(parsed->rows[0].prefix, "25470");
    EXPECT_EQ(parsed->rows[0].country, "KE");
    EXPECT_EQ(parsed->rows[1].name, "Vodacom, TZ");
    EXPECT_EQ(parsed->rows[1].country, "");
}

TEST(OperatorCsv, MalformedInputNamesTheLine) {
    const auto problem = [](std::string_view csv) {
        auto r = parse_operator_csv(csv);
        return r ? std::string("(ok)") : r.error().errors.begin()->second.front();
    };
    EXPECT_NE(problem("").find("empty"), std::string::npos);
    EXPECT_NE(problem("prefix,operator,mcc\n").find("mnc"), std::string::npos);
    EXPECT_NE(problem("prefix,operator,mcc,mnc\n25470x,S,639,02\n").find("Line 2"),
              std::string::npos);
    EXPECT_NE(problem("prefix,operator,mcc,mnc\n25470,S,63,02\n").find("mcc"), std::string::npos);
    EXPECT_NE(problem("prefix,operator,mcc,mnc\n25470,,639,02\n").find("operator"),
              std::string::npos);
    EXPECT_NE(problem("prefix,operator,mcc,mnc,country\n25470,S,639,02,KEN\n").find("country"),
              std::string::npos);
    EXPECT_NE(problem("prefix,operator,mcc,mnc\n\"25470,S,639,02\n").find("Line"),
              std::string::npos);
}

// A lookup that answers from a map on the resolver's thread, or never.
class FakeLookup final : public channels::NumberLookup {
public:
    explicit FakeLookup(boost::asio::io_context& io) : io_(io) {}
    void lookup(const std::string& e164, std::function<void(Answer)> done) override {
        ++asked;
        if (silent) return;
        boost::asio::post(io_, [this, e164, done = std::move(done)] {
            if (failing) return done(Error::unavailable("down"));
            auto it = ported.find(e164);
            done(it == ported.end() ? std::optional<channels::PortedOperator>{}
                                    : std::optional<channels::PortedOperator>(it->second));
        });
    }
    std::chrono::milliseconds timeout() const override { return std::chrono::milliseconds(50); }

    std::map<std::string, channels::PortedOperator> ported;
    bool failing = false, silent = false;
    std::atomic<int> asked{0};

private:
    boost::asio::io_context& io_;
};

class ResolverTest : public ::testing::Test {
protected:
    void SetUp() override {
        resolver_.set_table({{"2547", "Safaricom", "639", "02", "KE"}});
        lookup_ = std::make_shared<FakeLookup>(resolver_.io());
        lookup_->ported["+254712345678"] = {"Airtel", "639", "03"};
        resolver_.set_lookup(lookup_, 60 * kMicrosPerSecond);
    }
    FakeClock clock_;
    OperatorResolver resolver_{clock_};
    std::shared_ptr<FakeLookup> lookup_;
};

TEST_F(ResolverTest, APortedNumberTakesItsRealOperatorAndIsCached) {
    auto first = resolver_.resolve("+254712345678", true);
    EXPECT_EQ(first.name, "Airtel");
    EXPECT_EQ(first.source, "number lookup");
    auto again = resolver_.resolve("+254712345678", true);
    EXPECT_EQ(again.source, "lookup cache");
    EXPECT_EQ(lookup_->asked, 1);
    clock_.advance(61 * kMicrosPerSecond);
    EXPECT_EQ(resolver_.resolve("+254712345678", true).source, "number lookup");
    EXPECT_EQ(lookup_->asked, 2);
}

TEST_F(ResolverTest, WithoutAnAnswerThePrefixTableDecides) {
    auto unknown = resolver_.resolve("+254700000001", true);
    EXPECT_EQ(unknown.name, "Safaricom");
    EXPECT_EQ(unknown.source, "prefix table");
    EXPECT_EQ(unknown.detail, "the number lookup knew no operator");
    lookup_->failing = true;
    auto failed = resolver_.resolve("+254700000002", true);
    EXPECT_EQ(failed.name, "Safaricom");
    EXPECT_EQ(failed.detail, "down");
    lookup_->failing = false;
    lookup_->silent = true;
    auto silent = resolver_.resolve("+254700000003", true);
    EXPECT_EQ(silent.name, "Safaricom");
    EXPECT_EQ(silent.detail, "the number lookup has not answered yet");
    // Not looked up: the cache or the table, never the provider.
    const int asked = lookup_->asked;
    EXPECT_EQ(resolver_.resolve("+254700000009", false).source, "prefix table");
    EXPECT_EQ(lookup_->asked, asked);
}

TEST_F(ResolverTest, ABatchIsLookedUpAtOnce) {
    const auto asked = resolver_.prefetch({"+254712345678", "+254700000001", "+254712345678"});
    EXPECT_EQ(asked.size(), 2u);
    EXPECT_EQ(resolver_.resolve("+254712345678", false).source, "lookup cache");
    EXPECT_TRUE(resolver_.prefetch({"+254712345678"}).empty());
    resolver_.set_lookup(nullptr, 0);
    EXPECT_EQ(resolver_.resolve("+254712345678", true).name, "Safaricom");
}

}  // namespace
}  // namespace ujumbe::routing
