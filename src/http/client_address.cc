#include "http/client_address.h"

namespace ujumbe::http {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// "[2001:db8::1]" and "[2001:db8::1]:443" as the address alone.
std::string without_brackets(std::string_view s) {
    if (s.size() > 2 && s.front() == '[') {
        const auto close = s.find(']');
        if (close != std::string_view::npos) return std::string(s.substr(1, close - 1));
    }
    return std::string(s);
}

}  // namespace

Result<ClientAddress> ClientAddress::parse(std::string_view trusted_proxies) {
    ClientAddress out;
    UJ_ASSIGN(out.trusted_, parse_address_list(trusted_proxies, "trusted_proxies"));
    return out;
}

bool ClientAddress::trusted(const std::string& address) const {
    auto parsed = parse_address_block(address);
    if (!parsed) return false;
    for (const auto& block : trusted_)
        if (block_contains(block, *parsed)) return true;
    return false;
}

std::string ClientAddress::of(const std::string& peer, std::string_view forwarded_for) const {
    if (trusted_.empty() || forwarded_for.empty() || !trusted(peer)) return peer;
    std::string client = peer;
    // Right to left: each hop was added by the one after it; stop at the
    // first hop no trusted proxy vouches for, or at one that is no address.
    while (!forwarded_for.empty()) {
        const auto comma = forwarded_for.rfind(',');
        const std::string_view hop =
            trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
        forwarded_for =
            comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
        const std::string address = without_brackets(hop);
        auto parsed = parse_address_block(address);
        if (!parsed || parsed->bits != static_cast<int>(parsed->bytes.size()) * 8) break;
        client = address;
        if (!trusted(address)) break;
    }
    return client;
}

}  // namespace ujumbe::http
