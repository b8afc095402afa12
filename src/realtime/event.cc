#include "realtime/event.h"

namespace ujumbe::realtime {

using json = nlohmann::json;

std::string frame_of(const Event& e) {
    json out = {{"type", e.type}, {"data", e.data}};
    if (!e.room.empty()) out["conversation_id"] = e.room;
    return out.dump();
}

std::string wire_of(const Event& e) {
    return json({{"a", e.account_id.value},
                 {"t", e.type},
                 {"d", e.data},
                 {"r", e.room},
                 {"o", e.origin},
                 {"s", e.conversation_scoped},
                 {"w", e.assignee}})
        .dump();
}

std::optional<Event> event_of_wire(const std::string& text) {
    const json doc = json::parse(text, nullptr, false);  // written by wire_of, on our database
    if (!doc.is_object() || !doc.contains("a") || !doc["a"].is_string() || !doc.contains("t") ||
        !doc["t"].is_string())
        return std::nullopt;
    Event e;
    e.account_id = AccountId{doc["a"].get<std::string>()};
    e.type = doc["t"].get<std::string>();
    if (doc.contains("d") && doc["d"].is_object()) e.data = doc["d"];
    if (doc.contains("r") && doc["r"].is_string()) e.room = doc["r"].get<std::string>();
    if (doc.contains("o") && doc["o"].is_string()) e.origin = doc["o"].get<std::string>();
    if (doc.contains("s") && doc["s"].is_boolean()) e.conversation_scoped = doc["s"].get<bool>();
    if (doc.contains("w") && doc["w"].is_string()) e.assignee = doc["w"].get<std::string>();
    return e;
}

}  // namespace ujumbe::realtime
