#include "messaging/parts.h"

namespace ujumbe::messaging {

const char* delivery_status_name(DeliveryStatus s) {
    switch (s) {
        case DeliveryStatus::kSubmitted:
            return "submitted";
        case DeliveryStatus::kDelivered:
            return "delivered";
        case DeliveryStatus::kUndelivered:
            return "undelivered";
        case DeliveryStatus::kExpired:
            return "expired";
        case DeliveryStatus::kRejected:
            return "rejected";
    }
    return "submitted";
}

std::optional<DeliveryStatus> parse_delivery_status(std::string_view name) {
    for (auto s :
         {DeliveryStatus::kSubmitted, DeliveryStatus::kDelivered, DeliveryStatus::kUndelivered,
          DeliveryStatus::kExpired, DeliveryStatus::kRejected})
        if (name == delivery_status_name(s)) return s;
    return std::nullopt;
}

bool is_final(DeliveryStatus s) {
    return s != DeliveryStatus::kSubmitted;
}

DeliveryStatus message_status(const std::vector<PartState>& parts) {
    if (parts.empty()) return DeliveryStatus::kSubmitted;
    const PartState* first_failure = nullptr;
    bool all_delivered = true;
    for (const auto& p : parts) {
        if (p.status != DeliveryStatus::kDelivered) all_delivered = false;
        if (!is_final(p.status) || p.status == DeliveryStatus::kDelivered) continue;
        // Earliest receipt first; parts without a time (or at the same time)
        // in part order.
        const auto at = p.final_at.value_or(Micros{0});
        if (!first_failure) {
            first_failure = &p;
            continue;
        }
        const auto best = first_failure->final_at.value_or(Micros{0});
        if (at < best || (at == best && p.part < first_failure->part)) first_failure = &p;
    }
    if (first_failure) return first_failure->status;
    return all_delivered ? DeliveryStatus::kDelivered : DeliveryStatus::kSubmitted;
}

}  // namespace ujumbe::messaging
