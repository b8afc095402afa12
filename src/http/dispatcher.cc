#include "http/dispatcher.h"

#include <algorithm>

#include "core/log.h"
#include "http/audit.h"
#include "http/envelope.h"
#include "http/idempotency.h"
#include "http/rate_limit.h"

namespace ujumbe::http {

bool scope_allows(const std::vector<std::string>& scopes, const std::string& needed) {
    if (needed.empty()) return true;
    const bool is_read = needed.size() > 5 && needed.compare(needed.size() - 5, 5, ":read") == 0;
    for (const auto& s : scopes) {
        if (s == "full_access" || s == needed) return true;
        if (is_read && s == "read_only") return true;
        // A write scope implies reading the same resource.
        if (is_read && s.size() > 6 && s.compare(s.size() - 6, 6, ":write") == 0 &&
            s.compare(0, s.size() - 6, needed, 0, needed.size() - 5) == 0)
            return true;
    }
    return false;
}

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

Status check_scope(const Route& route, const Principal& principal) {
    if (principal.two_factor_setup_required && !route.options.before_two_factor)
        return Error::forbidden(
            "This account requires two-factor sign-in: set it up first (POST /auth/2fa/setup)",
            "TWO_FACTOR_SETUP_REQUIRED");
    if (!principal.api_key_id || scope_allows(principal.scopes, route.options.scope)) return {};
    Error e = Error::forbidden("This API key lacks the scope '" + route.options.scope + "'",
                               "INSUFFICIENT_SCOPE");
    e.details = {{"required_scope", route.options.scope}};
    return e;
}

bool body_type_allowed(const RouteOptions& options, const Request& request) {
    if (request.body.empty() && request.body_file_size == 0) return true;
    if (request.method != Method::kPost && request.method != Method::kPut &&
        request.method != Method::kPatch)
        return true;
    const auto type = request.header("content-type");
    if (!type) return false;
    std::string_view media = type->substr(0, type->find(';'));
    while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
    for (const auto& allowed : options.body_types) {
        if (media.size() != allowed.size()) continue;
        if (std::equal(media.begin(), media.end(), allowed.begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) == b;
            }))
            return true;
    }
    return false;
}

}  // namespace

Response Dispatcher::handle(const Route& route, RequestContext& ctx, const Request& request) {
    RateVerdict verdict;
    Response response;
    try {
        response = run_chain(route, ctx, request, verdict);
    } catch (const std::exception& e) {
        log::error("handler threw", {{"request_id", ctx.request_id}, {"error", e.what()}});
        response = error_response(Error::internal("unexpected error"));
    } catch (...) {
        log::error("handler threw", {{"request_id", ctx.request_id}});
        response = error_response(Error::internal("unexpected error"));
    }
    if (verdict.limited) {
        response.headers.emplace_back("X-RateLimit-Limit", std::to_string(verdict.limit));
        response.headers.emplace_back("X-RateLimit-Remaining", std::to_string(verdict.remaining));
        response.headers.emplace_back("X-RateLimit-Reset", std::to_string(verdict.reset_s));
    }
    return response;
}

std::optional<Response> Dispatcher::precheck(const Route& route, const Request& head) const {
    if (!route.options.authenticated) return std::nullopt;
    const auto header = head.header("authorization");
    const auto space = header ? header->find(' ') : std::string_view::npos;
    const bool known_form = space != std::string_view::npos && space + 1 < header->size() &&
                            (iequals(header->substr(0, space), "bearer") ||
                             iequals(header->substr(0, space), "apikey"));
    if (known_form) return std::nullopt;
    return error_response(Error::unauthenticated(
        "UNAUTHENTICATED", header ? "Use 'Authorization: Bearer <token>' or 'ApiKey <key>'"
                                  : "Authentication credentials were not provided"));
}

Result<Principal> Dispatcher::authorize(const Route& route, const Request& head) {
    UJ_ASSIGN(auto principal, auth_.authenticate(head));
    UJ_TRY(check_scope(route, principal));
    return principal;
}

Response Dispatcher::run_chain(const Route& route, RequestContext& ctx, const Request& request,
                               RateVerdict& verdict) {
    const RateClass cls = limiter_ ? route.options.rate_class : RateClass::kNone;
    if (!route.options.authenticated && cls != RateClass::kNone) {
        verdict = limiter_->take(cls, "", "", request.remote_ip);
        if (!verdict.allowed)
            return error_response(Error::rate_limited(static_cast<int>(verdict.retry_after_s)));
    }
    if (!body_type_allowed(route.options, request)) {
        std::string expected;
        for (const auto& t : route.options.body_types)
            expected += (expected.empty() ? "" : ", ") + t;
        return error_response(Error{ErrorCode::kUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE",
                                    "Content-Type must be " + expected});
    }
    if (route.options.authenticated) {
        auto principal = auth_.authenticate(request);
        if (!principal) return error_response(principal.error());
        if (auto scoped = check_scope(route, *principal); !scoped)
            return error_response(scoped.error());
        if (cls != RateClass::kNone) {
            verdict = limiter_->take(cls, principal->account_id.value,
                                     principal->api_key_id ? principal->api_key_id->value : "",
                                     request.remote_ip);
            if (!verdict.allowed)
                return error_response(Error::rate_limited(static_cast<int>(verdict.retry_after_s)));
        }
        ctx.principal = std::move(*principal);
        if (request.method == Method::kPost && idempotency_)
            if (auto key = request.header("idempotency-key"))
                return run_idempotent(route, ctx, request, *key);
    }
    return run_handler(route, ctx, request);
}

