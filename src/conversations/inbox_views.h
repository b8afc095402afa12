#pragma once
// A conversation as the API and the realtime feed show it.

#include <nlohmann/json.hpp>

#include "conversations/model.h"

namespace ujumbe::conversations {

nlohmann::json conversation_json(const Conversation& k);
// The schema of conversation_json() (the OpenAPI document).
nlohmann::json conversation_schema();

}  // namespace ujumbe::conversations
