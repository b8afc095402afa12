#include "http/client_address.h"

#include <gtest/gtest.h>

namespace ujumbe::http {
namespace {

ClientAddress trusting(std::string_view list) {
    auto parsed = ClientAddress::parse(list);
    EXPECT_TRUE(parsed) << parsed.error().message;
    return parsed ? *parsed : ClientAddress{};
}

TEST(ClientAddress, WithoutTrustedProxiesThePeerIsTheClient) {
    const ClientAddress none;
    EXPECT_FALSE(none.trusts_any());
    EXPECT_EQ(none.of("198.51.100.7", "203.0.113.5"), "198.51.100.7");
}

TEST(ClientAddress, AnUntrustedPeerCannotNameAnotherAddress) {
    const auto proxies = trusting("127.0.0.1");
    EXPECT_EQ(proxies.of("198.51.100.7", "203.0.113.5"), "198.51.100.7");
}

TEST(ClientAddress, ATrustedProxyNamesItsClient) {
    const auto proxies = trusting("127.0.0.1, 10.0.0.0/8");
    EXPECT_EQ(proxies.of("127.0.0.1", "203.0.113.5"), "203.0.113.5");
    EXPECT_EQ(proxies.of("127.0.0.1", ""), "127.0.0.1");
    EXPECT_EQ(proxies.of("10.1.2.3", " 2001:db8::5 "), "2001:db8::5");
    EXPECT_EQ(proxies.of("10.1.2.3", "[2001:db8::5]:443"), "2001:db8::5");
}

TEST(ClientAddress, ChainsAreReadFromTheRightUpToTheFirstUntrustedHop) {
    const auto proxies = trusting("127.0.0.1,10.0.0.0/8");
    // The client wrote the first entry itself; the edge proxy (10.0.0.2)
    // added the address it saw; the local proxy added the edge's.
    EXPECT_EQ(proxies.of("127.0.0.1", "6.6.6.6, 203.0.113.5, 10.0.0.2"), "203.0.113.5");
    // Every hop trusted: the left-most.
    EXPECT_EQ(proxies.of("127.0.0.1", "10.0.0.9,10.0.0.2"), "10.0.0.9");
}

TEST(ClientAddress, AHopThatIsNoAddressStopsTheWalk) {
    const auto proxies = trusting("127.0.0.1,10.0.0.0/8");
    EXPECT_EQ(proxies.of("127.0.0.1", "203.0.113.5, unknown, 10.0.0.2"), "10.0.0.2");
    EXPECT_EQ(proxies.of("127.0.0.1", "not-an-address"), "127.0.0.1");
    EXPECT_EQ(proxies.of("127.0.0.1", "10.0.0.0/8"), "127.0.0.1");
    EXPECT_EQ(proxies.of("127.0.0.1", ",,,"), "127.0.0.1");
}

TEST(ClientAddress, ABadEntryInTheSettingIsNamed) {
    auto bad = ClientAddress::parse("127.0.0.1, proxy.example.com");
    ASSERT_FALSE(bad);
    EXPECT_TRUE(bad.error().errors.contains("trusted_proxies"));
    EXPECT_NE(bad.error().message.find("proxy.example.com"), std::string::npos);
    EXPECT_FALSE(ClientAddress::parse("10.0.0.0/33"));
    EXPECT_TRUE(ClientAddress::parse(""));
    EXPECT_TRUE(ClientAddress::parse(" , "));
}

}  // namespace
}  // namespace ujumbe::http
