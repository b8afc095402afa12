// libFuzzer target for the HTTP request path up to a handler: raw bytes
// through the same Beast parser settings as the server (header and body
// limits), the request target split into a decoded path and query, the
// route table, pagination parameters and the JSON body. Nothing may crash,
// hang or read out of bounds; a parsed request is either routed or answered
// 404/405.

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include "check.h"
#include "http/input.h"
#include "http/pagination.h"
#include "http/router.h"

namespace {

namespace bhttp = boost::beast::http;
using ujumbe::http::Method;

const ujumbe::http::Router& routes() {
    static const ujumbe::http::Router router = [] {
        ujumbe::http::Router r;
        auto none = [](ujumbe::http::RequestContext&,
                       const ujumbe::http::Request&) -> ujumbe::Result<ujumbe::http::Response> {
            return ujumbe::http::Response{};
        };
        for (const char* p :
             {"/healthz", "/api/v1/contacts", "/api/v1/contacts/{id}", "/api/v1/messages",
              "/api/v1/messages/bulk", "/api/v1/groups/{id}/contacts", "/api/v1/users/{id}"}) {
            r.add(Method::kGet, p, none);
            r.add(Method::kPost, p, none);
        }
        return r;
    }();
    return router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(1024 * 1024);
    parser.eager(true);
    boost::beast::error_code ec;
    std::size_t used = 0;
    while (used < size && !parser.is_done() && !ec)
        used += parser.put(boost::asio::buffer(data + used, size - used), ec);
    if (ec && ec != bhttp::error::need_more) return 0;
    if (!parser.is_header_done()) return 0;
    const auto& in = parser.get();

    ujumbe::http::Request req;
    req.method = ujumbe::http::parse_method(in.method_string());
    req.target = std::string(in.target());
    for (const auto& field : in) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        req.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    if (!ujumbe::http::parse_target(req.target, req.path, req.query)) return 0;
    FUZZ_CHECK(req.path.empty() || req.path.front() == '/');
    auto matched = routes().match(req.method, req.path);
    if (auto* m = std::get_if<ujumbe::http::Router::Match>(&matched)) {
        FUZZ_CHECK(m->route != nullptr);
        for (const auto& [name, value] : m->params) FUZZ_CHECK(!name.empty());
    }
    (void)ujumbe::http::page_window(req);
    (void)req.header("authorization");
    (void)req.query_params("tag");
    if (parser.is_done()) {
        req.body = in.body();
        (void)ujumbe::http::parse_json_object(req);
    }
    return 0;
}
