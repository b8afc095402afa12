#pragma once
// A connection's byte stream, plain or TLS over the same lower layer,
// behind one type: the protocol code above (HTTP, WebSocket, SMPP) reads
// and writes either the same way, and chooses per connection. `Plain` is
// the lower layer (a socket, Beast's tcp_stream), `Tls` a TLS stream over
// it (Asio's or Beast's), both with Asio's stream operations.

#include <boost/asio/async_result.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <utility>
#include <variant>

namespace ujumbe {

template <typename Plain, typename Tls>
class TlsOrPlain {
public:
    using executor_type = typename Plain::executor_type;

    explicit TlsOrPlain(Plain plain) : stream_(std::in_place_type<Plain>, std::move(plain)) {}
    TlsOrPlain(Plain plain, boost::asio::ssl::context& context)
        : stream_(std::in_place_type<Tls>, std::move(plain), context) {}

    executor_type get_executor() { return lower().get_executor(); }
    // The lower layer, under TLS or not: timeouts and the socket are its.
    Plain& lower() {
        if (auto* tls = std::get_if<Tls>(&stream_)) return tls->next_layer();
        return std::get<Plain>(stream_);
    }
    Tls* tls() { return std::get_if<Tls>(&stream_); }

    template <typename Buffers, typename Token>
    auto async_read_some(const Buffers& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const Buffers& b) {
                std::visit([&](auto& s) { s.async_read_some(b, std::move(handler)); }, stream_);
            },
            token, buffers);
    }
    template <typename Buffers, typename Token>
    auto async_write_some(const Buffers& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const Buffers& b) {
                std::visit([&](auto& s) { s.async_write_some(b, std::move(handler)); }, stream_);
            },
            token, buffers);
    }

protected:
    std::variant<Plain, Tls> stream_;
};

}  // namespace ujumbe
