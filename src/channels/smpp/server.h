#pragma once
// The SMSC side's listener: accepts TCP (or TLS) connections on one address and
// runs a ServerSession for each, with a handler the factory makes. Bounded:
// past max_sessions open connections, new ones are closed at once.
// Everything runs on the io_context given; stop() may be called from any
// thread.

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "channels/smpp/server_session.h"
#include "core/result.h"

namespace ujumbe {
class TlsCredentials;
}

namespace ujumbe::smpp {

struct ServerOptions {
    std::string host = "127.0.0.1";  // an address or a name that resolves to one
    std::uint16_t port = 2775;       // 0: any free port (see Server::port())
    std::size_t max_sessions = 64;   // open connections at once
    ServerSessionOptions session;
    // Set: SMPP over TLS only, each connection with the credentials'
    // context current when it arrives; null: plain TCP.
    std::shared_ptr<TlsCredentials> tls;
};

// A handler for a new connection from `peer` ("address:port"); nullptr
// refuses the connection.
using HandlerFactory =
    std::function<std::shared_ptr<ServerSessionHandler>(const std::string& peer)>;

class Server : public std::enable_shared_from_this<Server> {
public:
    // Binds and starts accepting; an error when the address cannot be
    // resolved or bound.
    static Result<std::shared_ptr<Server>> listen(boost::asio::io_context& io,
                                                  ServerOptions options, HandlerFactory factory);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    std::uint16_t port() const;  // the bound port
    // Stops accepting and stops every session (unbind, then close).
    void stop();

private:
    struct Impl;
    explicit Server(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ujumbe::smpp
