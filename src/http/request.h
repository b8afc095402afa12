#pragma once
// The HTTP types handlers see. They carry no Beast types, so modules compile
// without Beast and tests build requests by hand.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/result.h"
#include "http/websocket.h"

namespace ujumbe::http {

enum class Method { kGet, kPost, kPut, kPatch, kDelete, kHead, kOptions, kOther };

std::string_view method_name(Method m);
Method parse_method(std::string_view name);

struct Request {
    Method method = Method::kGet;
    std::string target;                             // as received, path and query
    std::string path;                               // percent-decoded path without the query
    std::multimap<std::string, std::string> query;  // decoded query parameters
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string body;
    // For routes that spool their body (RouteOptions::spool_body): the file
    // holding it, removed after the answer unless the handler moved it.
    std::string body_file;
    std::uint64_t body_file_size = 0;
    std::string remote_ip;

    // The first header of that (lower-case) name, if any.
    std::optional<std::string_view> header(std::string_view lower_name) const;
    // The first query parameter of that name, if any.
    std::optional<std::string> query_param(const std::string& name) const;
    // Every value of a repeatable query parameter.
    std::vector<std::string> query_params(const std::string& name) const;
};

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    // The envelope's `data` as built, when http::ok made the answer: what the
    // audit log reads instead of parsing `body` back.
    std::shared_ptr<const nlohmann::json> data;
    std::vector<std::pair<std::string, std::string>> headers;
    // A streamed body (sent chunked, `body` unused): called on a database
    // thread again and again, appending the next piece to `out`; returns
    // false after the last piece. An error cuts the connection, so the
    // client sees an incomplete body rather than a wrong one.
    std::function<Result<bool>(std::string& out)> stream;
    // An accepted WebSocket upgrade (http/websocket.h): the server completes
    // the handshake and runs the session; status and body are unused.
    std::shared_ptr<WebSocketSession> upgrade;
};

// Splits `target` into a decoded path and query parameters (liburiparser).
// Returns false when the target is malformed (bad percent-encoding, not
// starting with '/').
bool parse_target(std::string_view target, std::string& path,
                  std::multimap<std::string, std::string>& query);

}  // namespace ujumbe::http
