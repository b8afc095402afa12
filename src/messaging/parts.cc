#include "messaging/parts.h"

namespace ujumbe::messaging {

DeliveryStatus message_status(const std::vector<PartState>& parts) {
    if (parts.empty()) return DeliveryStatus::kSubmitted;
    const PartState* first_failure = nullptr;
    bool all_reached = true, all_read = true;
    for (const auto& p : parts) {
        if (!reached(p.status)) all_reached = false;
        if (p.status != DeliveryStatus::kRead) all_read = false;
        if (!is_final(p.status) || reached(p.status)) continue;
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
    if (all_read) return DeliveryStatus::kRead;
    return all_reached ? DeliveryStatus::kDelivered : DeliveryStatus::kSubmitted;
}

}  // namespace ujumbe::messaging
