#pragma once
// The events outbox (docs/webhooks.md): every module that changes what an
// account's webhooks hear of appends the event in the transaction making the
// change, so a crash never separates a change from its event. The webhooks
// module fans the rows out to deliveries.

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "db/connection.h"

namespace ujumbe::db {

struct OutboxEvent {
    std::string account_id;
    std::string type;                       // "message.delivered", "import.completed"
    std::optional<std::string> message_id;  // a message's event
    std::optional<std::string> data;        // any other event's data object, JSON
    Micros created_at = 0;
};

// Appends the events someone listens to (an enabled webhook endpoint of the
// account subscribed to the type, or the message's callback_url), each
// with a new id (UUIDv7 of its time); the rest are not written.
Status append_events(Connection& c, const std::vector<OutboxEvent>& events);

}  // namespace ujumbe::db
