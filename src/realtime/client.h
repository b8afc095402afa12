#pragma once
// One realtime WebSocket client: it hears its account's events, joins and
// leaves conversation rooms, and says when its user types. What a client
// sends (one JSON object a frame):
//   {"type": "join" | "leave", "conversation_id": "<uuid>"}
//   {"type": "typing.start" | "typing.stop", "conversation_id": "<uuid>"}
//   {"type": "ping"}
// Answers: ready (on open), joined, left, pong, error. Typing needs the room
// joined and goes at most once a second a room.

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "http/websocket.h"
#include "realtime/hub.h"
#include "realtime/publisher.h"

namespace ujumbe::realtime {

inline constexpr std::size_t kMaxRooms = 100;

class Client final : public http::WebSocketSession,
                     public Listener,
                     public std::enable_shared_from_this<Client> {
public:
    // `limited`: the user is an agent who sees only their own and the
    // unassigned conversations.
    Client(Hub& hub, Publisher& publisher, Clock& clock, AccountId account, UserId user,
           bool limited);

    void on_open(std::shared_ptr<http::WebSocketPeer> peer) override;
    void on_text(std::string_view text) override;
    void on_close() override;

    bool wants(const Event& e) const override;
    void deliver(const std::string& frame) override;

private:
    bool in_room(const std::string& room) const;
    void reply(const std::string& type, const nlohmann::json& data = nlohmann::json::object());

    Hub& hub_;
    Publisher& publisher_;
    Clock& clock_;
    const AccountId account_;
    const UserId user_;
    const bool limited_;
    const std::string id_;
    std::shared_ptr<http::WebSocketPeer> peer_;  // set on open, before any delivery
    mutable std::mutex mutex_;
    std::set<std::string> rooms_;
    std::map<std::string, Micros> typed_at_;  // on_text only
};

}  // namespace ujumbe::realtime
