#pragma once
// What a delivery carries: the event's body, fixed when it is fanned out,
// and what of a receiver's answer is kept.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/ids.h"

namespace ujumbe::webhooks {

// {"id", "type", "created_at", "account_id", "data"}, compact.
std::string event_body(const std::string& id, std::string_view type, Micros created_at,
                       const AccountId& account, const nlohmann::json& data);

// At most the first 256 bytes of an answer, cut between characters, with
// bytes that are not UTF-8 text (or are control characters) as '?'.
std::string response_excerpt(std::string_view body);

}  // namespace ujumbe::webhooks
