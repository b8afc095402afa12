#include <utility>  // before Asio (g++ 12)

#include "channels/http_client.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <map>

#include "core/validate.h"

namespace ujumbe::channels {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

namespace {

bool host_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

}  // namespace

std::optional<Url> parse_url(const std::string& text) {
    Url url;
    std::string rest;
    const std::string head = ascii_lower(text.substr(0, 8));
    if (head.starts_with("https://")) {
        url.tls = true;
        rest = text.substr(8);
    } else if (head.starts_with("http://")) {
        rest = text.substr(7);
    } else {
        return std::nullopt;
    }
    for (char c : rest)
        if (static_cast<unsigned char>(c) <= ' ' || c == 0x7F) return std::nullopt;
    const auto end = rest.find_first_of("/?#");
    const std::string authority = rest.substr(0, end);
    std::string target = end == std::string::npos ? "/" : rest.substr(end);
    if (const auto hash = target.find('#'); hash != std::string::npos) target.resize(hash);
    if (target.empty() || target.front() != '/') target = "/" + target;
    url.target = target;
    if (authority.empty() || authority.find('@') != std::string::npos) return std::nullopt;
    std::string port;
    if (authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos) return std::nullopt;
        url.host = authority.substr(1, close - 1);
        const std::string after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return std::nullopt;
            port = after.substr(1);
        }
        for (char c : url.host)
            if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.')
                return std::nullopt;
    } else {
        const auto colon = authority.find(':');
        url.host = authority.substr(0, colon);
        if (colon != std::string::npos) port = authority.substr(colon + 1);
        if (!std::all_of(url.host.begin(), url.host.end(), host_char)) return std::nullopt;
    }
    if (url.host.empty() || url.host.size() > 253) return std::nullopt;
    if (!port.empty()) {
        if (!all_digits(port) || port.size() > 5 || std::stoul(port) == 0 ||
            std::stoul(port) > 65535)
            return std::nullopt;
        url.port = port;
    } else {
        url.port = url.tls ? "443" : "80";
    }
    return url;
}

namespace {

constexpr auto kMaxIdleAge = std::chrono::seconds(2);

// One connection to one host, plain or TLS, kept between exchanges.
struct Connection {
    std::string key;  // scheme://host:port
    std::unique_ptr<beast::tcp_stream> plain;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
    beast::flat_buffer buffer;
    std::chrono::steady_clock::time_point idle_since{};

    beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

template <class Stream>
asio::awaitable<beast::error_code> exchange(Stream& stream, beast::flat_buffer& buffer,
                                            bhttp::request<bhttp::string_body>& request,
                                            std::size_t limit, bool head, HttpAnswer& answer,
                                            bool& keep_alive) {
    beast::error_code ec;
    co_await bhttp::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec;
    answer.sent = true;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(head);  // a HEAD answer announces a body it does not send
    parser.body_limit(limit);
    parser.header_limit(16 * 1024);
    co_await bhttp::async_read(stream, buffer, parser,
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec;
    auto response = parser.release();
    answer.answered = true;
    answer.status = static_cast<int>(response.result_int());
    answer.body = std::move(response.body());
    keep_alive = response.keep_alive();
    co_return ec;
}

}  // namespace

struct HttpClient::Impl {
    Impl(asio::io_context& io_context, HttpClientOptions o)
        : io(io_context), options(o), strand(asio::make_strand(io_context)) {
        tls.set_default_verify_paths();
        tls.set_verify_mode(ssl::verify_peer);
    }

    asio::io_context& io;
    HttpClientOptions options;
    asio::strand<asio::io_context::executor_type> strand;
    ssl::context tls{ssl::context::tls_client};
    std::multimap<std::string, std::unique_ptr<Connection>> idle;
    bool closed = false;

    // A kept connection to `key`, unless the server may have closed it:
    // servers drop idle connections after a few seconds, and a request
    // written into one that is closing cannot be safely sent again.
    std::unique_ptr<Connection> take_idle(const std::string& key) {
        const auto now = std::chrono::steady_clock::now();
        for (auto it = idle.find(key); it != idle.end() && it->first == key;) {
            auto conn = std::move(it->second);
            it = idle.erase(it);
            if (now - conn->idle_since < kMaxIdleAge) return conn;
        }
        return nullptr;
    }

    void keep(std::unique_ptr<Connection> conn) {
        if (closed || idle.size() >= options.max_idle) return;
        conn->lowest().expires_never();
        conn->idle_since = std::chrono::steady_clock::now();
        const std::string key = conn->key;
        idle.emplace(key, std::move(conn));
    }

