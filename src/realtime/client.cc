#include "realtime/client.h"

#include "core/crypto.h"
#include "core/json.h"
#include "core/validate.h"

namespace ujumbe::realtime {

namespace {

using json = nlohmann::json;
constexpr Micros kTypingEvery = kMicrosPerSecond;

}  // namespace

Client::Client(Hub& hub, Publisher& publisher, Clock& clock, AccountId account, UserId user,
               bool limited)
    : hub_(hub),
      publisher_(publisher),
      clock_(clock),
      account_(std::move(account)),
      user_(std::move(user)),
      limited_(limited),
      id_(random_token(12)) {}

bool Client::wants(const Event& e) const {
    if (!e.room.empty()) return e.origin != id_ && in_room(e.room);
    if (!limited_) return true;
    return e.conversation_scoped && (e.assignee.empty() || e.assignee == user_.value);
}

void Client::on_open(std::shared_ptr<http::WebSocketPeer> peer) {
    peer_ = std::move(peer);
    hub_.add(account_, shared_from_this());
    publisher_.clients_changed();
    reply("ready", {{"account_id", account_.value}, {"user_id", user_.value}});
}

void Client::on_close() {
    hub_.remove(account_, this);
    publisher_.clients_changed();
}

bool Client::in_room(const std::string& room) const {
    std::lock_guard lock(mutex_);
    return rooms_.count(room) > 0;
}

void Client::deliver(const std::string& frame) {
    peer_->send(frame);
}

void Client::reply(const std::string& type, const json& data) {
    peer_->send(json({{"type", type}, {"data", data}}).dump());
}

void Client::on_text(std::string_view text) {
    JsonParseProblem problem;
    const json msg = parse_json_bounded(text, problem);
    if (!msg.is_object() || !msg.contains("type") || !msg["type"].is_string()) {
        reply("error", {{"message", "Send a JSON object with a type."}});
        return;
    }
    const std::string type = msg["type"].get<std::string>();
    if (type == "ping") {
        reply("pong");
        return;
    }
    const bool rooms = type == "join" || type == "leave";
    const bool typing = type == "typing.start" || type == "typing.stop";
    if (!rooms && !typing) {
        reply("error", {{"message",
                         "Unknown type; use join, leave, typing.start, typing.stop "
                         "or ping."}});
        return;
    }
    const std::string room = msg.value("conversation_id", json()).is_string()
                                 ? msg["conversation_id"].get<std::string>()
                                 : std::string();
    if (!is_uuid(room)) {
        reply("error", {{"message", "conversation_id must be a conversation's id."}});
        return;
    }
    if (type == "join") {
        std::lock_guard lock(mutex_);
        if (rooms_.size() >= kMaxRooms && !rooms_.count(room)) {
            reply("error", {{"message", "At most 100 conversations at once."}});
            return;
        }
        rooms_.insert(room);
    } else if (type == "leave") {
        std::lock_guard lock(mutex_);
        rooms_.erase(room);
    }
    if (rooms) {
        reply(type == "join" ? "joined" : "left", {{"conversation_id", room}});
        return;
    }
    if (!in_room(room)) {
        reply("error", {{"message", "Join the conversation before typing in it."}});
        return;
    }
    const Micros now = clock_.now();
    auto& last = typed_at_[type + room];
    if (now - last < kTypingEvery) return;  // often enough for a typing indicator
    last = now;
    publisher_.publish_now({.account_id = account_,
                            .type = type,
                            .data = {{"conversation_id", room}, {"user_id", user_.value}},
                            .room = room,
                            .origin = id_});
}

}  // namespace ujumbe::realtime
