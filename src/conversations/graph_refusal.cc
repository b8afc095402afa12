#include <utility>  // before Asio (g++ 12)

#include "conversations/graph_refusal.h"

#include <nlohmann/json.hpp>

namespace ujumbe::conversations {

using channels::whatsapp::GraphError;

std::string describe(const GraphError& e) {
    if (e.http_status == 0) return "The Graph API could not be reached: " + e.message;
    return "The Graph API refused the request (code " + std::to_string(e.code) + "): " + e.message;
}

Error graph_refusal(const GraphError& e, std::string field, std::string code, std::string message) {
    if (e.transient()) {
        Error out = Error::unavailable(describe(e));
        out.error_code = "WHATSAPP_UNREACHABLE";
        out.retry_after_s = 30;
        return out;
    }
    Error out = e.auth_failed() ? Error::precondition("WHATSAPP_AUTH_FAILED",
                                                      "The Graph API refused the access token.")
                                : Error::precondition(std::move(code), std::move(message));
    out.errors[e.auth_failed() ? "access_token" : std::move(field)].push_back(out.message);
    out.details = {{"graph_code", e.code}, {"graph_http_status", e.http_status}};
    if (e.subcode >= 0) out.details["graph_subcode"] = e.subcode;
    return out;
}

}  // namespace ujumbe::conversations
