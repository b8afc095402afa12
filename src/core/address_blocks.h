#pragma once
// IP addresses and CIDR blocks ("10.0.0.0/8", "2001:db8::/32"): membership,
// with IPv4-mapped IPv6 addresses read as the IPv4 address they carry, and
// the one list of addresses an outbound request must not reach.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ujumbe {

// An address's bytes (4 or 16) and a prefix length.
struct AddressBlock {
    std::vector<unsigned char> bytes;
    int bits = 0;
};

// "addr" (a block of one) or "addr/bits"; nullopt when malformed.
std::optional<AddressBlock> parse_address_block(const std::string& entry);
bool block_contains(const AddressBlock& block, const AddressBlock& address);
// A comma-separated list of addresses and blocks (spaces and empty entries
// ignored); an error naming `field` and the first entry that is neither.
Result<std::vector<AddressBlock>> parse_address_list(std::string_view list,
                                                     const std::string& field);

// Whether `address` is in any of the blocks of `allowed` (addresses or CIDR
// blocks); an empty list allows every address, a malformed address none.
bool address_in_blocks(const std::vector<std::string>& allowed, const std::string& address);

// Why `address` is not a public unicast address a server may call on behalf
// of a tenant ("loopback", "private", "link-local", "cloud metadata",
// "carrier-grade NAT", "multicast", "unspecified", "reserved",
// "documentation"); nullopt for a public one. IPv4-mapped and NAT64
// (64:ff9b::/96) IPv6 addresses are judged by the IPv4 address they carry.
// A malformed address is "reserved".
std::optional<std::string> non_public_reason(const std::string& address);

// The same for a URL's host before any name is resolved: an address is
// judged as above, "localhost" and names under it are "loopback", any other
// name is nullopt (judge the addresses it resolves to).
std::optional<std::string> non_public_host(const std::string& host);

}  // namespace ujumbe
