#pragma once
// A connection of the HTTP server: TCP or TLS over Beast's tcp_stream
// (core/tls_stream.h), with the tcp_stream's timeouts and what Beast's
// WebSocket needs of its lower layer.

#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include "core/tls_stream.h"

namespace ujumbe::http {

class Stream : public TlsOrPlain<boost::beast::tcp_stream,
                                 boost::beast::ssl_stream<boost::beast::tcp_stream>> {
public:
    using TlsOrPlain::TlsOrPlain;

    boost::asio::ip::tcp::socket& socket() { return lower().socket(); }
    template <typename Time>
    void expires_after(Time t) {
        lower().expires_after(t);
    }
    template <typename Time>
    void expires_at(Time t) {
        lower().expires_at(t);
    }
    void expires_never() { lower().expires_never(); }

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
};

}  // namespace ujumbe::http
