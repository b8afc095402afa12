#pragma once
// The route table: method + path pattern ("/api/v1/users/{id}") -> handler
// and its options. Matching is exact on literal segments; `{name}` captures
// one segment. A trailing slash is ignored.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "http/context.h"
#include "http/rate_limit.h"
#include "http/request.h"

namespace ujumbe::http {

using Handler = std::function<Result<Response>(RequestContext&, const Request&)>;

// An error code a route answers, and with which status: {409, "INVALID_STATUS"}.
struct ErrorDoc {
    int status;
    std::string code;
};

// A query parameter a route reads: {"status", {"queued", "sent"}} for one
// of a few words, {"days", {}, "integer"}, or just {"search"}.
struct QueryDoc {
    std::string name;
    std::vector<std::string> values;
    std::string type = "string";  // or "integer", "boolean"
};

// What the OpenAPI document (http/openapi.h) says of a route beyond what
// its pattern and options tell.
struct RouteDoc {
    std::string summary;
    // A schema the router defines (Router::define_schema): the `data` of a
    // success, or of each item of a page when `list`; empty: any object.
    std::string response;
    bool list = false;
    // A list answered whole, in a page's shape (http::whole_list): it takes
    // no page or page_size.
    bool whole = false;
    // The statuses of a success; none: 200, and 201 too for a POST.
    std::vector<int> success;
    // The answer is a file of these types (CSV, PDF, a page) instead of the
    // JSON envelope, or besides it with `json_too` (a `format` parameter
    // chooses). A route answering only HTML answers its errors in HTML too.
    std::vector<std::string> files;
    bool json_too = false;
    // A schema the router defines for the JSON body; empty: any object.
    std::string request;
    // Error codes the route answers beyond those every route of its kind
    // may (VALIDATION_ERROR, NOT_FOUND, ...), with their statuses.
    std::vector<ErrorDoc> errors;
    // The query parameters it reads, beyond page and page_size of a list.
    std::vector<QueryDoc> query;
    // A POST that reads no body (an action such as /activate): none is
    // documented.
    bool no_body = false;
};

struct RouteOptions {
    // Requires a Bearer JWT or an API key; the principal is in the context.
    bool authenticated = true;
    // API-key scope needed ("users:write"); empty: any key of the account.
    std::string scope;
    // Runs on a database thread (anything touching the database); false runs
    // inline on the I/O thread, for handlers that never block.
    bool on_db_thread = true;
    // Content types accepted for a non-empty body of POST/PUT/PATCH.
    std::vector<std::string> body_types = {"application/json"};
    // Streams the body to a file in the spool directory instead of memory
    // (Request::body_file); for uploads.
    bool spool_body = false;
    // Body size limit for this route; 0: the server's default.
    std::uint64_t max_body_bytes = 0;
    // Which rate limit applies (http/rate_limit.h).
    RateClass rate_class = RateClass::kDefault;
    // Answers a principal that must still set up two-factor sign-in (its
    // account requires it); every other route refuses one with 403.
    bool before_two_factor = false;
    // The audit log's name for what this route does ("gateways.update");
    // empty: not audited. Successful answers are recorded, and failed ones
    // too when audit_failures (sign-in attempts).
    std::string audit;
    bool audit_failures = false;
    RouteDoc doc;
};

// `options` with `doc`: router.add(..., documented(read, {.files = {"text/csv"}})).
inline RouteOptions documented(RouteOptions options, RouteDoc doc) {
    options.doc = std::move(doc);
    return options;
}

struct Route {
    Method method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    RouteOptions options;
};

class Router {
public:
    void add(Method method, std::string pattern, Handler handler, RouteOptions options = {});

    struct Match {
        const Route* route;
        std::map<std::string, std::string> params;
    };
    struct NoMatch {
        std::vector<Method> allowed;  // empty: no such path (404); else 405
    };
    std::variant<Match, NoMatch> match(Method method, std::string_view path) const;

    const std::vector<Route>& routes() const { return routes_; }
    // A JSON Schema the OpenAPI document names `name` (RouteDoc refers to
    // it); a module defines the schemas of its resources with its routes.
    void define_schema(const std::string& name, nlohmann::json schema) {
        schemas_[name] = std::move(schema);
    }
    const std::map<std::string, nlohmann::json>& schemas() const { return schemas_; }
    // Lets the application adjust every route's options once all are added
    // (rate classes are decided in one place, not by each module).
    void adjust(const std::function<void(Route&)>& fn) {
        for (auto& r : routes_) fn(r);
    }

private:
    std::vector<Route> routes_;
    std::map<std::string, nlohmann::json> schemas_;
};

}  // namespace ujumbe::http
