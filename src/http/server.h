#pragma once
// The HTTP/1.1 server (Beast, one coroutine per connection): keep-alive,
// header and body limits, idle timeouts, routing, and a two-stage graceful
// shutdown (stop accepting and close idle connections; let in-flight
// requests finish; then close what is left), over TCP or TLS. The only
// file (with http/stream.h) that includes Beast.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "db/database.h"
#include "http/client_address.h"
#include "http/dispatcher.h"
#include "http/request_log.h"
#include "http/websocket.h"

namespace boost::asio {
class io_context;
}

namespace ujumbe {
class TlsCredentials;
}

namespace ujumbe::http {

struct ServerOptions {
    std::size_t max_body_bytes = 1024 * 1024;  // larger bodies: 413
    std::size_t max_header_bytes = 16 * 1024;  // larger headers: 431-style close
    std::chrono::seconds idle_timeout{60};     // keep-alive connection without a request
    // From a request's first byte to the end of its headers: a client that
    // trickles headers (slowloris) is cut off after this long.
    std::chrono::seconds header_timeout{10};
    std::chrono::seconds request_timeout{30};  // reading one in-memory body; writing
    // A body must arrive at this average rate (bytes a second) once the
    // grace period is over; a stalled or trickled body is cut off.
    std::size_t body_min_rate = 1024;
    std::chrono::seconds body_grace{10};
    // Connections open at once, in all and from one client address; more
    // are closed at once, unanswered.
    std::size_t max_connections = 10000;
    std::size_t max_connections_per_address = 256;
    // Spooled uploads in progress, in all and per account (429 past them).
    std::size_t max_uploads = 8;
    std::size_t max_uploads_per_account = 2;
    // Where routes with RouteOptions::spool_body receive their bodies.
    std::string spool_dir = "/tmp";
    // Reading a spooled upload may take this long.
    std::chrono::seconds upload_timeout{3600};
    WebSocketLimits websocket;
    // A WebSocket without a frame for this long is pinged; without an answer
    // for as long again, it is closed.
    std::chrono::seconds websocket_idle{30};
    // Hears of every request answered for a signed-in caller; may be null.
    RequestLogSink* request_log = nullptr;
    // Whose X-Forwarded-For names the client (reverse proxies); by
    // default no one's, and the client is the socket's peer.
    ClientAddress client_address;
    // Set: the listener speaks HTTPS only (each connection's handshake
    // within header_timeout); null: plain HTTP.
    std::shared_ptr<TlsCredentials> tls;
};

class Server {
public:
    // `contexts`: one io_context per I/O thread, each run by exactly one
    // thread; connections are spread over them.
    Server(std::vector<boost::asio::io_context*> contexts, Dispatcher& dispatcher, db::Database& db,
           ServerOptions options);
    ~Server();

    // Binds "host:port" (port 0 picks a free one) and starts accepting.
    // Returns the bound port.
    Result<std::uint16_t> listen(const std::string& address);

    // Stops accepting, closes idle connections and lets busy ones finish
    // their current request; after `grace`, closes the rest. Calls `done` on
    // an I/O thread when no connection is left.
    void shutdown(std::chrono::milliseconds grace, std::function<void()> done);

    // Connections open now (for tests and /readyz).
    std::size_t connections() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace ujumbe::http
