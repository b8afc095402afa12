// HTTP handlers of the realtime feed: tickets, and the WebSocket's opening
// (who it is for); the server does the upgrade (http/websocket.h).

#include "realtime/routes.h"

#include <memory>

#include "core/dates.h"
#include "core/validate.h"
#include "http/envelope.h"
#include "http/schema.h"
#include "realtime/client.h"
#include "realtime/tickets.h"

namespace ujumbe::realtime {

namespace {

using http::Method;
using http::Request;
using http::RequestContext;
using http::Response;
using json = nlohmann::json;

constexpr const char* kScope = "conversations:read";

bool is_upgrade(const Request& req) {
    const auto upgrade = req.header("upgrade");
    if (!upgrade) return false;
    return ascii_lower(*upgrade) == "websocket";
}

Result<Response> mint(const RealtimeRoutes& r, RequestContext& ctx, const Request&) {
    const auto& who = ctx.who();
    const Micros now = r.clock.now();
    const std::string ticket =
        mint_ticket(r.secret, {who.account_id, who.user_id, std::string(role_name(who.role))}, now);
    return http::ok({{"ticket", ticket},
                     {"expires_at", format_iso8601(now + kTicketLife)},
                     {"url", "/api/v1/ws?ticket=" + ticket}},
                    201, "Ticket issued");
}

// The schema of mint()'s answer (the OpenAPI document).
nlohmann::json ticket_schema() {
    using namespace http::schema;
    return object({{"ticket", text()}, {"expires_at", time()}, {"url", text()}});
}

// GET /ws: a ticket in the query, or the usual credentials in a header;
// never a long-lived token in the URL.
Result<Response> open(const RealtimeRoutes& r, RequestContext&, const Request& req) {
    for (const char* name : {"token", "access_token", "api_key"})
        if (req.query_param(name))
            return Error::invalid(name,
                                  "Never put a token in a URL: get a ticket from "
                                  "POST /api/v1/ws/tickets and pass ?ticket=.");
    AccountId account;
    UserId user;
    Role role = Role::kAgent;
    if (auto ticket = req.query_param("ticket")) {
        auto holder = check_ticket(r.secret, std::string(*ticket), r.clock.now());
        if (!holder)
            return Error::unauthenticated("INVALID_TICKET",
                                          "The ticket is not valid or has expired.");
        account = holder->account_id;
        user = holder->user_id;
        role = parse_role(holder->role).value_or(Role::kAgent);
    } else {
        UJ_ASSIGN(auto who, r.authenticator.authenticate(req));
        if (who.api_key_id && !http::scope_allows(who.scopes, kScope))
            return Error::forbidden("This API key lacks the conversations:read scope.");
        account = who.account_id;
        user = who.user_id;
        role = who.role;
    }
    if (!is_upgrade(req))
        return Error{ErrorCode::kFailedPrecondition, "UPGRADE_REQUIRED",
                     "Open this URL as a WebSocket."};
    UJ_ASSIGN(bool limited, r.limited ? r.limited(account, role) : Result<bool>(false));
    Response res;
    res.upgrade = std::make_shared<Client>(r.hub, r.publisher, r.clock, account, user, limited);
    return res;
}

}  // namespace

void add_routes(http::Router& router, RealtimeRoutes r) {
    auto shared = std::make_shared<RealtimeRoutes>(std::move(r));
    router.define_schema("WebSocketTicket", ticket_schema());
    router.add(
        Method::kPost, "/api/v1/ws/tickets",
        [shared](RequestContext& ctx, const Request& req) { return mint(*shared, ctx, req); },
        http::documented({.scope = kScope}, {.summary = "Issue a short-lived ticket to open /ws",
                                             .response = "WebSocketTicket",
                                             .success = {201},
                                             .no_body = true}));
    // 101 and no body when upgraded; not opened as a WebSocket, an error
    // (422 UPGRADE_REQUIRED) once the ticket or the credentials are checked.
    router.add(
        Method::kGet, "/api/v1/ws",
        [shared](RequestContext& ctx, const Request& req) { return open(*shared, ctx, req); },
        http::documented({.authenticated = false},
                         {.summary = "Open the realtime feed as a WebSocket (?ticket=)",
                          .success = {101},
                          .errors = {{401, "INVALID_TICKET"},
                                     {401, "INVALID_TOKEN"},
                                     {401, "TOKEN_EXPIRED"},
                                     {401, "TOKEN_REVOKED"},
                                     {401, "INVALID_API_KEY"},
                                     {401, "API_KEY_EXPIRED"},
                                     {401, "ACCOUNT_SUSPENDED"},
                                     {401, "USER_INACTIVE"},
                                     {422, "UPGRADE_REQUIRED"}},
                          .query = {{"ticket"}}}));
}

}  // namespace ujumbe::realtime
