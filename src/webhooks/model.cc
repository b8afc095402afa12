#include "webhooks/model.h"

#include <algorithm>

namespace ujumbe::webhooks {

const std::vector<std::string>& event_types() {
    static const std::vector<std::string> types = {"message.scheduled",
                                                   "message.queued",
                                                   "message.sent",
                                                   "message.delivered",
                                                   "message.undelivered",
                                                   "message.expired",
                                                   "message.rejected",
                                                   "message.failed",
                                                   "message.canceled",
                                                   "message.received",
                                                   "message.read",
                                                   "import.completed",
                                                   "wallet.low_balance",
                                                   "subscription.renewed",
                                                   "subscription.past_due",
                                                   "subscription.downgraded",
                                                   std::string(kWebhookDisabled)};
    return types;
}

bool is_event_type(std::string_view type) {
    const auto& all = event_types();
    return std::find(all.begin(), all.end(), type) != all.end();
}

bool subscribes(const std::vector<std::string>& events, std::string_view type) {
    return std::find_if(events.begin(), events.end(), [&](const std::string& e) {
               return e == "*" || e == type;
           }) != events.end();
}

std::string_view delivery_status_name(DeliveryStatus s) {
    switch (s) {
        case DeliveryStatus::kPending:
            return "pending";
        case DeliveryStatus::kDelivered:
            return "delivered";
        case DeliveryStatus::kFailed:
            return "failed";
    }
    return "pending";
}

std::optional<DeliveryStatus> parse_delivery_status(std::string_view name) {
    for (auto s : {DeliveryStatus::kPending, DeliveryStatus::kDelivered, DeliveryStatus::kFailed})
        if (delivery_status_name(s) == name) return s;
    return std::nullopt;
}

}  // namespace ujumbe::webhooks
