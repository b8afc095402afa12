#include "realtime/tickets.h"

#include <nlohmann/json.hpp>

#include "core/crypto.h"

namespace ujumbe::realtime {

namespace {

using json = nlohmann::json;

// A key of its own, derived from the server secret.
std::string ticket_key(const std::string& secret) {
    return hmac_sha256(secret, "realtime-tickets");
}

}  // namespace

std::string mint_ticket(const std::string& secret, const TicketHolder& who, Micros now) {
    const std::string payload = base64url_encode(json({{"a", who.account_id.value},
                                                       {"u", who.user_id.value},
                                                       {"r", who.role},
                                                       {"e", now + kTicketLife},
                                                       {"n", random_token(8)}})
                                                     .dump());
    return payload + "." + base64url_encode(hmac_sha256(ticket_key(secret), payload));
}

std::optional<TicketHolder> check_ticket(const std::string& secret, const std::string& ticket,
                                         Micros now) {
    if (ticket.size() > 1024) return std::nullopt;
    const auto dot = ticket.find('.');
    if (dot == std::string::npos) return std::nullopt;
    const std::string payload = ticket.substr(0, dot);
    const auto mac = base64url_decode(ticket.substr(dot + 1));
    if (!mac || !constant_time_equal(*mac, hmac_sha256(ticket_key(secret), payload)))
        return std::nullopt;
    const auto text = base64url_decode(payload);
    if (!text) return std::nullopt;
    const json doc = json::parse(*text, nullptr, false);  // signed by us
    if (!doc.is_object() || !doc.contains("e") || !doc["e"].is_number_integer() ||
        doc["e"].get<Micros>() < now)
        return std::nullopt;
    return TicketHolder{AccountId{doc.value("a", "")}, UserId{doc.value("u", "")},
                        doc.value("r", "")};
}

}  // namespace ujumbe::realtime
