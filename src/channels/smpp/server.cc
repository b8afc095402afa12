#include "channels/smpp/server.h"

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <vector>

#include "core/tls.h"

namespace ujumbe::smpp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

struct Server::Impl {
    Impl(asio::io_context& io_context, ServerOptions o, HandlerFactory f)
        : io(io_context),
          strand(asio::make_strand(io_context)),
          acceptor(strand),
          options(std::move(o)),
          factory(std::move(f)) {}

    asio::io_context& io;
    asio::strand<asio::io_context::executor_type> strand;
    tcp::acceptor acceptor;
    ServerOptions options;
    HandlerFactory factory;
    std::vector<std::weak_ptr<ServerSession>> sessions;
    std::uint16_t bound_port = 0;
    bool stopped = false;

    Status open() {
        error_code ec;
        tcp::resolver resolver(io);
        const auto found = resolver.resolve(options.host, std::to_string(options.port),
                                            tcp::resolver::passive, ec);
        if (ec || found.empty())
            return Error::invalid("listen", "cannot resolve " + options.host + ": " + ec.message());
        const tcp::endpoint endpoint = found.begin()->endpoint();
        acceptor.open(endpoint.protocol(), ec);
        if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec) acceptor.bind(endpoint, ec);
        if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
        if (ec)
            return Error::unavailable("cannot listen on " + options.host + ":" +
                                      std::to_string(options.port) + ": " + ec.message());
        bound_port = acceptor.local_endpoint(ec).port();
        return {};
    }

    std::size_t open_sessions() {
        std::erase_if(sessions, [](const std::weak_ptr<ServerSession>& w) {
            auto s = w.lock();
            return !s || s->closed();
        });
        return sessions.size();
    }

    asio::awaitable<void> accept(std::shared_ptr<Server> keep) {
        while (!stopped) {
            tcp::socket socket(io);
            error_code ec;
            co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
            if (stopped) break;
            if (ec) continue;  // a connection that failed before it was ours
            if (open_sessions() >= options.max_sessions) {
                socket.close(ec);
                continue;
            }
            socket.set_option(tcp::no_delay(true), ec);
            const auto remote = socket.remote_endpoint(ec);
            if (ec) continue;
            auto handler =
                factory(remote.address().to_string() + ":" + std::to_string(remote.port()));
            if (!handler) {
                socket.close(ec);
                continue;
            }
            auto session =
                ServerSession::create(io, std::move(socket), options.session, std::move(handler),
                                      options.tls ? options.tls->current() : nullptr);
            sessions.push_back(session);
            session->start();
        }
        (void)keep;
    }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() = default;

Result<std::shared_ptr<Server>> Server::listen(asio::io_context& io, ServerOptions options,
                                               HandlerFactory factory) {
    std::shared_ptr<Server> server(
        new Server(std::make_unique<Impl>(io, std::move(options), std::move(factory))));
    UJ_TRY(server->impl_->open());
    asio::co_spawn(server->impl_->strand, server->impl_->accept(server), asio::detached);
    return server;
}

std::uint16_t Server::port() const {
    return impl_->bound_port;
}

void Server::stop() {
    auto self = shared_from_this();
    asio::post(impl_->strand, [self] {
        Impl& impl = *self->impl_;
        if (impl.stopped) return;
        impl.stopped = true;
        error_code ec;
        impl.acceptor.close(ec);
        for (auto& weak : impl.sessions)
            if (auto session = weak.lock()) session->stop();
        impl.sessions.clear();
    });
}

}  // namespace ujumbe::smpp
