#include "messaging/views.h"

#include "core/dates.h"
#include "core/money.h"
#include "http/views_support.h"

namespace ujumbe::messaging {

using json = nlohmann::json;

namespace {

// A channel's own part of a message (null for SMS); stored as this server
// wrote it, so it parses.
json content_json(const std::optional<std::string>& content) {
    if (!content) return nullptr;
    json parsed = json::parse(*content, nullptr, false);
    return parsed.is_discarded() ? json(nullptr) : parsed;
}

}  // namespace

json message_json(const Message& m) {
    return {{"id", m.id},
            {"direction", m.direction},
            {"channel", m.channel},
            {"to", m.to},
            {"sender_id", m.sender},
            {"body", m.body},
            {"content", content_json(m.content)},
            {"encoding", m.encoding},
            {"segments", m.segments},
            {"status", std::string(status_name(m.status))},
            {"transactional", m.transactional},
            {"client_ref", http::text_or_null(m.client_ref)},
            {"callback_url", http::text_or_null(m.callback_url)},
            {"campaign_id", m.campaign_id ? json(m.campaign_id->value) : json(nullptr)},
            {"send_at", http::time_or_null(m.send_at)},
            {"attempts", m.attempts},
            {"error_code", http::text_or_null(m.error_code)},
            {"error_message", http::text_or_null(m.error_message)},
            {"created_at", format_iso8601(m.created_at)},
            {"updated_at", format_iso8601(m.updated_at)},
            {"sent_at", http::time_or_null(m.sent_at)},
            {"done_at", http::time_or_null(m.done_at)},
            {"currency", http::text_or_null(m.currency)},
            {"price", m.price ? money_json(*m.price) : json(nullptr)},
            {"cost", m.cost ? money_json(*m.cost) : json(nullptr)}};
}

}  // namespace ujumbe::messaging
