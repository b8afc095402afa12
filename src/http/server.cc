#include <utility>  // before Asio: g++ 12 needs it for coroutine support headers

#include "http/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <limits>
#include <mutex>
#include <type_traits>
#include <unordered_map>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/tls.h"
#include "http/envelope.h"
#include "http/stream.h"

namespace ujumbe::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

namespace {

// A running WebSocket: the stream, and what waits to be written to it.
// Touched only on its connection's I/O thread (send and close post there).
class WsPeer final : public WebSocketPeer, public std::enable_shared_from_this<WsPeer> {
public:
    WsPeer(Stream stream, WebSocketLimits limits)
        : ws(std::move(stream)), limits_(limits), cut_(ws.get_executor()) {}

    void send(std::string text) override {
        asio::post(ws.get_executor(),
                   [self = shared_from_this(), text = std::move(text)]() mutable {
                       self->enqueue(std::move(text));
                   });
    }
    void close(std::uint16_t code, std::string reason) override {
        asio::post(ws.get_executor(),
                   [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
                       self->start_close(code, std::move(reason));
                   });
    }
    // The reader saw the end: nothing more is written.
    void ended() {
        ended_ = true;
        queue_.clear();
        cut_.cancel();
    }
    // Closes now, whatever is being written (the server stops).
    void cut() {
        beast::error_code ignored;
        ws.next_layer().socket().close(ignored);
    }

    websocket::stream<Stream> ws;

private:
    void enqueue(std::string text) {
        if (closing_ || ended_) return;
        if (queue_.size() >= limits_.max_queued_frames ||
            queued_bytes_ + text.size() > limits_.max_queued_bytes) {
            // It does not read what it is sent: cut off, not buffered.
            queue_.clear();
            queued_bytes_ = 0;
            start_close(kClosePolicy, "too slow: messages were not read");
            return;
        }
        queued_bytes_ += text.size();
        queue_.push_back(std::move(text));
        if (!writing_) write_next();
    }
    void write_next() {
        if (ended_) return;
        if (closing_ && queue_.empty()) {
            send_close();
            return;
        }
        if (queue_.empty()) return;
        writing_ = true;
        ws.text(true);
        ws.async_write(asio::buffer(queue_.front()),
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                           self->writing_ = false;
                           if (ec || self->ended_) return;
                           self->queued_bytes_ -= self->queue_.front().size();
                           self->queue_.pop_front();
                           self->write_next();
                       });
    }
    void start_close(std::uint16_t code, std::string reason) {
        if (closing_ || ended_) return;
        closing_ = true;
        reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
        queue_.clear();
        queued_bytes_ = 0;
        if (!writing_) {
            send_close();
            return;
        }
        // A write is stuck on a client that does not read: the close frame
        // waits for it a little, then the connection is cut.
        cut_.expires_after(std::chrono::seconds(5));
        cut_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (!ec && self->writing_) self->cut();
        });
    }
    void send_close() {
        ws.async_close(reason_, [self = shared_from_this()](beast::error_code) { self->cut(); });
    }

    WebSocketLimits limits_;
    std::deque<std::string> queue_;
    std::size_t queued_bytes_ = 0;
    bool writing_ = false, closing_ = false, ended_ = false;
    websocket::close_reason reason_;
    asio::steady_timer cut_;
};

// Runs fn() on a database thread and resumes the coroutine with its result
// on the coroutine's executor. The I/O thread never blocks on the database.
template <typename F, typename R = std::invoke_result_t<F&>>
asio::awaitable<R> on_db_thread(db::Database& db, F fn) {
    return asio::async_initiate<const asio::use_awaitable_t<>, void(R)>(
        [&db, fn = std::move(fn)](auto handler) mutable {
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            db.post([h, fn = std::move(fn)](db::Connection&) mutable {
                R result = fn();
                auto ex = asio::get_associated_executor(*h);
                asio::post(ex,
                           [h, result = std::move(result)]() mutable { (*h)(std::move(result)); });
            });
        },
        asio::use_awaitable);
}

bool expects_continue(const bhttp::request_header<>& in) {
    return beast::iequals(in[bhttp::field::expect], "100-continue");
}

