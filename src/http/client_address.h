#pragma once
// Who a request comes from. Straight from a client, the socket's peer.
// Through a reverse proxy the operator trusts (trusted_proxies), the address
// the proxy says it serves: X-Forwarded-For read from the right, skipping
// the trusted proxies' own addresses, as far as the first address that is
// not one of them. From anyone else the header is ignored: a client cannot
// choose its own address.

#include <string>
#include <string_view>
#include <vector>

#include "core/address_blocks.h"
#include "core/result.h"

namespace ujumbe::http {

class ClientAddress {
public:
    ClientAddress() = default;  // trusts no proxy

    // A comma-separated list of addresses and CIDR blocks (the
    // trusted_proxies setting).
    static Result<ClientAddress> parse(std::string_view trusted_proxies);

    bool trusts_any() const { return !trusted_.empty(); }

    // `peer`: the socket's address; `forwarded_for`: every X-Forwarded-For
    // value of the request, joined by commas in their order.
    std::string of(const std::string& peer, std::string_view forwarded_for) const;

private:
    bool trusted(const std::string& address) const;

    std::vector<AddressBlock> trusted_;
};

}  // namespace ujumbe::http