    asio::awaitable<std::unique_ptr<Connection>> connect(const Url& url, const std::string& key,
                                                         std::string& error) {
        beast::error_code ec;
        tcp::resolver resolver(strand);
        // Name lookups have no deadline of their own.
        asio::steady_timer deadline(strand, std::min(options.timeout, options.connect_timeout));
        deadline.async_wait([&resolver](const beast::error_code& e) {
            if (!e) resolver.cancel();
        });
        const auto found = co_await resolver.async_resolve(
            url.host, url.port, asio::redirect_error(asio::use_awaitable, ec));
        deadline.cancel();
        if (ec) {
            error = "resolve " + url.host + ": " + ec.message();
            co_return nullptr;
        }
        // Only addresses that pass the check are connected to: the name is
        // not resolved again, so it cannot change its answer in between.
        std::vector<tcp::endpoint> allowed;
        for (const auto& entry : found) {
            if (options.refuse_address) {
                if (auto why = options.refuse_address(entry.endpoint().address().to_string())) {
                    error = "refused " + url.host + ": " + *why + " address";
                    continue;
                }
            }
            allowed.push_back(entry.endpoint());
        }
        if (allowed.empty()) {
            if (error.empty()) error = "resolve " + url.host + ": no address";
            co_return nullptr;
        }
        error.clear();
        auto conn = std::make_unique<Connection>();
        conn->key = key;
        if (url.tls)
            conn->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(strand, tls);
        else
            conn->plain = std::make_unique<beast::tcp_stream>(strand);
        conn->lowest().expires_after(std::min(options.timeout, options.connect_timeout));
        co_await conn->lowest().async_connect(allowed,
                                              asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            error = "connect " + url.host + ":" + url.port + ": " + ec.message();
            co_return nullptr;
        }
        // A request goes out whole, at once (no wait for an acknowledgement).
        conn->lowest().socket().set_option(tcp::no_delay(true), ec);
        if (conn->tls) {
            if (!SSL_set_tlsext_host_name(conn->tls->native_handle(), url.host.c_str())) {
                error = "TLS: cannot set the server name";
                co_return nullptr;
            }
            conn->tls->set_verify_callback(ssl::host_name_verification(url.host));
            co_await conn->tls->async_handshake(ssl::stream_base::client,
                                                asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                error = "TLS handshake with " + url.host + ": " + ec.message();
                co_return nullptr;
            }
        }
        co_return conn;
    }

    asio::awaitable<void> run(std::shared_ptr<HttpClient> keep_alive_client, HttpRequest request,
                              std::function<void(HttpAnswer)> done) {
        const auto started = std::chrono::steady_clock::now();
        HttpAnswer answer;
        const auto url = parse_url(request.url);
        if (!url) {
            answer.error = "not an http(s) URL";
            done(std::move(answer));
            co_return;
        }
        const std::string key =
            std::string(url->tls ? "https://" : "http://") + url->host + ":" + url->port;
        bhttp::request<bhttp::string_body> r;
        r.method_string(request.method);
        r.target(url->target);
        r.version(11);
        const bool default_port = url->port == (url->tls ? "443" : "80");
        const bool v6 = url->host.find(':') != std::string::npos;
        const std::string host = v6 ? "[" + url->host + "]" : url->host;
        r.set(bhttp::field::host, default_port ? host : host + ":" + url->port);
        r.set(bhttp::field::user_agent, "ujumbe");
        for (const auto& [name, value] : request.headers) r.set(name, value);
        r.body() = std::move(request.body);
        r.keep_alive(true);
        r.prepare_payload();

        auto conn = take_idle(key);
        if (!conn) {
            std::string error;
            conn = co_await connect(*url, key, error);
            if (!conn) answer.error = std::move(error);
        }
        if (conn) {
            conn->lowest().expires_at(started + options.timeout);
            bool keep_alive = false;
            const bool head = r.method() == bhttp::verb::head;
            const auto ec =
                conn->tls ? co_await exchange(*conn->tls, conn->buffer, r, options.max_answer_bytes,
                                              head, answer, keep_alive)
                          : co_await exchange(*conn->plain, conn->buffer, r,
                                              options.max_answer_bytes, head, answer, keep_alive);
            if (!ec && keep_alive) keep(std::move(conn));
            if (ec) answer.error = ec == beast::error::timeout ? "no answer in time" : ec.message();
        }
        done(std::move(answer));
        (void)keep_alive_client;
    }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpClient::~HttpClient() = default;

std::shared_ptr<HttpClient> HttpClient::create(asio::io_context& io, HttpClientOptions options) {
    return std::shared_ptr<HttpClient>(new HttpClient(std::make_unique<Impl>(io, options)));
}

void HttpClient::send(HttpRequest request, std::function<void(HttpAnswer)> done) {
    auto self = shared_from_this();
    asio::co_spawn(impl_->strand, impl_->run(self, std::move(request), std::move(done)),
                   asio::detached);
}

void HttpClient::close() {
    auto self = shared_from_this();
    asio::post(impl_->strand, [self] {
        self->impl_->closed = true;
        self->impl_->idle.clear();
    });
}

}  // namespace ujumbe::channels
