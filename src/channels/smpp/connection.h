#pragma once
// An SMPP connection's stream, either side: TCP, or TLS over it.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>

#include "core/tls_stream.h"

namespace ujumbe::smpp {

using Connection = TlsOrPlain<boost::asio::ip::tcp::socket,
                              boost::asio::ssl::stream<boost::asio::ip::tcp::socket>>;

}  // namespace ujumbe::smpp
