#pragma once
// The middleware chain a matched request goes through before and after its
// handler: content-type check, authentication (principal and API-key
// scope), the handler, and the mapping of errors and exceptions to the
// envelope. Synchronous: the server runs it on a database thread (or inline
// for routes that never block).

#include <optional>
#include <string>

#include "core/result.h"
#include "db/connection.h"
#include "http/context.h"
#include "http/router.h"

namespace ujumbe::http {

// Turns credentials into a Principal. Implemented by the identity module.
class Authenticator {
public:
    virtual ~Authenticator() = default;
    // 401 errors for missing, malformed, expired or revoked credentials.
    // REQUIRES: called on a database thread.
    virtual Result<Principal> authenticate(const Request& request) = 0;
};

// True when an API key with `scopes` may use a route that needs `needed`:
// `full_access` allows all, `read_only` allows every "*:read" scope.
bool scope_allows(const std::vector<std::string>& scopes, const std::string& needed);

class AuditSink;
class IdempotencyKeys;
class RateLimiter;

class Dispatcher {
public:
    // `idempotency`: when given, authenticated POSTs honour Idempotency-Key.
    // `limiter`: when given, requests count against their rate limits.
    Dispatcher(Router& router, Authenticator& auth, IdempotencyKeys* idempotency = nullptr,
               RateLimiter* limiter = nullptr)
        : router_(router), auth_(auth), idempotency_(idempotency), limiter_(limiter) {}

    Router& router() { return router_; }
    // Audited routes (RouteOptions::audit) report to `sink` from now on.
    void set_audit(AuditSink* sink) { audit_ = sink; }

    // Runs the chain for a request whose route matched. Never throws.
    Response handle(const Route& route, RequestContext& ctx, const Request& request);

    // Before a body is read: whether the request's headers may proceed.
    // Checks that an authenticated route has credentials of a known form,
    // without the database (cheap enough for every request). An error
    // answer means: refuse now, the body is never read.
    std::optional<Response> precheck(const Route& route, const Request& head) const;
    // Authenticates and authorizes (API-key scope) from the headers alone,
    // on a database thread: for uploads, checked before a byte is spooled.
    Result<Principal> authorize(const Route& route, const Request& head);

private:
    // The chain up to the response, before the rate-limit headers.
    Response run_chain(const Route& route, RequestContext& ctx, const Request& request,
                       RateVerdict& verdict);
    // The handler and the mapping of its errors to the envelope.
    Response run_handler(const Route& route, RequestContext& ctx, const Request& request);
    // The handler behind the Idempotency-Key check, when the request has one.
    Response run_idempotent(const Route& route, RequestContext& ctx, const Request& request,
                            std::string_view key);
    // The object a change is about as its GET route answers it now: the
    // request's path, or for an action (POST .../{id}/verb) the path of
    // the object; nothing for a create or when the GET answers a list.
    std::optional<nlohmann::json> read_before(const Route& route, const RequestContext& ctx,
                                              const Request& request);

    Router& router_;
    Authenticator& auth_;
    IdempotencyKeys* idempotency_;
    RateLimiter* limiter_;
    AuditSink* audit_ = nullptr;
};

// A Response for a request that matched no route (404) or no method (405).
Response no_route(const Router::NoMatch& miss);

}  // namespace ujumbe::http
