// Addresses and CIDR blocks: parsing, membership, and the one list of
// addresses an outbound request must not reach, in IPv4, IPv6, IPv4-mapped
// and NAT64 forms.

#include "core/address_blocks.h"

#include <gtest/gtest.h>

#include <utility>

namespace ujumbe {
namespace {

using Expected = std::pair<const char*, const char*>;

void expect_reasons(const std::vector<Expected>& cases) {
    for (const auto& [address, reason] : cases) {
        const auto got = non_public_reason(address);
        ASSERT_TRUE(got.has_value()) << address << " should be refused as " << reason;
        EXPECT_EQ(*got, reason) << address;
    }
}

void expect_public(const std::vector<const char*>& addresses) {
    for (const char* address : addresses)
        EXPECT_EQ(non_public_reason(address), std::nullopt) << address;
}

TEST(AddressBlockReason, Ipv4SpecialRangesAreRefusedWithTheirReason) {
    expect_reasons({
        {"0.0.0.0", "unspecified"},
        {"0.1.2.3", "reserved"},
        {"10.0.0.0", "private"},
        {"10.1.2.3", "private"},
        {"10.255.255.255", "private"},
        {"100.64.0.0", "carrier-grade NAT"},
        {"100.100.100.100", "carrier-grade NAT"},
        {"100.127.255.255", "carrier-grade NAT"},
        {"127.0.0.1", "loopback"},
        {"127.255.255.254", "loopback"},
        {"169.254.0.1", "link-local"},
        {"169.254.169.253", "link-local"},
        {"169.254.255.255", "link-local"},
        {"169.254.169.254", "cloud metadata"},
        {"172.16.0.0", "private"},
        {"172.20.1.1", "private"},
        {"172.31.255.255", "private"},
        {"192.0.0.8", "reserved"},
        {"192.88.99.1", "reserved"},
        {"192.168.0.0", "private"},
        {"192.168.255.255", "private"},
        {"198.18.0.1", "reserved"},
        {"198.19.255.255", "reserved"},
        {"224.0.0.1", "multicast"},
        {"239.255.255.255", "multicast"},
        {"240.0.0.1", "reserved"},
        {"255.255.255.254", "reserved"},
        {"255.255.255.255", "reserved"},
        {"192.0.2.1", "documentation"},
        {"198.51.100.7", "documentation"},
        {"203.0.113.255", "documentation"},
    });
}

TEST(AddressBlockReason, Ipv4NeighboursOfTheRangesArePublic) {
    expect_public({"9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "126.255.255.255",
                   "128.0.0.0", "169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0",
                   "192.167.255.255", "192.169.0.0", "198.17.255.255", "198.20.0.0",
                   "223.255.255.255", "192.0.3.0", "203.0.114.0"});
}

TEST(AddressBlockReason, PublicAddressesHaveNoReason) {
    expect_public({"8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111",
                   "2001:4860:4860::8888", "2a00:1450:4001:80b::200e"});
}

TEST(AddressBlockReason, Ipv6SpecialRangesAreRefusedWithTheirReason) {
    expect_reasons({
        {"::", "unspecified"},
        {"::1", "loopback"},
        {"::7f00:1", "reserved"},  // IPv4-compatible
        {"100::1", "reserved"},
        {"2001::1", "reserved"},
        {"2001:db8::1", "documentation"},
        {"2001:db8:ffff::1", "documentation"},
        {"2002:7f00:1::1", "reserved"},
        {"fc00::1", "private"},
        {"fd12:3456::1", "private"},
        {"fd00:ec2::254", "cloud metadata"},
        {"fd00:ec2::253", "private"},
        {"fe80::1", "link-local"},
        {"febf:ffff::1", "link-local"},
        {"fec0::1", "reserved"},
        {"ff02::1", "multicast"},
        {"ff0e::101", "multicast"},
    });
}

TEST(AddressBlockReason, ScopedLinkLocalAddressesAreNotPublic) {
    EXPECT_TRUE(non_public_reason("fe80::1%1").has_value());
}

TEST(AddressBlockReason, Ipv4MappedAddressesAreJudgedByTheirIpv4Address) {
    expect_reasons({
        {"::ffff:127.0.0.1", "loopback"},
        {"::ffff:10.1.2.3", "private"},
        {"::ffff:169.254.169.254", "cloud metadata"},
        {"::ffff:0.0.0.0", "unspecified"},
        {"::ffff:7f00:1", "loopback"},
        {"::FFFF:192.168.1.1", "private"},
    });
    expect_public({"::ffff:8.8.8.8", "::ffff:172.32.0.0"});
}

TEST(AddressBlockReason, Nat64AddressesAreJudgedByTheirIpv4Address) {
    expect_reasons({
        {"64:ff9b::7f00:1", "loopback"},
        {"64:ff9b::127.0.0.1", "loopback"},
        {"64:ff9b::a01:203", "private"},
        {"64:ff9b::a9fe:a9fe", "cloud metadata"},
        {"64:ff9b::", "unspecified"},
    });
    expect_public({"64:ff9b::808:808", "64:ff9b::101:101"});
}

TEST(AddressBlockReason, LocalUseNat64AddressesAreNotPublic) {
    // RFC 8215: 64:ff9b:1::/48 is NAT64 for local use, not globally
    // reachable (IANA IPv6 special-purpose registry).
    EXPECT_TRUE(non_public_reason("64:ff9b:1::7f00:1").has_value());
    EXPECT_TRUE(non_public_reason("64:ff9b:1::a00:1").has_value());
}

TEST(AddressBlockReason, MalformedAddressesAreReserved) {
    for (const char* bad : {"", "localhost", "example.com", "1.2.3", "256.1.1.1", "1.2.3.4.5",
                            "::g", "1:2:3:4:5:6:7:8:9", " 8.8.8.8", "8.8.8.8 "})
        EXPECT_EQ(non_public_reason(bad), std::optional<std::string>("reserved")) << bad;
}

TEST(AddressBlockHost, LocalhostNamesAreLoopback) {
    for (const char* host :
         {"localhost", "LOCALHOST.", "LocalHost", "a.localhost", "x.y.localhost.", "localhost.."})
        EXPECT_EQ(non_public_host(host), std::optional<std::string>("loopback")) << host;
}

TEST(AddressBlockHost, AddressesAreJudgedAsAddresses) {
    EXPECT_EQ(non_public_host("127.0.0.1"), std::optional<std::string>("loopback"));
    EXPECT_EQ(non_public_host("::1"), std::optional<std::string>("loopback"));
    EXPECT_EQ(non_public_host("10.0.0.1"), std::optional<std::string>("private"));
    EXPECT_EQ(non_public_host("169.254.169.254"), std::optional<std::string>("cloud metadata"));
    EXPECT_EQ(non_public_host("::ffff:127.0.0.1"), std::optional<std::string>("loopback"));
    EXPECT_EQ(non_public_host("8.8.8.8"), std::nullopt);
}

TEST(AddressBlockHost, OtherNamesWaitForTheirAddresses) {
    for (const char* host :
         {"example.com", "notlocalhost", "localhost.example.com", "mylocalhost.net", "localhostx"})
        EXPECT_EQ(non_public_host(host), std::nullopt) << host;
}

TEST(AddressBlockParse, AddressesAreBlocksOfOne) {
    auto v4 = parse_address_block("10.1.2.3");
    ASSERT_TRUE(v4);
    EXPECT_EQ(v4->bytes, (std::vector<unsigned char>{10, 1, 2, 3}));
    EXPECT_EQ(v4->bits, 32);
    auto v6 = parse_address_block("::1");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->bytes.size(), 16u);
    EXPECT_EQ(v6->bytes.back(), 1);
    EXPECT_EQ(v6->bits, 128);
}

TEST(AddressBlockParse, MappedAddressesBecomeIpv4) {
    auto mapped = parse_address_block("::ffff:192.0.2.1");
    ASSERT_TRUE(mapped);
    EXPECT_EQ(mapped->bytes, (std::vector<unsigned char>{192, 0, 2, 1}));
    EXPECT_EQ(mapped->bits, 32);
}

TEST(AddressBlockParse, PrefixLengthsWithinTheFamily) {
    auto block = parse_address_block("10.0.0.0/8");
    ASSERT_TRUE(block);
    EXPECT_EQ(block->bits, 8);
    EXPECT_EQ(block->bytes, (std::vector<unsigned char>{10, 0, 0, 0}));
    ASSERT_TRUE(parse_address_block("0.0.0.0/0"));
    EXPECT_EQ(parse_address_block("0.0.0.0/0")->bits, 0);
    ASSERT_TRUE(parse_address_block("10.0.0.0/32"));
    ASSERT_TRUE(parse_address_block("2001:db8::/32"));
    EXPECT_EQ(parse_address_block("2001:db8::/32")->bits, 32);
    ASSERT_TRUE(parse_address_block("::/128"));
    EXPECT_EQ(parse_address_block("::/128")->bits, 128);
    ASSERT_TRUE(parse_address_block("10.0.0.0/008"));
    EXPECT_EQ(parse_address_block("10.0.0.0/008")->bits, 8);
}

TEST(AddressBlockParse, MalformedEntriesAreRefused) {
    for (const char* bad : {"", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8",
                            "10.0.0.0/1000", "10.0.0.0/ 8", "10.0.0.0/8/8", "10.0.0.0/x", "::/129",
                            "2001:db8::/200", "host.example", "10.0.0", "10.0.0.0 /8"})
        EXPECT_FALSE(parse_address_block(bad)) << bad;
}

TEST(AddressBlockContains, ComparesThePrefixOnly) {
    const auto block = *parse_address_block("10.1.2.3/8");
    EXPECT_TRUE(block_contains(block, *parse_address_block("10.200.0.1")));
    EXPECT_FALSE(block_contains(block, *parse_address_block("11.0.0.0")));
    const auto odd = *parse_address_block("192.0.2.0/25");
    EXPECT_TRUE(block_contains(odd, *parse_address_block("192.0.2.127")));
    EXPECT_FALSE(block_contains(odd, *parse_address_block("192.0.2.128")));
    const auto all_v4 = *parse_address_block("0.0.0.0/0");
    EXPECT_TRUE(block_contains(all_v4, *parse_address_block("255.255.255.255")));
    EXPECT_FALSE(block_contains(all_v4, *parse_address_block("::1")));
    const auto all_v6 = *parse_address_block("::/0");
    EXPECT_TRUE(block_contains(all_v6, *parse_address_block("2001:db8::1")));
    EXPECT_FALSE(block_contains(all_v6, *parse_address_block("8.8.8.8")));
    const auto one = *parse_address_block("2001:db8::1");
    EXPECT_TRUE(block_contains(one, *parse_address_block("2001:db8::1")));
    EXPECT_FALSE(block_contains(one, *parse_address_block("2001:db8::2")));
}

TEST(AddressBlockContains, MembershipInAList) {
    EXPECT_TRUE(address_in_blocks({}, "203.0.113.9"));
    EXPECT_TRUE(address_in_blocks({"10.0.0.0/8"}, "10.200.3.4"));
    EXPECT_FALSE(address_in_blocks({"10.0.0.0/8"}, "11.0.0.1"));
    EXPECT_TRUE(address_in_blocks({"192.0.2.7"}, "192.0.2.7"));
    EXPECT_FALSE(address_in_blocks({"192.0.2.7"}, "192.0.2.8"));
    EXPECT_TRUE(address_in_blocks({"192.0.2.0/24", "2001:db8::/32"}, "2001:db8:1::5"));
    EXPECT_FALSE(address_in_blocks({"2001:db8::/32"}, "2001:db9::1"));
    EXPECT_TRUE(address_in_blocks({"127.0.0.0/8"}, "::ffff:127.0.0.1"));
    EXPECT_TRUE(address_in_blocks({"::ffff:127.0.0.1"}, "127.0.0.1"));
    EXPECT_FALSE(address_in_blocks({"10.0.0.0/8"}, "not an address"));
    EXPECT_FALSE(address_in_blocks({"10.0.0.0/8"}, ""));
    // A malformed entry allows nothing, the good ones beside it still do.
    EXPECT_FALSE(address_in_blocks({"garbage"}, "10.0.0.1"));
    EXPECT_FALSE(address_in_blocks({"10.0.0.0/33"}, "10.0.0.1"));
    EXPECT_TRUE(address_in_blocks({"garbage", "10.0.0.0/8"}, "10.0.0.1"));
}

}  // namespace
}  // namespace ujumbe