// Request ids: a random prefix per process and a counter, so making one
// costs no system call. Unique per process run, unguessable across runs.
std::string new_request_id() {
    static const std::string prefix = random_token(6);
    static std::atomic<std::uint64_t> counter{0};
    char buf[24];
    const int n = std::snprintf(buf, sizeof buf, "%012llx",
                                static_cast<unsigned long long>(counter.fetch_add(1) + 1));
    return prefix + std::string(buf, static_cast<std::size_t>(n));
}

std::string request_id_for(const Request& req) {
    if (auto given = req.header("x-request-id")) {
        const bool sane = !given->empty() && given->size() <= 64 &&
                          std::all_of(given->begin(), given->end(), [](char c) {
                              return std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                                     c == '_' || c == '.';
                          });
        if (sane) return std::string(*given);
    }
    return new_request_id();
}

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
    struct Session {
        // The context a TLS connection was accepted with (null: plain).
        std::shared_ptr<asio::ssl::context> tls;
        Stream stream;
        std::atomic<bool> busy{false};
        // Set while the connection is a WebSocket (its stream moved there);
        // on the connection's executor only.
        std::shared_ptr<WsPeer> websocket;
        bool upgraded = false;  // the stream moved to a WebSocket
        const asio::any_io_executor executor;
        Session(tcp::socket socket, std::shared_ptr<asio::ssl::context> context)
            : tls(std::move(context)),
              stream(tls ? Stream(beast::tcp_stream(std::move(socket)), *tls)
                         : Stream(beast::tcp_stream(std::move(socket)))),
              executor(stream.get_executor()) {}
    };

    std::vector<asio::io_context*> contexts;  // one per I/O thread
    std::atomic<std::size_t> next_context{0};
    Dispatcher& dispatcher;
    db::Database& db;
    ServerOptions options;
    tcp::acceptor acceptor;
    std::atomic<bool> draining{false};
    mutable std::mutex sessions_mutex;
    std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
    std::unordered_map<std::string, std::size_t> per_address;  // open connections
    std::mutex uploads_mutex;
    std::size_t uploads = 0;
    std::unordered_map<std::string, std::size_t> uploads_per_account;
    // Every answer by route template, method and status (docs/metrics.md).
    metrics::CounterFamily& requests_total;
    metrics::HistogramFamily& request_seconds;

    Impl(std::vector<asio::io_context*> ios, Dispatcher& d, db::Database& db_, ServerOptions o)
        : contexts(std::move(ios)),
          dispatcher(d),
          db(db_),
          options(o),
          acceptor(*contexts.front()),
          requests_total(metrics::Registry::global().counter("ujumbe_http_requests_total",
                                                             "HTTP requests answered.",
                                                             {"route", "method", "status"})),
          request_seconds(metrics::Registry::global().histogram(
              "ujumbe_http_request_duration_seconds",
              "Time from a request's last byte to its answer, by route template.",
              {"route", "method"})) {}

    // A request as the metrics count it: its route's template, never its path.
    void count(const Request& req, std::string_view route, int status, double seconds) {
        const std::string method(method_name(req.method));
        const std::string pattern(route);
        requests_total.add({pattern, method, std::to_string(status)});
        request_seconds.observe({pattern, method}, seconds);
    }

    // Connections are spread over the I/O threads' contexts. Each context is
    // run by one thread, so a connection's handlers never run concurrently
    // and need no strand.
    asio::io_context& pick_context() {
        return *contexts[next_context.fetch_add(1, std::memory_order_relaxed) % contexts.size()];
    }

    asio::awaitable<void> accept_loop() {
        auto self = shared_from_this();
        for (;;) {
            beast::error_code ec;
            tcp::socket socket = co_await acceptor.async_accept(
                pick_context(), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                if (!acceptor.is_open() || draining) co_return;
                log::warn("accept failed", {{"error", ec.message()}});
                continue;
            }
            std::string address;
            if (auto ep = socket.remote_endpoint(ec); !ec) address = ep.address().to_string();
            socket.set_option(tcp::no_delay(true), ec);
            auto session = std::make_shared<Session>(
                std::move(socket), options.tls ? options.tls->current() : nullptr);
            {
                std::lock_guard lock(sessions_mutex);
                std::size_t& from_address = per_address[address];
                if (sessions.size() >= options.max_connections ||
                    from_address >= options.max_connections_per_address) {
                    // Over a cap: closed unanswered; answering would cost
                    // what the cap protects.
                    if (from_address == 0) per_address.erase(address);
                    session->stream.socket().close(ec);
                    continue;
                }
                ++from_address;
                sessions.emplace(session.get(), session);
            }
            asio::co_spawn(session->executor, run_session(session, address), asio::detached);
        }
    }

    // The client's address: the peer's, or what a trusted proxy says.
    std::string client_of(const bhttp::request_header<>& in, const std::string& peer) const {
        if (!options.client_address.trusts_any()) return peer;
        std::string forwarded;
        for (const auto& field : in)
            if (beast::iequals(field.name_string(), "x-forwarded-for")) {
                if (!forwarded.empty()) forwarded += ',';
                forwarded += field.value();
            }
        return options.client_address.of(peer, forwarded);
    }

    static Request to_request(const bhttp::request_header<>& in, const std::string& ip) {
        Request req;
        req.method = parse_method(in.method_string());
        req.target = std::string(in.target());
        req.remote_ip = ip;
        req.headers.reserve(8);
        for (const auto& field : in) {
            std::string name(field.name_string());
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            req.headers.emplace_back(std::move(name), std::string(field.value()));
        }
        return req;
    }

    // The route a request header names, or null (its body limit and whether
    // the body goes to a file depend on it).
    const Route* route_of(const bhttp::request_header<>& in) const {
        std::string path;
        std::multimap<std::string, std::string> query;
        if (!parse_target(in.target(), path, query)) return nullptr;
        auto matched = dispatcher.router().match(parse_method(in.method_string()), path);
        auto* m = std::get_if<Router::Match>(&matched);
        return m ? m->route : nullptr;
    }

    asio::awaitable<void> send_continue(Session& s, const bhttp::request_header<>& in,
                                        beast::error_code& ec) {
        if (!expects_continue(in)) co_return;
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, in.version()};
        co_await bhttp::async_write(s.stream, cont, asio::redirect_error(asio::use_awaitable, ec));
    }

    // Holds an upload slot until the request is answered.
    struct UploadSlot {
        UploadSlot(std::shared_ptr<Impl> owner, std::string of)
            : impl(std::move(owner)), account(std::move(of)) {}
        UploadSlot(const UploadSlot&) = delete;
        UploadSlot& operator=(const UploadSlot&) = delete;
        ~UploadSlot() {
            std::lock_guard lock(impl->uploads_mutex);
            --impl->uploads;
            if (--impl->uploads_per_account[account] == 0) impl->uploads_per_account.erase(account);
        }
        std::shared_ptr<Impl> impl;
        std::string account;
    };

    std::shared_ptr<UploadSlot> take_upload_slot(const std::string& account) {
        {
            std::lock_guard lock(uploads_mutex);
            std::size_t& mine = uploads_per_account[account];
            if (uploads >= options.max_uploads || mine >= options.max_uploads_per_account) {
                if (mine == 0) uploads_per_account.erase(account);
                return nullptr;
            }
            ++uploads;
            ++mine;
        }
        return std::make_shared<UploadSlot>(shared_from_this(), account);
    }

    // Reads a body into `parser` at no less than the minimum rate: after
    // the grace period, each byte must have come within 1/min_rate seconds
    // on average, and the whole body within `cap`.
    template <typename Parser>
    asio::awaitable<void> read_paced(Session& s, beast::flat_buffer& buffer, Parser& parser,
                                     std::chrono::seconds cap, beast::error_code& ec) {
        using clock = std::chrono::steady_clock;
        const auto start = clock::now();
        const auto rate = std::max<std::size_t>(1, options.body_min_rate);
        std::uint64_t received = 0;
        while (!parser.is_done()) {
            const auto earned = std::chrono::milliseconds(received * 1000 / rate);
            s.stream.expires_at(
                std::min(start + options.body_grace + earned, clock::time_point(start + cap)));
            received += co_await bhttp::async_read_some(
                s.stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return;
        }
    }

    // Decides, from the header alone, whether the body may be read: an
    // authenticated route without usable credentials is refused before a
    // byte of it is read, and an upload is authenticated and authorized (on
    // a database thread) and given a slot before anything is spooled.
    asio::awaitable<std::optional<Response>> admit(const Route& route, const Request& head,
                                                   std::shared_ptr<UploadSlot>& slot) {
        if (auto refusal = dispatcher.precheck(route, head)) co_return refusal;
        if (!route.options.spool_body || !route.options.authenticated) co_return std::nullopt;
        auto principal = co_await on_db_thread(db, [this, &route, &head] {
            try {
                return dispatcher.authorize(route, head);
            } catch (const std::exception& e) {
                return Result<Principal>(Error::internal(e.what()));
            }
        });
        if (!principal) co_return error_response(principal.error());
        slot = take_upload_slot(principal->account_id.value);
        if (!slot) co_return error_response(Error::rate_limited(5));
        co_return std::nullopt;
    }

    // Reads the body of a request whose header `header` has read: into a
    // file for spooling routes, else into memory. `refusal` is set when the
    // request is answered without reading its body (the connection closes).
    asio::awaitable<Request> read_body(Session& s, beast::flat_buffer& buffer,
                                       bhttp::request_parser<bhttp::empty_body>& header,
                                       const std::string& ip, beast::error_code& ec,
                                       std::optional<Response>& refusal,
                                       std::shared_ptr<UploadSlot>& slot) {
        const Route* route = route_of(header.get());
        // A request without a body goes through the usual chain (and keeps
        // its connection); one with a body must first show credentials.
        const bool has_body = header.chunked() || header.content_length().value_or(0) > 0;
        if (route && has_body) {
            const Request head = to_request(header.get(), ip);
            refusal = co_await admit(*route, head, slot);
            if (refusal) co_return Request{};
        }
        const Route* spool = route && route->options.spool_body ? route : nullptr;
        const std::uint64_t limit = route && route->options.max_body_bytes
                                        ? route->options.max_body_bytes
                                        : options.max_body_bytes;
        // Beast checks a Content-Length against the limit only when the
        // header completes, and the header parser had none: check it here.
        if (auto length = header.content_length(); length && *length > limit) {
            ec = bhttp::error::body_limit;
            co_return Request{};
        }
        if (!spool) {
            bhttp::request_parser<bhttp::string_body> parser(std::move(header));
            parser.body_limit(limit);
            co_await send_continue(s, parser.get(), ec);
            if (!ec) co_await read_paced(s, buffer, parser, options.request_timeout, ec);
            Request req = to_request(parser.get(), ip);
            req.body = std::move(parser.get().body());
            co_return req;
        }
        bhttp::request_parser<bhttp::file_body> parser(std::move(header));
        parser.body_limit(limit);
        std::error_code fs_ec;
        std::filesystem::create_directories(options.spool_dir, fs_ec);
        const std::string path =
            (std::filesystem::path(options.spool_dir) / ("body-" + new_request_id())).string();
        parser.get().body().open(path.c_str(), beast::file_mode::write, ec);
        if (ec) {
            // The connection closes unanswered: its body was never read.
            log::error("cannot spool a request body", {{"path", path}, {"error", ec.message()}});
            co_return Request{};
        }
        Request req = to_request(parser.get(), ip);
        req.body_file = path;
        co_await send_continue(s, parser.get(), ec);
        if (!ec) co_await read_paced(s, buffer, parser, options.upload_timeout, ec);
        beast::error_code close_ec;
        parser.get().body().close();
        req.body_file_size = std::filesystem::file_size(path, fs_ec);
        if (ec) std::filesystem::remove(path, fs_ec);
        co_return req;
    }

    // `pattern` is set to the matched route's template ("unmatched" else);
    // `caller` to who the request was answered for, when the request log
    // wants it and the route signed someone in.
    asio::awaitable<Response> respond(Request& req, const std::string& request_id,
                                      std::string_view& pattern,
                                      std::optional<RequestLine>& caller) {
        pattern = "unmatched";
        if (!parse_target(req.target, req.path, req.query))
            co_return error_response(Error::malformed("The request target is malformed"));
        auto matched = dispatcher.router().match(req.method, req.path);
        if (auto* miss = std::get_if<Router::NoMatch>(&matched)) co_return no_route(*miss);
        auto& m = std::get<Router::Match>(matched);
        pattern = m.route->pattern;
        RequestContext ctx{request_id, std::move(m.params), std::nullopt};
        Response res;
        if (!m.route->options.on_db_thread) {
            res = dispatcher.handle(*m.route, ctx, req);
        } else {
            const Route* route = m.route;
            res = co_await on_db_thread(db,
                                        [&, route] { return dispatcher.handle(*route, ctx, req); });
        }
        if (options.request_log && ctx.principal) {
            caller.emplace();
            caller->account_id = ctx.principal->account_id;
            caller->user_id = ctx.principal->user_id;
            caller->api_key_id = ctx.principal->api_key_id;
        }
        co_return res;
    }

    template <typename Message>
    static void set_headers(Message& out, const Response& res, const std::string& request_id,
                            bool keep_alive) {
        out.set(bhttp::field::content_type, res.content_type);
        out.set("X-Request-Id", request_id);
        for (auto& [name, value] : res.headers) out.set(name, value);
        out.keep_alive(keep_alive);
    }

    asio::awaitable<void> write(Session& s, Response& res, unsigned version, bool keep_alive,
                                const std::string& request_id, beast::error_code& ec) {
        if (res.stream) {
            co_await write_stream(s, res, version, keep_alive, request_id, ec);
            co_return;
        }
        bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(res.status), version};
        set_headers(out, res, request_id, keep_alive);
        out.body() = std::move(res.body);
        out.prepare_payload();
        co_await bhttp::async_write(s.stream, out, asio::redirect_error(asio::use_awaitable, ec));
    }

    // A chunked answer whose pieces come from res.stream on a database
    // thread, one at a time: memory holds one piece, not the whole body.
    asio::awaitable<void> write_stream(Session& s, Response& res, unsigned version, bool keep_alive,
                                       const std::string& request_id, beast::error_code& ec) {
        bhttp::response<bhttp::empty_body> head{static_cast<bhttp::status>(res.status), version};
        set_headers(head, res, request_id, keep_alive);
        head.chunked(true);
        bhttp::response_serializer<bhttp::empty_body> serializer{head};
        co_await bhttp::async_write_header(s.stream, serializer,
                                           asio::redirect_error(asio::use_awaitable, ec));
        auto produce = res.stream;
        for (std::string piece; !ec;) {
            piece.clear();
            Result<bool> more = co_await on_db_thread(db, [&produce, &piece] {
                try {
                    return produce(piece);
                } catch (const std::exception& e) {
                    return Result<bool>(Error::internal(e.what()));
                }
            });
            if (!more) {
                log::error("streamed answer failed",
                           {{"request_id", request_id}, {"error", more.error().message}});
                ec = asio::error::connection_aborted;  // cut: the body is incomplete
                co_return;
            }
            s.stream.expires_after(options.request_timeout);
            if (!piece.empty())
                co_await asio::async_write(s.stream, bhttp::make_chunk(asio::buffer(piece)),
                                           asio::redirect_error(asio::use_awaitable, ec));
            if (!*more) break;
        }
        if (!ec)
            co_await asio::async_write(s.stream, bhttp::make_chunk_last(),
                                       asio::redirect_error(asio::use_awaitable, ec));
    }

    // Waits for a request's first byte (up to the idle timeout), then
    // allows the header timeout for the rest of its headers.
    asio::awaitable<void> read_header(Session& s, beast::flat_buffer& buffer,
                                      bhttp::request_parser<bhttp::empty_body>& header,
                                      beast::error_code& ec) {
        if (buffer.size() == 0) {
            s.stream.expires_after(options.idle_timeout);
            const std::size_t n = co_await s.stream.async_read_some(
                buffer.prepare(4096), asio::redirect_error(asio::use_awaitable, ec));
            buffer.commit(n);
            if (ec) co_return;
        }
        s.stream.expires_after(options.header_timeout);
        co_await bhttp::async_read_header(s.stream, buffer, header,
                                          asio::redirect_error(asio::use_awaitable, ec));
    }

    asio::awaitable<void> run_session(std::shared_ptr<Session> session, std::string ip) {
        auto self = shared_from_this();
        Session& s = *session;
        beast::flat_buffer buffer;
        beast::error_code ec;
        if (auto* tls = s.stream.tls()) {
            // The handshake is the headers' first part: it gets their time.
            s.stream.expires_after(options.header_timeout);
            co_await tls->async_handshake(asio::ssl::stream_base::server,
                                          asio::redirect_error(asio::use_awaitable, ec));
            if (ec) log::debug("TLS handshake failed", {{"ip", ip}, {"error", ec.message()}});
        }
        while (!ec && !draining) {
            bhttp::request_parser<bhttp::empty_body> header;
            header.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
            // The route decides the limit: see read_body.
            header.body_limit(std::numeric_limits<std::uint64_t>::max());
            co_await read_header(s, buffer, header, ec);
            const bool header_done = header.is_header_done();
            Request req;
            unsigned version = 11;
            bool keep_alive = false;
            std::optional<Response> refusal;
            std::shared_ptr<UploadSlot> upload_slot;
            if (!ec) {
                s.busy = true;
                version = header.get().version();
                keep_alive = header.get().keep_alive();
                req = co_await read_body(s, buffer, header, client_of(header.get(), ip), ec,
                                         refusal, upload_slot);
            }
            if (refusal) {
                // The body was never read: the connection cannot go on.
                s.stream.expires_after(options.request_timeout);
                co_await write(s, *refusal, version, false, new_request_id(), ec);
                break;
            }
            if (ec == bhttp::error::body_limit) {
                Response res =
                    error_response(Error{ErrorCode::kPayloadTooLarge, "PAYLOAD_TOO_LARGE",
                                         "Request body exceeds the size limit"});
                co_await write(s, res, 11, false, new_request_id(), ec);
                break;
            }
            if (ec) {
                const bool quiet = ec == bhttp::error::end_of_stream ||
                                   ec == asio::error::operation_aborted ||
                                   ec == beast::error::timeout || ec == asio::error::eof ||
                                   ec == asio::error::connection_reset;
                if (!quiet && !header_done) {
                    // Not HTTP we can parse: answer once, then hang up.
                    Response res = error_response(Error::malformed("Malformed HTTP request"));
                    co_await write(s, res, 11, false, new_request_id(), ec);
                }
                break;
            }
            s.stream.expires_never();
            const Micros started = SystemClock::instance().now();
            const auto began = std::chrono::steady_clock::now();  // immune to clock steps
            const std::string request_id = request_id_for(req);
            std::string_view route;
            std::optional<RequestLine> line;
            Response res = co_await respond(req, request_id, route, line);
            const double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
            count(req, route, res.status, seconds);
            if (line) {
                line->at = started;
                line->method = req.method;
                line->route = route;
                line->status = res.status;
                line->duration_us = static_cast<Micros>(seconds * 1e6);
                line->ip = req.remote_ip;
                line->request_id = request_id;
                options.request_log->record(std::move(*line));
            }
            if (log::enabled(log::Level::kInfo))
                log::info("request", {{"request_id", request_id},
                                      {"method", method_name(req.method)},
                                      {"path", req.path},
                                      {"status", res.status},
                                      {"duration_us", SystemClock::instance().now() - started},
                                      {"ip", req.remote_ip}});
            if (res.upgrade) {
                co_await run_websocket(s, req, std::move(res.upgrade));
                break;
            }
            s.stream.expires_after(options.request_timeout);
            if (req.method == Method::kHead) res.stream = nullptr;
            co_await write(s, res, version, keep_alive && !draining, request_id, ec);
            if (!req.body_file.empty()) {
                std::error_code gone;
                std::filesystem::remove(req.body_file, gone);  // unless the handler took it
            }
            s.busy = false;
            if (ec || !keep_alive) break;
        }
        if (!s.upgraded) {
            if (auto* tls = s.stream.tls(); tls && !ec) {
                // A clean end says so (close_notify), briefly.
                s.stream.expires_after(std::chrono::seconds(2));
                co_await tls->async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
            }
            s.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
            s.stream.lower().close();
        }
        std::lock_guard lock(sessions_mutex);
        sessions.erase(session.get());
        if (auto it = per_address.find(ip); it != per_address.end() && --it->second == 0)
            per_address.erase(it);
    }

    // Accepts the WebSocket a route agreed to and runs it until it ends:
    // frames to the session, the peer writing what the session sends.
    asio::awaitable<void> run_websocket(Session& s, const Request& req,
                                        std::shared_ptr<WebSocketSession> session) {
        bhttp::request<bhttp::empty_body> upgrade{bhttp::verb::get, req.target, 11};
        for (const auto& [name, value] : req.headers) upgrade.insert(name, value);
        s.stream.expires_never();  // the WebSocket keeps its own time
        // A fixed, small kernel buffer: a client that stops reading fills it
        // soon and shows in the queue (autotuning would grow it to megabytes).
        beast::error_code ignored;
        s.stream.socket().set_option(asio::socket_base::send_buffer_size(64 * 1024), ignored);
        auto peer = std::make_shared<WsPeer>(std::move(s.stream), options.websocket);
        s.upgraded = true;
        s.websocket = peer;
        s.busy = false;
        websocket::stream_base::timeout timeouts;
        timeouts.handshake_timeout = options.header_timeout;
        timeouts.idle_timeout = options.websocket_idle;
        timeouts.keep_alive_pings = true;
        peer->ws.set_option(timeouts);
        peer->ws.read_message_max(options.websocket.max_frame_bytes);
        beast::error_code ec;
        co_await peer->ws.async_accept(upgrade, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            peer->cut();
            s.websocket.reset();
            co_return;
        }
        session->on_open(peer);
        beast::flat_buffer frame;
        for (;;) {
            frame.clear();
            co_await peer->ws.async_read(frame, asio::redirect_error(asio::use_awaitable, ec));
            if (ec) break;
            if (!peer->ws.got_text()) continue;  // binary frames mean nothing here
            const auto data = frame.data();
            session->on_text(std::string_view(static_cast<const char*>(data.data()), data.size()));
        }
        peer->ended();
        session->on_close();
        peer->cut();
        s.websocket.reset();
    }

    // Closes connections: idle ones only, or all of them. A WebSocket is
    // idle: it is told the server is going away.
    void close_sessions(bool include_busy) {
        std::lock_guard lock(sessions_mutex);
        for (auto& [raw, weak] : sessions) {
            auto session = weak.lock();
            if (!session || (session->busy && !include_busy)) continue;
            asio::post(session->executor, [session, include_busy] {
                if (session->upgraded) {
                    if (auto ws = session->websocket) {
                        if (include_busy)
                            ws->cut();
                        else
                            ws->close(kCloseGoingAway, "the server is stopping");
                    }
                    return;
                }
                beast::error_code ignored;
                session->stream.socket().cancel(ignored);
            });
        }
    }

    std::size_t count() const {
        std::lock_guard lock(sessions_mutex);
        return sessions.size();
    }
};

