#pragma once
// The compact form of a final message's events and receipts kept in its
// row (messages.history, decision 0030): JSON arrays of their fields, in
// the order of the structs, so that nothing of either is lost. An event's
// type is null when it is "message.<status>", and its time is counted from
// the event before it (the first from zero).
//   {"e": [[seq, type|null, status, detail|null, created_at], ...],
//    "r": [[id, part, gateway_id, provider_id, stat, error_code|null,
//           submit_date|null, done_date|null, received_at], ...]}

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "messaging/model.h"

namespace ujumbe::messaging {

struct FoldedHistory {
    std::vector<MessageEvent> events;
    std::vector<Receipt> receipts;
};

std::string encode_history(const FoldedHistory& history);
// An internal error for text this code did not write.
Result<FoldedHistory> decode_history(std::string_view text);

}  // namespace ujumbe::messaging
