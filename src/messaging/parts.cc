#include "messaging/parts.h"

namespace ujumbe::messaging {

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
