#pragma once
// A small asynchronous HTTP/1.1 client for provider APIs and webhooks: http
// and https (certificates checked against the system's store, with SNI),
// keep-alive connections reused per host, a timeout over each whole exchange
// and one over connecting, a bound on the answer's size, redirects never
// followed, and an optional check of every address a name resolves to (the
// connection goes only to an address that passed). Runs on the io_context
// given; send() may be called from any thread.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace ujumbe::channels {

// An absolute http(s) URL in parts.
struct Url {
    bool tls = false;
    std::string host;          // without brackets for IPv6
    std::string port;          // "80" / "443" unless given
    std::string target = "/";  // path and query
};
// nullopt when `text` is not http(s)://host[:port][/path][?query].
std::optional<Url> parse_url(const std::string& text);

struct HttpRequest {
    std::string method = "POST";
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

struct HttpAnswer {
    // The request was written (whole or in part): the provider may have it.
    bool sent = false;
    // A whole response came back.
    bool answered = false;
    int status = 0;
    std::string body;
    std::string error;  // why there is no answer
};

struct HttpClientOptions {
    std::chrono::milliseconds timeout{10000};          // connect, write and read together
    std::chrono::milliseconds connect_timeout{10000};  // resolve and connect (and TLS)
    // Why an address must not be called (nullopt: it may); none: any may.
    std::function<std::optional<std::string>(const std::string& address)> refuse_address;
    std::size_t max_answer_bytes = 1 << 20;
    std::size_t max_idle = 16;  // keep-alive connections kept
};

class HttpClient : public std::enable_shared_from_this<HttpClient> {
public:
    static std::shared_ptr<HttpClient> create(boost::asio::io_context& io,
                                              HttpClientOptions options);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // `done` runs once, on the io_context's thread.
    void send(HttpRequest request, std::function<void(HttpAnswer)> done);
    // Closes the idle connections; exchanges in flight finish.
    void close();

private:
    struct Impl;
    explicit HttpClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ujumbe::channels
