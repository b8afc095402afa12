#pragma once
// The HTTP/1.1 server (Beast, one coroutine per connection): keep-alive,
// header and body limits, idle timeouts, routing, and a two-stage graceful
// shutdown (stop accepting and close idle connections; let in-flight
// requests finish; then close what is left). The only file that includes
// Beast.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "db/database.h"
#include "http/dispatcher.h"

namespace boost::asio {
class io_context;
}

namespace ujumbe::http {

struct ServerOptions {
    std::size_t max_body_bytes = 1024 * 1024;  // larger bodies: 413
    std::size_t max_header_bytes = 16 * 1024;  // larger headers: 431-style close
    std::chrono::seconds idle_timeout{60};     // keep-alive connection without a request
    std::chrono::seconds request_timeout{30};  // reading one request
    // Where routes with RouteOptions::spool_body receive their bodies.
    std::string spool_dir = "/tmp";
    // Reading a spooled upload may take this long.
    std::chrono::seconds upload_timeout{3600};
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
