#pragma once
// A connection's byte stream, plain TCP or TLS over TCP, behind one type:
// the HTTP and WebSocket code reads, writes, times out and tears down
// either the same way. Timeouts and the socket are the TCP layer's.

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <utility>
#include <variant>

namespace ujumbe::http {

class Stream {
public:
    using Tcp = boost::beast::tcp_stream;
    using Tls = boost::beast::ssl_stream<Tcp>;
    using executor_type = Tcp::executor_type;

    explicit Stream(Tcp plain) : stream_(std::in_place_type<Tcp>, std::move(plain)) {}
    Stream(Tcp plain, boost::asio::ssl::context& context)
        : stream_(std::in_place_type<Tls>, std::move(plain), context) {}

    executor_type get_executor() { return tcp().get_executor(); }
    Tcp& tcp() {
        if (auto* tls = std::get_if<Tls>(&stream_)) return tls->next_layer();
        return std::get<Tcp>(stream_);
    }
    Tls* tls() { return std::get_if<Tls>(&stream_); }
    boost::asio::ip::tcp::socket& socket() { return tcp().socket(); }

    template <typename Time>
    void expires_after(Time t) {
        tcp().expires_after(t);
    }
    template <typename Time>
    void expires_at(Time t) {
        tcp().expires_at(t);
    }
    void expires_never() { tcp().expires_never(); }

    template <typename Buffers, typename Token>
    auto async_read_some(const Buffers& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
            [this](auto handler, const Buffers& b) {
                std::visit([&](auto& s) { s.async_read_some(b, std::move(handler)); }, stream_);
            },
            token, buffers);
    }
    template <typename Buffers, typename Token>
    auto async_write_some(const Buffers& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
            [this](auto handler, const Buffers& b) {
                std::visit([&](auto& s) { s.async_write_some(b, std::move(handler)); }, stream_);
            },
            token, buffers);
    }

    // What Beast calls, found through argument lookup: closing the socket
    // (a WebSocket's timeout) and a WebSocket's end.
    friend void beast_close_socket(Stream& s) {
        boost::beast::error_code ignored;
        s.socket().close(ignored);
    }
    friend void teardown(boost::beast::role_type role, Stream& s, boost::beast::error_code& ec) {
        std::visit(
            [&](auto& inner) {
                using boost::beast::websocket::teardown;
                teardown(role, inner, ec);
            },
            s.stream_);
    }
    template <typename Handler>
    friend void async_teardown(boost::beast::role_type role, Stream& s, Handler&& handler) {
        std::visit(
            [&](auto& inner) {
                using boost::beast::websocket::async_teardown;
                async_teardown(role, inner, std::forward<Handler>(handler));
            },
            s.stream_);
    }

private:
    std::variant<Tcp, Tls> stream_;
};

}  // namespace ujumbe::http
