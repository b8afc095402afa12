#pragma once
// Short-lived tickets for opening the realtime WebSocket from a browser,
// which cannot set headers on it: POST /ws/tickets (with the usual
// credentials) gives one, good for kTicketLife, to put in the URL instead of
// a long-lived token. Signed with the server secret (HMAC-SHA256), so any
// node checks it without a lookup.

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"

namespace ujumbe::realtime {

inline constexpr Micros kTicketLife = 30 * kMicrosPerSecond;

// Who a ticket lets in.
struct TicketHolder {
    AccountId account_id;
    UserId user_id;
    std::string role;  // the member's role when it was given
};

std::string mint_ticket(const std::string& secret, const TicketHolder& who, Micros now);
// nullopt when forged, altered or expired.
std::optional<TicketHolder> check_ticket(const std::string& secret, const std::string& ticket,
                                         Micros now);

}  // namespace ujumbe::realtime
