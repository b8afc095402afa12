#pragma once
// How a message looks outside: the API's answers and the webhooks' events
// show the same object.

#include <nlohmann/json.hpp>

#include "messaging/model.h"

namespace ujumbe::messaging {

nlohmann::json message_json(const Message& m);
// The JSON Schema of message_json() (the OpenAPI document's "Message").
nlohmann::json message_schema();

}  // namespace ujumbe::messaging
