#include "app/route_errors.h"

#include <algorithm>
#include <string_view>

namespace ujumbe::app {

namespace {

using http::ErrorDoc;
using http::Method;

struct RouteErrors {
    Method method;
    std::string_view pattern;
    std::vector<ErrorDoc> errors;
};

// By path, then method.
const std::vector<RouteErrors>& route_errors() {
    static const std::vector<RouteErrors> table = {
        {Method::kPost,
         "/api/v1/accounts/children",
         {{409, "EMAIL_TAKEN"}, {409, "USERNAME_TAKEN"}}},
        {Method::kPost, "/api/v1/accounts/children/{id}/resume", {{409, "INVALID_STATUS"}}},
        {Method::kPost, "/api/v1/accounts/children/{id}/suspend", {{409, "INVALID_STATUS"}}},
        {Method::kPut, "/api/v1/accounts/current", {{400, "TWO_FACTOR_DISABLED"}}},
        {Method::kPost,
         "/api/v1/auth/2fa/confirm",
         {{400, "INVALID_CODE"}, {422, "TWO_FACTOR_NOT_STARTED"}}},
        {Method::kPost, "/api/v1/auth/2fa/disable", {{400, "INVALID_CODE"}}},
        {Method::kPost,
         "/api/v1/auth/2fa/setup",
         {{403, "SESSION_REQUIRED"}, {409, "TWO_FACTOR_ENABLED"}}},
        {Method::kPost,
         "/api/v1/auth/invite/accept",
         {{401, "INVALID_CREDENTIALS"}, {403, "TWO_FACTOR_REQUIRED"}, {422, "PLAN_LIMIT_REACHED"}}},
        {Method::kPost,
         "/api/v1/auth/login/2fa",
         {{401, "INVALID_CHALLENGE"},
          {401, "INVALID_CODE"},
          {401, "ACCOUNT_SUSPENDED"},
          {401, "USER_INACTIVE"}}},
        {Method::kPost, "/api/v1/auth/login", {{401, "ACCOUNT_SUSPENDED"}, {401, "USER_INACTIVE"}}},
        {Method::kPut, "/api/v1/auth/me", {{403, "SESSION_REQUIRED"}, {409, "EMAIL_TAKEN"}}},
        {Method::kPost, "/api/v1/auth/password/change", {{403, "SESSION_REQUIRED"}}},
        {Method::kPost, "/api/v1/auth/register", {{409, "EMAIL_TAKEN"}}},
        {Method::kPost, "/api/v1/auth/password/reset/confirm", {{400, "INVALID_TOKEN"}}},
        {Method::kPost,
         "/api/v1/auth/token/refresh",
         {{401, "TOKEN_REUSED"},
          {401, "INVALID_TOKEN"},
          {401, "TOKEN_EXPIRED"},
          {401, "USER_INACTIVE"},
          {401, "ACCOUNT_SUSPENDED"}}},
        {Method::kPost, "/api/v1/auth/verify-email", {{400, "INVALID_TOKEN"}}},
        {Method::kPost, "/api/v1/auth/verify-email/resend", {{409, "EMAIL_ALREADY_VERIFIED"}}},
        {Method::kDelete, "/api/v1/campaigns/{id}", {{409, "INVALID_STATUS"}}},
        {Method::kPut, "/api/v1/campaigns/{id}", {{409, "INVALID_STATUS"}}},
        {Method::kPost, "/api/v1/campaigns/{id}/cancel", {{409, "INVALID_STATUS"}}},
        {Method::kPost, "/api/v1/campaigns/{id}/pause", {{409, "INVALID_STATUS"}}},
        {Method::kPost, "/api/v1/campaigns/{id}/resume", {{409, "INVALID_STATUS"}}},
        {Method::kPost, "/api/v1/campaigns/{id}/schedule", {{409, "INVALID_STATUS"}}},
        {Method::kPost,
         "/api/v1/campaigns/{id}/start",
         {{409, "INVALID_STATUS"}, {422, "RECURRING_CAMPAIGN"}}},
        {Method::kPost,
         "/api/v1/channels/whatsapp/connect",
         {{409, "WHATSAPP_NUMBER_TAKEN"},
          {422, "WHATSAPP_AUTH_FAILED"},
          {422, "WHATSAPP_NUMBER_NOT_FOUND"},
          {503, "WHATSAPP_UNREACHABLE"}}},
        {Method::kPost,
         "/api/v1/channels/whatsapp/templates",
         {{409, "TEMPLATE_EXISTS"},
          {422, "CHANNEL_NOT_CONNECTED"},
          {422, "WHATSAPP_REFUSED"},
          {503, "WHATSAPP_UNREACHABLE"}}},
        {Method::kPost, "/api/v1/contacts", {{409, "CONFLICT"}}},
        {Method::kPost, "/api/v1/contacts/import", {{400, "MALFORMED_MULTIPART"}}},
        {Method::kPut, "/api/v1/contacts/{id}", {{409, "CONFLICT"}}},
        {Method::kPost, "/api/v1/conversations/{id}/messages", {{422, "TEMPLATE_NOT_APPROVED"}}},
        {Method::kPost, "/api/v1/crm/activities/{id}/cancel", {{409, "INVALID_STATUS"}}},
        {Method::kDelete, "/api/v1/crm/customers/{id}", {{409, "IN_USE"}}},
        {Method::kPost, "/api/v1/crm/deals/{id}/win", {{409, "INVALID_STATUS"}}},
        {Method::kPost, "/api/v1/crm/issues/{id}/reopen", {{409, "INVALID_STATUS"}}},
        {Method::kPost, "/api/v1/crm/issues/{id}/resolve", {{409, "INVALID_STATUS"}}},
        {Method::kPost, "/api/v1/crm/leads/{id}/convert", {{409, "INVALID_STATUS"}}},
        {Method::kDelete, "/api/v1/crm/orders/{id}", {{409, "IN_USE"}}},
        {Method::kPut, "/api/v1/crm/orders/{id}", {{409, "INVALID_STATUS"}}},
        {Method::kPost, "/api/v1/crm/orders/{id}/cancel", {{409, "INVALID_STATUS"}}},
        {Method::kPost, "/api/v1/crm/orders/{id}/complete", {{409, "INVALID_STATUS"}}},
        {Method::kPost, "/api/v1/crm/payments/{id}/process", {{409, "INVALID_STATUS"}}},
        {Method::kDelete, "/api/v1/gateways/{id}", {{409, "GATEWAY_IN_USE"}}},
        {Method::kPost, "/api/v1/groups", {{409, "CONFLICT"}}},
        {Method::kPut, "/api/v1/groups/{id}", {{409, "CONFLICT"}}},
        {Method::kPost, "/api/v1/hooks/gateways/{id}/dlr", {{401, "INVALID_SIGNATURE"}}},
        {Method::kGet, "/api/v1/hooks/whatsapp/{id}", {{403, "INVALID_VERIFY_TOKEN"}}},
        {Method::kPost, "/api/v1/hooks/whatsapp/{id}", {{401, "INVALID_SIGNATURE"}}},
        {Method::kPost,
         "/api/v1/invitations/{id}/accept",
         {{403, "SESSION_REQUIRED"}, {409, "INVALID_STATUS"}}},
        {Method::kPost, "/api/v1/media", {{400, "MALFORMED_MULTIPART"}, {413, "MEDIA_TOO_LARGE"}}},
        {Method::kGet, "/api/v1/media/{id}/content", {{403, "SIGNATURE_INVALID"}}},
        {Method::kPost,
         "/api/v1/messages",
         {{400, "CHANNEL_MISMATCH"},
          {400, "INVALID_BODY"},
          {400, "INVALID_CONTENT"},
          {400, "INVALID_EMAIL"},
          {400, "INVALID_EMAIL_CONTENT"},
          {400, "INVALID_NUMBER"},
          {400, "INVALID_REPLY_TO"},
          {400, "INVALID_SENDER_ID"},
          {400, "MEDIA_NOT_FOUND"},
          {400, "MISSING_VARIABLE"},
          {400, "TEMPLATE_NOT_FOUND"},
          {400, "TEMPLATE_PARAMETERS"},
          {403, "EMAIL_NOT_VERIFIED"},
          {422, "CHANNEL_NOT_CONNECTED"},
          {422, "PUBLIC_URL_REQUIRED"},
          {422, "RECIPIENT_OPTED_OUT"},
          {422, "SENDER_ID_NOT_APPROVED"},
          {422, "TEMPLATE_NOT_APPROVED"},
          {429, "DAILY_LIMIT_REACHED"}}},
        {Method::kPost, "/api/v1/messages/bulk", {{429, "DAILY_LIMIT_REACHED"}}},
        {Method::kPost, "/api/v1/rates", {{422, "AMOUNT_OUT_OF_RANGE"}}},
        {Method::kPost, "/api/v1/rates/quote", {{400, "INVALID_NUMBER"}}},
        {Method::kPut, "/api/v1/rates/{id}", {{422, "AMOUNT_OUT_OF_RANGE"}}},
        {Method::kPost, "/api/v1/reports/export", {{422, "TOO_MANY_EXPORTS"}}},
        {Method::kPost, "/api/v1/sender-ids", {{409, "SENDER_ID_EXISTS"}}},
        {Method::kPost, "/api/v1/sender-ids/{id}/approve", {{409, "INVALID_STATUS"}}},
        {Method::kPost, "/api/v1/sender-ids/{id}/reject", {{409, "INVALID_STATUS"}}},
        {Method::kPost, "/api/v1/smpp-accounts", {{409, "SYSTEM_ID_TAKEN"}}},
        {Method::kDelete, "/api/v1/templates/{id}", {{409, "TEMPLATE_IN_USE"}}},
        {Method::kPost, "/api/v1/users", {{409, "ALREADY_MEMBER"}}},
        {Method::kPost, "/api/v1/users/invitations/{id}/resend", {{409, "INVALID_STATUS"}}},
        {Method::kDelete, "/api/v1/users/{id}", {{422, "SELF_CHANGE_FORBIDDEN"}}},
        {Method::kPut, "/api/v1/users/{id}", {{422, "LAST_OWNER"}}},
        {Method::kPost, "/api/v1/users/{id}/deactivate", {{422, "SELF_CHANGE_FORBIDDEN"}}},
        {Method::kPost, "/api/v1/wallet/adjustments", {{422, "AMOUNT_OUT_OF_RANGE"}}},
        {Method::kPut, "/api/v1/wallet/credit-limit", {{422, "AMOUNT_OUT_OF_RANGE"}}},
        {Method::kPut, "/api/v1/wallet/low-balance-alert", {{422, "AMOUNT_OUT_OF_RANGE"}}},
        {Method::kPost,
         "/api/v1/wallet/topups",
         {{422, "AMOUNT_OUT_OF_RANGE"}, {422, "REFERENCE_REUSED"}}},
        {Method::kPost, "/api/v1/wallet/transfers", {{422, "REFERENCE_REUSED"}}},
        {Method::kPost, "/api/v1/webhooks", {{409, "WEBHOOK_LIMIT_REACHED"}}},
        {Method::kGet, "/api/v1/ws", {{422, "UPGRADE_REQUIRED"}}},
        {Method::kGet, "/metrics", {{401, "INVALID_TOKEN"}}},
    };
    return table;
}

}  // namespace

std::vector<std::string> document_route_errors(http::Router& router) {
    std::vector<std::string> unknown;
    for (const auto& entry : route_errors()) {
        bool found = false;
        router.adjust([&](http::Route& r) {
            if (r.method != entry.method || r.pattern != entry.pattern) return;
            found = true;
            auto& errors = r.options.doc.errors;
            for (const auto& e : entry.errors)
                if (std::none_of(errors.begin(), errors.end(), [&](const ErrorDoc& have) {
                        return have.status == e.status && have.code == e.code;
                    }))
                    errors.push_back(e);
        });
        if (!found)
            unknown.push_back(std::string(http::method_name(entry.method)) + " " +
                              std::string(entry.pattern));
    }
    return unknown;
}

}  // namespace ujumbe::app
