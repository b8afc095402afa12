#include "channels/delivery_status.h"

namespace ujumbe::channels {

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
        case DeliveryStatus::kRead:
            return "read";
    }
    return "submitted";
}

std::optional<DeliveryStatus> parse_delivery_status(std::string_view name) {
    for (auto s :
         {DeliveryStatus::kSubmitted, DeliveryStatus::kDelivered, DeliveryStatus::kUndelivered,
          DeliveryStatus::kExpired, DeliveryStatus::kRejected, DeliveryStatus::kRead})
        if (name == delivery_status_name(s)) return s;
    return std::nullopt;
}

bool is_final(DeliveryStatus s) {
    return s != DeliveryStatus::kSubmitted;
}

bool reached(DeliveryStatus s) {
    return s == DeliveryStatus::kDelivered || s == DeliveryStatus::kRead;
}

}  // namespace ujumbe::channels
