#pragma once
// Sending over an account's WhatsApp channel (decision 0036): the checks the
// accept path asks of every WhatsApp message (a connected channel, a message
// the Cloud API takes, the 24-hour customer-service window, approved
// templates), and the live gateway of each channel, kept in routing so the
// pipeline sends an account's WhatsApp messages through its own number.
// Gateways follow the stored channels: loaded at start, again soon after a
// connect or disconnect here, and every kRefresh for changes made on other
// nodes.

#include <map>
#include <string>

#include "channels/whatsapp_cloud/graph.h"
#include "conversations/model.h"
#include "core/clock.h"
#include "core/polling_thread.h"
#include "db/database.h"
#include "media/files.h"
#include "messaging/ports.h"
#include "routing/service.h"

namespace ujumbe::conversations {

// The customer-service window (PROTOCOLS.md 3.7).
inline constexpr Micros kServiceWindow = 24 * 3600 * kMicrosPerSecond;

class WhatsAppSending final : public messaging::SendChannel {
public:
    static constexpr Micros kRefresh = 10 * kMicrosPerSecond;

    // `secret` opens the stored credentials; `graph` is where gateways call;
    // `files` where they find the media files they send.
    WhatsAppSending(db::Database& db, Clock& clock, std::string secret,
                    routing::RoutingService& routing, channels::whatsapp::GraphOptions graph,
                    const media::MediaFiles& files);
    ~WhatsAppSending() override;

    void start();
    void stop();
    // A channel was connected, checked or disconnected: gateways follow soon.
    void changed();
    // Sets the live gateways to the stored channels; how many changed.
    Result<int> reload();

    Result<std::optional<Error>> check(db::Connection& c, const messaging::SendRequest& r,
                                       const messaging::Message* replied,
                                       messaging::Message& m) override;

private:
    db::Database& db_;
    Clock& clock_;
    std::string secret_;
    routing::RoutingService& routing_;
    channels::whatsapp::GraphOptions graph_;
    const media::MediaFiles& files_;
    PollingThread thread_;
    // The channels with a live gateway and the stored form it was made from.
    std::map<WhatsAppChannelId, std::pair<AccountId, Micros>> live_;  // reload() only
};

}  // namespace ujumbe::conversations
