#pragma once
// An account's WhatsApp Cloud API channel and the webhook deliveries Meta
// makes to it. Plain data, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"

namespace ujumbe::conversations {

using WhatsAppChannelId = Id<struct WhatsAppChannelTag>;
using WebhookEventId = Id<struct WebhookEventTag>;

// The credentials of a channel: sealed at rest, never shown.
struct WhatsAppSecrets {
    std::string access_token;
    std::string app_secret;    // signs Meta's webhook deliveries
    std::string verify_token;  // Meta echoes it in the subscription handshake
};

enum class ChannelStatus {
    kConnected,     // the Graph API accepted the credentials at the last check
    kError,         // the last check failed (last_error says why)
    kDisconnected,  // the account disconnected it; no secrets are kept
};
const char* status_name(ChannelStatus s);
// "+255 713 000 001" -> "+255713000001": a display number as messages name it.
std::string e164_of_display(const std::string& display);
std::optional<ChannelStatus> parse_status(const std::string& name);

struct WhatsAppChannel {
    WhatsAppChannelId id;
    AccountId account_id;
    std::string phone_number_id;
    std::string business_account_id;
    ChannelStatus status = ChannelStatus::kConnected;
    // What the Graph API reported at the last check.
    std::string display_phone_number, verified_name, quality_rating, messaging_limit;
    std::optional<std::string> last_error;
    std::optional<Micros> connected_at, checked_at, disconnected_at;
    Micros created_at = 0;
    Micros updated_at = 0;
};

// A webhook delivery as stored, and what processing made of it.
struct WebhookEvent {
    WebhookEventId id;
    Micros received_at = 0;
    std::optional<Micros> processed_at;
    std::optional<std::string> outcome;  // JSON text
    std::optional<std::string> body;     // as Meta sent it; read one at a time
};

using WhatsAppTemplateId = Id<struct WhatsAppTemplateTag>;

// A WhatsApp message template of the account, as submitted to Meta.
struct WhatsAppTemplate {
    WhatsAppTemplateId id;
    AccountId account_id;
    std::optional<std::string> meta_id;
    std::string name, language, category;
    std::string components;  // JSON, as submitted
    std::string body_text;
    int header_parameters = 0, body_parameters = 0;
    std::string status = "PENDING";  // Meta's: PENDING | APPROVED | REJECTED | PAUSED | ...
    std::optional<std::string> reason;
    std::optional<UserId> created_by;
    Micros created_at = 0;
    Micros updated_at = 0;
};

struct TemplateQuery {
    std::optional<std::string> status, category, search;
};

using ConversationId = Id<struct ConversationTag>;

// One per account, channel and customer: the thread an inbox shows.
// How many conversations an account has, open, and with unread messages.
struct ConversationCounts {
    std::int64_t total = 0, open = 0, unread = 0;
};

struct Conversation {
    ConversationId id;
    AccountId account_id;
    std::string channel;   // sms | whatsapp
    std::string customer;  // the customer's number, E.164
    std::optional<ContactId> contact_id;
    std::string status = "OPEN";  // OPEN | CLOSED
    std::optional<UserId> assigned_to;
    std::vector<std::string> tags;
    std::int64_t unread_count = 0;
    Micros last_message_at = 0;
    std::string last_message_preview;
    std::string last_direction;  // inbound | outbound
    Micros created_at = 0;
    Micros updated_at = 0;
};

struct ConversationQuery {
    std::optional<std::string> status, channel, tag, search;
    // Set: assigned to this user; set to nullopt inside: unassigned.
    std::optional<std::optional<UserId>> assigned_to;
    std::optional<bool> unread;
    // An agent limited by the account's setting: only these and the unassigned.
    std::optional<UserId> visible_to;
};

// PATCH /conversations/{id}: what is given changes.
struct ConversationUpdate {
    std::optional<std::string> status;
    std::optional<std::optional<UserId>> assigned_to;  // inner nullopt: unassign
    std::optional<std::vector<std::string>> tags;
};

// What POST /channels/whatsapp/connect gives.
struct ConnectInput {
    std::string phone_number_id;
    std::string business_account_id;
    WhatsAppSecrets secrets;
};

}  // namespace ujumbe::conversations
