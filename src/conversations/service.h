#pragma once
// An account's WhatsApp Cloud API channel: connect (the credentials checked
// against the Graph API before anything is stored), status (optionally
// checked again), disconnect; and the webhook Meta calls for it: the
// subscription handshake and signed deliveries, stored as they came before
// they are answered. Owners and admins connect and disconnect; every member
// of the account reads the status.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "channels/whatsapp_cloud/graph.h"
#include "conversations/model.h"
#include "core/clock.h"
#include "core/principal.h"
#include "core/result.h"
#include "db/database.h"
#include "db/store_support.h"

namespace ujumbe::conversations {

// What GET /channels/whatsapp shows.
struct ChannelView {
    WhatsAppChannel channel;
    std::int64_t webhook_events_waiting = 0;  // stored, not yet processed
    std::optional<Micros> last_webhook_at;    // the last delivery stored
};

// Meta's webhook deliveries are at most this large (a batch of a few events).
inline constexpr std::size_t kMaxWebhookBytes = 1 << 20;

class WhatsAppChannels {
public:
    // `secret` seals the credentials; `graph` checks them; `stored` hears of
    // each webhook delivery stored (the processor's wake); `changed` of each
    // channel connected, checked again or disconnected (its gateway follows).
    WhatsAppChannels(db::Database& db, Clock& clock, std::string secret,
                     channels::whatsapp::GraphApi& graph, std::function<void()> stored = {},
                     std::function<void()> changed = {});

    Result<ChannelView> connect(const Principal& who, const ConnectInput& in);
    // The account's channel (404 when it never connected one); `refresh`
    // asks the Graph API again first.
    Result<ChannelView> status(const Principal& who, bool refresh);
    // Forgets the credentials; Meta's deliveries to it are refused from now.
    Result<ChannelView> disconnect(const Principal& who);

    // The deliveries Meta made to the account's channel, newest first, and
    // one of them with its body (404 for another account's).
    Result<db::Listing<WebhookEvent>> webhook_events(const Principal& who, const db::Paged& page);
    Result<WebhookEvent> webhook_event(const Principal& who, const std::string& id);

    // GET /hooks/whatsapp/{id}: the challenge to answer with, when `mode` is
    // "subscribe" and `token` is the channel's verify token (403 otherwise).
    Result<std::string> verify_subscription(const std::string& channel_id, const std::string& mode,
                                            const std::string& token, const std::string& challenge);
    // POST /hooks/whatsapp/{id}: `signature` (X-Hub-Signature-256) must be
    // the HMAC-SHA256 of `body` under the app secret (401 otherwise, nothing
    // stored); a JSON object is then stored as it came.
    Status receive(const std::string& channel_id, std::string_view signature,
                   const std::string& body);

private:
    // The Graph API's view of the number, into `ch` (status and last_error too).
    // Fails only when the Graph API could not be asked (503).
    Status check(WhatsAppChannel& ch, const WhatsAppSecrets& secrets);
    Result<ChannelView> view(db::Connection& c, WhatsAppChannel ch);
    // Passes `saved` on, telling `changed_` when it was saved.
    Result<ChannelView> changed(Result<ChannelView> saved);
    // The channel a hook names, connected, with its secrets open (404 otherwise).
    Result<std::pair<WhatsAppChannel, WhatsAppSecrets>> hook_channel(const std::string& channel_id);

    db::Database& db_;
    Clock& clock_;
    std::string secret_;
    channels::whatsapp::GraphApi& graph_;
    std::function<void()> stored_, changed_;
};

// The credentials sealed under `secret`, and opened again (nullopt when the
// text was not sealed under it).
std::string seal_secrets(const std::string& secret, const WhatsAppSecrets& s);
std::optional<WhatsAppSecrets> open_secrets(const std::string& secret, const std::string& sealed);

// Whether `header` ("sha256=<hex>") signs `body` under `app_secret`; constant time.
bool signature_matches(std::string_view header, std::string_view app_secret, std::string_view body);

}  // namespace ujumbe::conversations
