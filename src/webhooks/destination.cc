#include <utility>  // before Asio (g++ 12)

#include "webhooks/destination.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "channels/http_client.h"
#include "core/address_blocks.h"

namespace ujumbe::webhooks {

std::optional<std::string> destination_problem(const std::string& url, bool allow_private) {
    const auto parsed = channels::parse_url(url);
    if (!parsed) return "Must be an absolute http(s) URL without credentials.";
    if (allow_private) return std::nullopt;
    if (auto why = non_public_host(parsed->host))
        return "Must reach a public address (" + *why + " addresses are refused).";
    boost::asio::io_context io;
    boost::asio::ip::tcp::resolver resolver(io);
    boost::system::error_code ec;
    const auto found = resolver.resolve(parsed->host, parsed->port, ec);
    if (ec || found.empty()) return "Its host name does not resolve.";
    for (const auto& entry : found)
        if (auto why = non_public_reason(entry.endpoint().address().to_string()))
            return "Must reach a public address (it resolves to a " + *why + " address).";
    return std::nullopt;
}

}  // namespace ujumbe::webhooks