Response Dispatcher::run_handler(const Route& route, RequestContext& ctx, const Request& request) {
    const bool audited = audit_ && !route.options.audit.empty();
    std::optional<nlohmann::json> before;
    if (audited && ctx.principal && request.method != Method::kGet)
        before = read_before(route, ctx, request);
    auto result = route.handler(ctx, request);
    Response response;
    if (!result) {
        if (result.error().code == ErrorCode::kInternal)
            log::error("request failed",
                       {{"request_id", ctx.request_id}, {"error", result.error().message}});
        response = error_response(result.error());
    } else {
        response = std::move(*result);
    }
    const bool succeeded = response.status >= 200 && response.status <= 299;
    if (audited && (succeeded || route.options.audit_failures))
        audit_->record({route, ctx, request, response, std::move(before)});
    return response;
}

std::optional<nlohmann::json> Dispatcher::read_before(const Route& route, const RequestContext& ctx,
                                                      const Request& request) {
    std::string path = request.path;
    if (request.method == Method::kPost) {
        // An action on one object (POST /sender-ids/{id}/approve) reads that
        // object; a create (POST /gateways) has nothing to read.
        const auto& s = route.segments;
        const auto param = [](const std::string& seg) { return seg.starts_with('{'); };
        if (s.size() < 2 || param(s.back()) || !param(s[s.size() - 2])) return std::nullopt;
        path = path.substr(0, path.rfind('/'));
    }
    auto matched = router_.match(Method::kGet, path);
    const auto* found = std::get_if<Router::Match>(&matched);
    if (!found || !found->route->options.authenticated) return std::nullopt;
    Request get;
    get.method = Method::kGet;
    get.target = path;
    get.path = path;
    get.headers = request.headers;
    get.remote_ip = request.remote_ip;
    RequestContext read_ctx{ctx.request_id, found->params, ctx.principal};
    auto answer = found->route->handler(read_ctx, get);
    if (!answer || answer->status != 200 || answer->stream || !answer->data) return std::nullopt;
    const auto& data = *answer->data;
    // A list is not the object the change is about.
    if (!data.is_object() || data.contains("results")) return std::nullopt;
    return data;
}

Response Dispatcher::run_idempotent(const Route& route, RequestContext& ctx, const Request& request,
                                    std::string_view key_text) {
    if (!IdempotencyKeys::valid_key(key_text))
        return error_response(Error::invalid(
            "Idempotency-Key", "Must be 1 to 255 printable ASCII characters without spaces."));
    const Principal& who = ctx.who();
    const IdempotencyScope scope{
        who.account_id.value,
        who.api_key_id ? "key:" + who.api_key_id->value : "user:" + who.user_id.value,
        std::string(key_text)};
    std::string grants(role_name(who.role));
    for (const auto& s : who.scopes) grants += " " + s;
    auto decision = idempotency_->begin(scope, IdempotencyKeys::fingerprint(request, grants));
    if (!decision) return error_response(decision.error());
    if (auto* answer = std::get_if<Response>(&*decision)) return std::move(*answer);
    Response response;
    try {
        response = run_handler(route, ctx, request);
    } catch (...) {
        idempotency_->abandon(scope);
        throw;
    }
    // Failures worth retrying are not kept; streamed bodies cannot be.
    if (response.status >= 500 || response.status == 429 || response.stream)
        idempotency_->abandon(scope);
    else
        idempotency_->finish(scope, response);
    return response;
}

Response no_route(const Router::NoMatch& miss) {
    if (miss.allowed.empty()) return error_response(Error::not_found("Route"));
    std::string allow;
    for (Method m : miss.allowed)
        allow += (allow.empty() ? "" : ", ") + std::string(method_name(m));
    // HEAD is answered wherever GET is.
    if (std::find(miss.allowed.begin(), miss.allowed.end(), Method::kGet) != miss.allowed.end())
        allow += ", HEAD";
    Response r = error_response(Error{ErrorCode::kMethodNotAllowed, "METHOD_NOT_ALLOWED",
                                      "Method not allowed; use " + allow});
    r.headers.emplace_back("Allow", allow);
    return r;
}

}  // namespace ujumbe::http
