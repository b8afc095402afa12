#include "app/audited_routes.h"

#include <array>
#include <string_view>

#include "audit/changes.h"

namespace ujumbe::app {

namespace {

// Changes under these paths are audited when they succeed.
constexpr std::array<std::string_view, 21> kChanges = {"/api/v1/api-keys",
                                                       "/api/v1/accounts",
                                                       "/api/v1/users",
                                                       "/api/v1/invitations",
                                                       "/api/v1/gateways",
                                                       "/api/v1/routes",
                                                       "/api/v1/operators",
                                                       "/api/v1/number-lookup",
                                                       "/api/v1/wallet",
                                                       "/api/v1/billing",
                                                       "/api/v1/rates",
                                                       "/api/v1/sender-ids",
                                                       "/api/v1/webhooks",
                                                       "/api/v1/smpp-accounts",
                                                       "/api/v1/channels",
                                                       "/api/v1/settings",
                                                       "/api/v1/auth/me",
                                                       "/api/v1/auth/password/change",
                                                       "/api/v1/auth/2fa",
                                                       "/api/v1/messages/retention",
                                                       "/api/v1/conversations/settings"};
// Probes and quotes under those paths change nothing.
constexpr std::array<std::string_view, 4> kNotChanges = {
    "/api/v1/gateways/{id}/test", "/api/v1/routes/simulate", "/api/v1/rates/quote",
    "/api/v1/webhooks/{id}/test"};
// Sign-in events: recorded whether they succeed or not.
constexpr std::array<std::string_view, 8> kSignIns = {
    "/api/v1/auth/register",       "/api/v1/auth/login",
    "/api/v1/auth/login/2fa",      "/api/v1/auth/logout",
    "/api/v1/auth/password/reset", "/api/v1/auth/password/reset/confirm",
    "/api/v1/auth/invite/accept",  "/api/v1/auth/verify-email"};

bool under(std::string_view pattern, std::string_view prefix) {
    return pattern == prefix || (pattern.starts_with(prefix) && pattern.size() > prefix.size() &&
                                 pattern[prefix.size()] == '/');
}

template <std::size_t N>
bool listed(std::string_view pattern, const std::array<std::string_view, N>& list,
            bool with_children) {
    for (auto p : list)
        if (with_children ? under(pattern, p) : pattern == p) return true;
    return false;
}

}  // namespace

void mark_audited_routes(http::Router& router) {
    router.adjust([](http::Route& r) {
        if (r.method == http::Method::kGet) return;
        const bool sign_in = listed(r.pattern, kSignIns, false);
        const bool change =
            listed(r.pattern, kChanges, true) && !listed(r.pattern, kNotChanges, false);
        if (!sign_in && !change) return;
        r.options.audit = audit::action_name(http::method_name(r.method), r.pattern);
        r.options.audit_failures = sign_in;
    });
}

}  // namespace ujumbe::app
