#pragma once
// WebSockets as routes see them (the server does the upgrade and the
// framing, in server.cc). A route answers an upgrade request with a
// Response whose `upgrade` is set; the server then accepts the WebSocket
// and runs it: each text frame from the client goes to on_text, and the
// session sends through its peer from any thread. The server pings an
// idle client and closes a dead one, bounds the frames a client sends,
// and closes a client that does not read what is sent to it (1008)
// rather than buffering without bound.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ujumbe::http {

// Close codes this server sends.
inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseGoingAway = 1001;  // the server stops
inline constexpr std::uint16_t kClosePolicy = 1008;     // too slow, too much
inline constexpr std::uint16_t kCloseTooBig = 1009;

class WebSocketPeer {
public:
    virtual ~WebSocketPeer() = default;
    // Queues a text frame; any thread. Past the queue's bound the client is
    // closed with kClosePolicy and what was queued is dropped.
    virtual void send(std::string text) = 0;
    virtual void close(std::uint16_t code, std::string reason) = 0;
};

class WebSocketSession {
public:
    virtual ~WebSocketSession() = default;
    // Once the handshake is done; before any on_text.
    virtual void on_open(std::shared_ptr<WebSocketPeer> peer) = 0;
    // A text frame from the client (on the connection's I/O thread: quick).
    virtual void on_text(std::string_view text) = 0;
    // The connection ended, whoever closed it; nothing is sent after.
    virtual void on_close() = 0;
};

struct WebSocketLimits {
    std::size_t max_frame_bytes = 16 * 1024;     // from the client
    std::size_t max_queued_bytes = 1024 * 1024;  // to the client, not yet written
    std::size_t max_queued_frames = 4096;
};

}  // namespace ujumbe::http
