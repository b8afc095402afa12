#pragma once
// What goes to an account's realtime clients: a type (message.new,
// message.status, conversation.updated, typing.start, typing.stop), its data,
// and for typing the conversation (room) and the client it came from.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/ids.h"

namespace ujumbe::realtime {

struct Event {
    AccountId account_id;
    std::string type;
    nlohmann::json data = nlohmann::json::object();
    // Typing: only clients that joined this conversation hear it, never the
    // client it came from.
    std::string room;
    std::string origin;
    // An event about one conversation (message.new of a customer's message,
    // conversation.updated): its assignee, "" when unassigned. Agents limited
    // to their own conversations hear only these, and only theirs.
    bool conversation_scoped = false;
    std::string assignee;
};

// The frame a client receives: {"type", "data"} (and "conversation_id" for typing).
std::string frame_of(const Event& e);
// Across nodes (PostgreSQL NOTIFY): the event whole; nullopt when the text is
// not one.
std::string wire_of(const Event& e);
std::optional<Event> event_of_wire(const std::string& text);

}  // namespace ujumbe::realtime
