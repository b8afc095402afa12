#pragma once
// Webhooks out (docs/webhooks.md): an account's endpoints, the deliveries of
// events to them and to messages' callback URLs, and the event types. Plain
// data, no I/O.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"

namespace ujumbe::webhooks {

using WebhookId = Id<struct WebhookTag>;
using DeliveryId = Id<struct WebhookDeliveryTag>;

// Every type an endpoint may subscribe to, in the order the docs list them.
const std::vector<std::string>& event_types();
bool is_event_type(std::string_view type);
// Whether an endpoint subscribed to `events` ("*" is all) hears `type`.
bool subscribes(const std::vector<std::string>& events, std::string_view type);

inline constexpr std::string_view kPing = "ping";
inline constexpr std::string_view kWebhookDisabled = "webhook.disabled";

struct Endpoint {
    WebhookId id;
    AccountId account_id;
    std::string url;
    std::vector<std::string> events;
    std::optional<std::string> description;
    bool enabled = true;
    std::optional<Micros> failing_since;
    std::optional<std::string> disabled_reason;
    std::optional<Micros> secret_rotated_at;
    std::optional<Micros> previous_until;  // the old secret signs too until then
    Micros created_at = 0, updated_at = 0;
};

// POST (url and events required) and PUT/PATCH (any subset).
struct EndpointInput {
    std::optional<std::string> url;
    std::optional<std::vector<std::string>> events;
    std::optional<std::optional<std::string>> description;  // null clears it
    std::optional<bool> enabled;
};

// An endpoint as created or rotated: the secret, shown this once.
struct IssuedSecret {
    Endpoint endpoint;
    std::string secret;
};

enum class DeliveryStatus { kPending, kDelivered, kFailed };
std::string_view delivery_status_name(DeliveryStatus s);
std::optional<DeliveryStatus> parse_delivery_status(std::string_view name);

// One event to one destination, with what its last attempt found.
struct Delivery {
    DeliveryId id;
    AccountId account_id;
    std::optional<WebhookId> webhook_id;  // none: a message's callback_url
    std::string url;
    std::string event_id;
    std::string event_type;
    std::optional<MessageId> message_id;
    std::string body;
    DeliveryStatus status = DeliveryStatus::kPending;
    int attempts = 0;
    std::optional<Micros> next_attempt_at;
    std::optional<int> response_status;
    std::optional<int> latency_ms;
    std::optional<std::string> error;
    std::optional<std::string> response_excerpt;
    std::optional<Micros> delivered_at;
    Micros created_at = 0, updated_at = 0;
};

}  // namespace ujumbe::webhooks
