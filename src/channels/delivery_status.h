#pragma once
// What a gateway says became of a part it took: the vocabulary receipts are
// reported in (channels) and message statuses are derived from (messaging).

#include <optional>
#include <string_view>

namespace ujumbe::channels {

// kRead: delivered and seen by the person (WhatsApp's read receipts); it
// may follow kDelivered, which no other status does.
enum class DeliveryStatus { kSubmitted, kDelivered, kUndelivered, kExpired, kRejected, kRead };

const char* delivery_status_name(DeliveryStatus s);  // "submitted", "delivered", ...
std::optional<DeliveryStatus> parse_delivery_status(std::string_view name);
bool is_final(DeliveryStatus s);
// Delivered or read: the message reached the person.
bool reached(DeliveryStatus s);

}  // namespace ujumbe::channels
