#pragma once
// The messaging domain: messages with their parts, status history and
// receipts, sender ids, and what a send asks for. Plain data, no I/O.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/ids.h"
#include "messaging/status.h"

namespace ujumbe::messaging {

// Message statuses (SPEC 3.3): scheduled -> queued -> sending -> sent ->
// delivered | undelivered | expired | rejected; failed before the gateway;
// canceled for a scheduled message withdrawn; received for inbound. The
// changes allowed between them: messaging/status.h. The statuses by name, as the pipeline's code
// reads them (status::kSent).
namespace status {
inline constexpr MessageStatus kScheduled = MessageStatus::kScheduled;
inline constexpr MessageStatus kQueued = MessageStatus::kQueued;
inline constexpr MessageStatus kSending = MessageStatus::kSending;
inline constexpr MessageStatus kSent = MessageStatus::kSent;
inline constexpr MessageStatus kDelivered = MessageStatus::kDelivered;
inline constexpr MessageStatus kUndelivered = MessageStatus::kUndelivered;
inline constexpr MessageStatus kExpired = MessageStatus::kExpired;
inline constexpr MessageStatus kRejected = MessageStatus::kRejected;
inline constexpr MessageStatus kFailed = MessageStatus::kFailed;
inline constexpr MessageStatus kCanceled = MessageStatus::kCanceled;
inline constexpr MessageStatus kReceived = MessageStatus::kReceived;
inline constexpr MessageStatus kRead = MessageStatus::kRead;
}  // namespace status

struct Message {
    MessageId id;
    AccountId account_id;
    std::optional<UserId> user_id;
    std::optional<ApiKeyId> api_key_id;
    std::string direction = "outbound";  // outbound | inbound
    std::string channel = "sms";
    std::string to;      // E.164 (outbound) or our number (inbound)
    std::string sender;  // sender id (outbound) or the customer's number (inbound)
    std::string body;
    std::string encoding;  // gsm7 | ucs2
    int segments = 1;
    MessageStatus status = MessageStatus::kQueued;
    bool transactional = false;
    std::optional<std::string> client_ref;
    std::optional<std::string> callback_url;
    std::optional<Micros> send_at;
    std::optional<GatewayId> gateway_id;
    int attempts = 0;
    std::optional<std::string> error_code;
    std::optional<std::string> error_message;
    Micros created_at = 0;
    Micros updated_at = 0;
    std::optional<Micros> sent_at;
    std::optional<Micros> done_at;
    // What the account paid and what the base card says it costs, in
    // micro-units of `currency` (unset before billing or when unpriced).
    std::optional<std::string> currency;
    std::optional<std::int64_t> price, cost;
    std::optional<CampaignId> campaign_id;  // sent for a campaign
    // Channels other than SMS: what the message carries besides its text,
    // as JSON (WhatsApp's message object; an inbound message's type and id).
    std::optional<std::string> content;
};

struct MessagePart {
    int part = 1;
    GatewayId gateway_id;
    std::optional<std::string> provider_id;
    std::optional<std::string> provider_key;  // provider_id as receipts are matched
    std::string status;  // submitted | delivered | undelivered | expired | rejected | failed
    std::optional<std::string> error_code;
    std::optional<Micros> submitted_at;
    std::optional<Micros> done_at;
};

struct MessageEvent {
    std::int64_t seq = 0;
    std::string type;  // message.queued, message.sent, message.delivered, ...
    std::string status;
    std::optional<std::string> detail;  // JSON text
    Micros created_at = 0;
};

struct Receipt {
    std::string id;  // the receipt's own row id
    int part = 1;
    GatewayId gateway_id;
    std::string provider_id;
    std::string stat;
    std::optional<std::string> error_code;
    std::optional<std::string> submit_date, done_date;
    Micros received_at = 0;
};

struct MessageDetail {
    Message message;
    std::vector<MessagePart> parts;
    std::vector<MessageEvent> events;
};

// What a caller asks to send; the service validates and normalises it.
struct SendRequest {
    std::string to;  // any spelling; normalised to E.164
    std::string body;
    std::optional<std::string> sender_id;
    std::optional<Micros> send_at;
    std::optional<std::string> client_ref;
    std::optional<std::string> callback_url;
    bool transactional = false;
    std::optional<CampaignId> campaign_id;  // set by campaigns only
    // "sms", or a channel the accept path has a SendChannel for.
    std::string channel = "sms";
    // What the channel reads besides the body (WhatsApp: media, template),
    // a JSON object as the caller gave it; empty for SMS.
    nlohmann::json content = nlohmann::json::object();
    // The message this one answers (an inbound message of the account).
    std::optional<MessageId> reply_to;
    // An SMS or email template of the account whose text is sent (`body`
    // left empty), filled with the recipient contact's values and these
    // ({"name": ..., "attributes": {...}, "<attribute>": ...}).
    std::optional<TemplateId> template_id;
    nlohmann::json variables = nlohmann::json::object();
};

struct MessageQuery {
    std::optional<std::string> status, direction, channel, to, sender, client_ref, search;
    std::optional<CampaignId> campaign_id;
    std::optional<Micros> from, until;
};

// A campaign's messages of one status.
struct CampaignTally {
    MessageStatus status = MessageStatus::kQueued;
    std::int64_t count = 0;
    // The sum of their prices, for the statuses a refund may follow
    // (undelivered, expired, rejected, failed, canceled); 0 for the rest.
    std::int64_t price = 0;
};

// Where a campaign's messages went: accepted and finished per hour, final
// errors by code, and outcomes by destination country.
struct CampaignReport {
    struct Hour {
        Micros hour = 0;  // its start
        std::int64_t accepted = 0, delivered = 0, failed = 0;
    };
    struct Country {
        std::string country;  // ISO 3166-1 alpha-2, "" when unknown
        std::int64_t messages = 0, delivered = 0, failed = 0;
    };
    std::vector<Hour> hours;                                   // oldest first
    std::vector<std::pair<std::string, std::int64_t>> errors;  // most first
    std::vector<Country> countries;                            // most first
};

struct MessageStats {
    std::int64_t total = 0;
    std::int64_t segments = 0;
    std::vector<std::pair<std::string, std::int64_t>> by_status;
    std::vector<std::pair<std::string, std::int64_t>> by_direction;
};

// The messages of one UTC day (days since 1970-01-01) of creation with one
// direction, channel, status and gateway ('' before one is chosen): a row
// of the rollups.
struct DailyCount {
    std::int64_t day = 0;
    std::string direction, channel, status, gateway_id;
    std::int64_t messages = 0, segments = 0;
};

// What a delivery report reads of one outbound message.
struct DeliveryRow {
    MessageId id;
    Micros created_at = 0;
    std::string channel, status, gateway_id, error_code, to;  // '' for none
    std::int64_t segments = 0;
};

// An account's outbound messages of one UTC day sent by one user ('' for
// none) on one channel, whatever became of them.
struct DailyUsage {
    std::int64_t day = 0;
    std::string user_id, channel;
    std::int64_t messages = 0, segments = 0;
};

// Messages not yet final, counted by status and by how long ago they were
// last changed: under a minute, an hour, a day, two days, and older.
struct BacklogCount {
    std::string status;
    std::array<std::int64_t, 5> by_age{};
};

// Messages waiting in the queue to be sent now, and since when the oldest.
struct QueueDepth {
    std::int64_t due = 0;
    std::optional<Micros> oldest_due_at;
};

// A message whose status became final: its channel and the gateway it
// went through (none when it never left).
struct FinalMessage {
    MessageId id;
    std::string channel;
    std::optional<GatewayId> gateway_id;
};

struct SenderIdRecord {
    SenderIdRecordId id;
    AccountId account_id;
    std::string sender;
    std::string kind;  // alphanumeric | numeric
    std::string country;
    std::string status;  // pending | approved | rejected
    std::string purpose;
    std::optional<std::string> reason;
    std::optional<Micros> decided_at;
    Micros created_at = 0;
    Micros updated_at = 0;
};

}  // namespace ujumbe::messaging