Server::Server(std::vector<asio::io_context*> contexts, Dispatcher& dispatcher, db::Database& db,
               ServerOptions options)
    : impl_(std::make_shared<Impl>(std::move(contexts), dispatcher, db, options)) {}

Server::~Server() = default;

Result<std::uint16_t> Server::listen(const std::string& address) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos) return Error::invalid("listen", "must be host:port");
    std::string host = address.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    int port = 0;
    try {
        port = std::stoi(address.substr(colon + 1));
    } catch (...) {
        return Error::invalid("listen", "port must be a number");
    }
    beast::error_code ec;
    auto ip = asio::ip::make_address(host, ec);
    if (ec || port < 0 || port > 65535) return Error::invalid("listen", "must be host:port");
    tcp::endpoint endpoint(ip, static_cast<unsigned short>(port));
    auto& acceptor = impl_->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Error::unavailable("cannot listen on " + address + ": " + ec.message());
    const auto bound = acceptor.local_endpoint(ec).port();
    asio::co_spawn(acceptor.get_executor(), impl_->accept_loop(), asio::detached);
    return static_cast<std::uint16_t>(bound);
}

void Server::shutdown(std::chrono::milliseconds grace, std::function<void()> done) {
    auto impl = impl_;
    asio::post(impl->acceptor.get_executor(), [impl] {
        impl->draining = true;
        beast::error_code ec;
        impl->acceptor.close(ec);
    });
    impl->draining = true;
    impl->close_sessions(false);
    // Poll until the busy connections have answered, then close the rest.
    auto drain = [impl, grace, done]() -> asio::awaitable<void> {
        asio::steady_timer timer(co_await asio::this_coro::executor);
        const auto deadline = std::chrono::steady_clock::now() + grace;
        while (impl->count() > 0 && std::chrono::steady_clock::now() < deadline) {
            impl->close_sessions(false);
            timer.expires_after(std::chrono::milliseconds(20));
            co_await timer.async_wait(asio::use_awaitable);
        }
        if (impl->count() > 0) {
            log::warn("shutdown grace period over", {{"open_connections", impl->count()}});
            impl->close_sessions(true);
            for (int i = 0; i < 50 && impl->count() > 0; ++i) {
                timer.expires_after(std::chrono::milliseconds(20));
                co_await timer.async_wait(asio::use_awaitable);
            }
        }
        done();
    };
    asio::co_spawn(*impl->contexts.front(), drain, asio::detached);
}

std::size_t Server::connections() const {
    return impl_->count();
}

}  // namespace ujumbe::http
