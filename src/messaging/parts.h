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

#include "channels/delivery_status.h"
#include "core/clock.h"

namespace ujumbe::messaging {

// Part and message statuses after the gateway took the message.
using channels::delivery_status_name;
using channels::DeliveryStatus;
using channels::is_final;
using channels::parse_delivery_status;
using channels::reached;

struct PartState {
    int part = 1;  // 1-based
    DeliveryStatus status = DeliveryStatus::kSubmitted;
    std::optional<Micros> final_at;  // when its final receipt came
};

// The message's status from its parts (an empty list is submitted).
DeliveryStatus message_status(const std::vector<PartState>& parts);

}  // namespace ujumbe::messaging
