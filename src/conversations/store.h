#pragma once
// SQL of the conversations module: WhatsApp channels and the raw webhook
// deliveries. Secrets are stored sealed; the store neither seals nor opens.

#include <optional>
#include <string>

#include "conversations/model.h"
#include "db/connection.h"

namespace ujumbe::conversations::store {

using db::Connection;

struct StoredChannel {
    WhatsAppChannel channel;
    std::string sealed;  // "" when none are kept
};

Result<std::optional<StoredChannel>> channel_of_account(Connection& c, const AccountId& account);
Result<std::optional<StoredChannel>> channel_by_id(Connection& c, const WhatsAppChannelId& id);
// The account holding `phone_number_id` connected (or failing), if another.
Result<std::optional<AccountId>> number_holder(Connection& c, const std::string& phone_number_id);
// Inserts the channel, or replaces every field of the account's one.
Status save_channel(Connection& c, const WhatsAppChannel& ch, const std::string& sealed);

Status insert_webhook_event(Connection& c, const WebhookEventId& id, const WhatsAppChannel& channel,
                            const std::string& body, Micros at);
// Deliveries of `channel` not yet processed.
Result<std::int64_t> waiting_webhook_events(Connection& c, const WhatsAppChannelId& channel);

}  // namespace ujumbe::conversations::store
