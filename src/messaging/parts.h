#pragma once
// A long message goes out as N parts, each with its own provider id and its
// own receipt; the message has one status. It is delivered only when every
// part is; the first part to fail (in the order receipts arrived) decides
// any other final status; until then it stays submitted.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace ujumbe::messaging {

// Part and message statuses after the gateway took the message.
enum class DeliveryStatus { kSubmitted, kDelivered, kUndelivered, kExpired, kRejected };

const char* delivery_status_name(DeliveryStatus s);  // "submitted", "delivered", ...
std::optional<DeliveryStatus> parse_delivery_status(std::string_view name);
bool is_final(DeliveryStatus s);

struct PartState {
    int part = 1;  // 1-based
    DeliveryStatus status = DeliveryStatus::kSubmitted;
    std::optional<Micros> final_at;  // when its final receipt came
};

// The message's status from its parts (an empty list is submitted).
DeliveryStatus message_status(const std::vector<PartState>& parts);

}  // namespace ujumbe::messaging
