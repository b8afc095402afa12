#include "core/address_blocks.h"

#include <array>
#include <boost/asio/ip/address.hpp>

#include "core/validate.h"

namespace ujumbe {

namespace {

std::vector<unsigned char> address_bytes(const boost::asio::ip::address& address) {
    if (address.is_v4()) {
        const auto raw = address.to_v4().to_bytes();
        return {raw.begin(), raw.end()};
    }
    const auto v6 = address.to_v6();
    if (v6.is_v4_mapped()) {
        const auto raw =
            boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_bytes();
        return {raw.begin(), raw.end()};
    }
    const auto raw = v6.to_bytes();
    return {raw.begin(), raw.end()};
}

struct SpecialBlock {
    const char* block;
    const char* reason;
};

// Special-purpose ranges (IANA's IPv4 and IPv6 registries) no tenant's
// request may reach. The metadata addresses come before the ranges holding
// them, so the reason names them.
constexpr std::array kSpecialBlocks = {
    SpecialBlock{"169.254.169.254/32", "cloud metadata"},
    SpecialBlock{"fd00:ec2::254/128", "cloud metadata"},
    SpecialBlock{"0.0.0.0/32", "unspecified"},
    SpecialBlock{"0.0.0.0/8", "reserved"},
    SpecialBlock{"10.0.0.0/8", "private"},
    SpecialBlock{"100.64.0.0/10", "carrier-grade NAT"},
    SpecialBlock{"127.0.0.0/8", "loopback"},
    SpecialBlock{"169.254.0.0/16", "link-local"},
    SpecialBlock{"172.16.0.0/12", "private"},
    SpecialBlock{"192.0.0.0/24", "reserved"},
    SpecialBlock{"192.0.2.0/24", "documentation"},
    SpecialBlock{"192.88.99.0/24", "reserved"},
    SpecialBlock{"192.168.0.0/16", "private"},
    SpecialBlock{"198.18.0.0/15", "reserved"},
    SpecialBlock{"198.51.100.0/24", "documentation"},
    SpecialBlock{"203.0.113.0/24", "documentation"},
    SpecialBlock{"224.0.0.0/4", "multicast"},
    SpecialBlock{"240.0.0.0/4", "reserved"},
    SpecialBlock{"::/128", "unspecified"},
    SpecialBlock{"::1/128", "loopback"},
    SpecialBlock{"::/96", "reserved"},           // the deprecated IPv4-compatible form
    SpecialBlock{"64:ff9b:1::/48", "reserved"},  // local-use NAT64 (RFC 8215)
    SpecialBlock{"100::/64", "reserved"},
    SpecialBlock{"2001::/23", "reserved"},
    SpecialBlock{"2001:db8::/32", "documentation"},
    SpecialBlock{"2002::/16", "reserved"},  // 6to4 wraps any IPv4 address
    SpecialBlock{"3fff::/20", "documentation"},
    SpecialBlock{"5f00::/16", "reserved"},  // segment routing
    SpecialBlock{"fc00::/7", "private"},
    SpecialBlock{"fe80::/10", "link-local"},
    SpecialBlock{"fec0::/10", "reserved"},
    SpecialBlock{"ff00::/8", "multicast"},
};

}  // namespace

std::optional<AddressBlock> parse_address_block(const std::string& entry) {
    const auto slash = entry.find('/');
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(entry.substr(0, slash), ec);
    if (ec) return std::nullopt;
    AddressBlock b;
    b.bytes = address_bytes(address);
    const int max_bits = static_cast<int>(b.bytes.size() * 8);
    b.bits = max_bits;
    if (slash != std::string::npos) {
        const std::string bits = entry.substr(slash + 1);
        if (bits.empty() || bits.size() > 3 ||
            bits.find_first_not_of("0123456789") != std::string::npos)
            return std::nullopt;
        b.bits = std::stoi(bits);
        if (b.bits > max_bits) return std::nullopt;
    }
    return b;
}

Result<std::vector<AddressBlock>> parse_address_list(std::string_view list,
                                                     const std::string& field) {
    std::vector<AddressBlock> out;
    while (!list.empty()) {
        const auto comma = list.find(',');
        std::string entry(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        std::erase_if(entry, [](char c) { return c == ' ' || c == '\t'; });
        if (entry.empty()) continue;
        auto block = parse_address_block(entry);
        if (!block)
            return Error::invalid(
                field, "'" + entry.substr(0, 64) + "' is not an address or a CIDR block");
        out.push_back(std::move(*block));
    }
    return out;
}

bool block_contains(const AddressBlock& block, const AddressBlock& address) {
    if (block.bytes.size() != address.bytes.size()) return false;
    for (int i = 0; i < block.bits; ++i) {
        const int byte = i / 8, bit = 7 - i % 8;
        if (((block.bytes[byte] >> bit) & 1) != ((address.bytes[byte] >> bit) & 1)) return false;
    }
    return true;
}

bool address_in_blocks(const std::vector<std::string>& allowed, const std::string& address) {
    if (allowed.empty()) return true;
    const auto peer = parse_address_block(address);
    if (!peer) return false;
    for (const auto& entry : allowed)
        if (auto block = parse_address_block(entry); block && block_contains(*block, *peer))
            return true;
    return false;
}

std::optional<std::string> non_public_reason(const std::string& address) {
    auto peer = parse_address_block(address);
    if (!peer) return "reserved";
    // NAT64 (64:ff9b::/96) carries an IPv4 address in its last four bytes.
    static const auto nat64 = *parse_address_block("64:ff9b::/96");
    if (block_contains(nat64, *peer)) {
        peer->bytes.erase(peer->bytes.begin(), peer->bytes.begin() + 12);
        peer->bits = 32;
    }
    static const auto blocks = [] {
        std::vector<std::pair<AddressBlock, const char*>> out;
        for (const auto& special : kSpecialBlocks)
            out.emplace_back(*parse_address_block(special.block), special.reason);
        return out;
    }();
    for (const auto& [block, reason] : blocks)
        if (block_contains(block, *peer)) return std::string(reason);
    return std::nullopt;
}

std::optional<std::string> non_public_host(const std::string& host) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    if (!ec) return non_public_reason(host);
    std::string name = ascii_lower(host);
    while (!name.empty() && name.back() == '.') name.pop_back();  // "localhost."
    if (name == "localhost" || name.ends_with(".localhost")) return std::string("loopback");
    return std::nullopt;
}

}  // namespace ujumbe
