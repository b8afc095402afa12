#pragma once
// SQL of the conversations module: WhatsApp channels and the raw webhook
// deliveries. Secrets are stored sealed; the store neither seals nor opens.

#include <optional>
#include <string>
#include <vector>

#include "conversations/model.h"
#include "db/connection.h"
#include "db/store_support.h"

namespace ujumbe::conversations::store {

using db::Connection;

struct StoredChannel {
    WhatsAppChannel channel;
    std::string sealed;  // "" when none are kept
};

Result<std::optional<StoredChannel>> channel_of_account(Connection& c, const AccountId& account);
Result<std::optional<StoredChannel>> channel_by_id(Connection& c, const WhatsAppChannelId& id);
// Every channel not disconnected (what can send), any account's.
Result<std::vector<StoredChannel>> sending_channels(Connection& c);
// The account holding `phone_number_id` connected (or failing), if another.
Result<std::optional<AccountId>> number_holder(Connection& c, const std::string& phone_number_id);
// Inserts the channel, or replaces every field of the account's one.
Status save_channel(Connection& c, const WhatsAppChannel& ch, const std::string& sealed);

Status insert_webhook_event(Connection& c, const WebhookEventId& id, const WhatsAppChannel& channel,
                            const std::string& body, Micros at);
// Deliveries of `channel` not yet processed.
Result<std::int64_t> waiting_webhook_events(Connection& c, const WhatsAppChannelId& channel);
// When the last delivery to `channel` was stored.
Result<std::optional<Micros>> last_webhook_at(Connection& c, const WhatsAppChannelId& channel);

// The channel's deliveries, newest first, without their bodies.
Result<db::Listing<WebhookEvent>> list_webhook_events(Connection& c,
                                                      const WhatsAppChannelId& channel,
                                                      const db::Paged& page);
// One delivery of the channel, with its body.
Result<std::optional<WebhookEvent>> webhook_event(Connection& c, const WhatsAppChannelId& channel,
                                                  const WebhookEventId& id);

struct WaitingEvent {
    WebhookEventId id;
    WhatsAppChannelId channel_id;
    std::string body;
};
// The oldest deliveries not yet processed, at most `limit`, locked for this
// transaction on PostgreSQL (other nodes take the next ones).
Result<std::vector<WaitingEvent>> claim_webhook_events(Connection& c, int limit);
// `outcome`: JSON text of what processing made of it.
Status finish_webhook_event(Connection& c, const WebhookEventId& id, const std::string& outcome,
                            Micros at);

// Deletes up to `limit` processed deliveries received before `before`, and
// up to `limit` ids taken before `seen_before`; how many rows went.
Result<std::int64_t> purge_webhook_events(Connection& c, Micros before, int limit);
Result<std::int64_t> purge_seen(Connection& c, Micros seen_before, int limit);
// Records that `wamid` was taken as `what` ("message", or a status);
// false when it had been before.
Result<bool> mark_seen(Connection& c, const WhatsAppChannelId& channel, const std::string& wamid,
                       const std::string& what, const std::optional<std::string>& message_id,
                       Micros at);
// The customer's last message to the channel, when later than the one kept.
Status note_inbound(Connection& c, const WhatsAppChannelId& channel, const std::string& wa_id,
                    Micros at);
Result<std::optional<Micros>> last_inbound(Connection& c, const WhatsAppChannelId& channel,
                                           const std::string& wa_id);

}  // namespace ujumbe::conversations::store
