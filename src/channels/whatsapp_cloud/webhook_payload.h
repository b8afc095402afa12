#pragma once
// What a webhook delivery of the WhatsApp Cloud API holds (PROTOCOLS.md
// 3.5): inbound messages, statuses of messages we sent, and template status
// changes, read from every entry and change of the envelope. Meta adds
// fields and types over time: an item missing what it needs is counted and
// skipped, anything unknown is ignored, and nothing here throws.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ujumbe::channels::whatsapp {

struct InboundItem {
    std::string phone_number_id;  // ours, from the change's metadata
    std::string from;             // the customer's wa_id (digits)
    std::string profile_name;
    std::string wamid;           // Meta's id of the message
    std::int64_t timestamp = 0;  // Unix seconds
    std::string type;            // text, image, document, location, interactive, ...
    // What a person reads: the text, a caption, a reply's title, or the type
    // in brackets ("[location]") when it has none.
    std::string text;
    std::string media_id, mime_type, filename;  // media types
    std::string context_wamid;                  // the message it replies to
};

struct StatusItem {
    std::string phone_number_id;
    std::string wamid;   // of the message we sent
    std::string status;  // sent | delivered | read | failed | (others Meta adds)
    std::int64_t timestamp = 0;
    std::string recipient_id;
    std::optional<std::int64_t> error_code;  // the first error of a failed status
    std::string error_title;
    std::string callback_data;  // biz_opaque_callback_data: what we sent with it
};

struct TemplateStatusItem {
    std::string event;  // APPROVED, REJECTED, PAUSED, DISABLED, ...
    std::string template_id, name, language, reason;
};

struct WebhookItems {
    std::vector<InboundItem> inbound;
    std::vector<StatusItem> statuses;
    std::vector<TemplateStatusItem> templates;
    std::int64_t skipped = 0;  // items without what they need
};

// Bounds on what one delivery may carry (Meta batches a few).
inline constexpr std::size_t kMaxWebhookItems = 1000;
inline constexpr std::size_t kMaxItemText = 4096;  // bytes kept of a text, whole characters

// Every item of `doc` (parsed with a nesting bound). A document that is
// not the envelope gives no items.
WebhookItems read_webhook(const nlohmann::json& doc);

}  // namespace ujumbe::channels::whatsapp
