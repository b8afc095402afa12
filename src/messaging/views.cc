#include "messaging/views.h"

#include "core/dates.h"
#include "core/money.h"
#include "http/schema.h"
#include "http/views_support.h"
#include "messaging/status.h"

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

json message_schema() {
    using namespace http::schema;
    std::vector<std::string> statuses;
    for (auto s : all_statuses()) statuses.emplace_back(status_name(s));
    const json schema = object({{"id", text()},
                                {"direction", one_of({"outbound", "inbound"})},
                                {"channel", one_of({"sms", "whatsapp", "email"})},
                                {"to", text()},
                                {"sender_id", text()},
                                {"body", text()},
                                {"content", nullable({{"type", "object"}})},
                                {"encoding", text()},
                                {"segments", integer()},
                                {"status", one_of(statuses)},
                                {"transactional", boolean()},
                                {"client_ref", nullable(text())},
                                {"callback_url", nullable(text())},
                                {"campaign_id", nullable(text())},
                                {"send_at", nullable(time())},
                                {"attempts", integer()},
                                {"error_code", nullable(text())},
                                {"error_message", nullable(text())},
                                {"created_at", time()},
                                {"updated_at", time()},
                                {"sent_at", nullable(time())},
                                {"done_at", nullable(time())},
                                {"currency", nullable(text())},
                                {"price", nullable(number())},
                                {"cost", nullable(number())}});
    // A scheduled SMS, delivered.
    return with_example(schema, {{"id", "0199d3a2-5c1e-7b4a-9f21-3c8e5d6a7b10"},
                                 {"direction", "outbound"},
                                 {"channel", "sms"},
                                 {"to", "+255712345678"},
                                 {"sender_id", "ACME"},
                                 {"body", "Your order #1042 has shipped"},
                                 {"content", nullptr},
                                 {"encoding", "gsm7"},
                                 {"segments", 1},
                                 {"status", "delivered"},
                                 {"transactional", false},
                                 {"client_ref", "order-1042"},
                                 {"callback_url", "https://shop.example.com/hooks/sms"},
                                 {"campaign_id", nullptr},
                                 {"send_at", "2026-12-01T09:30:00Z"},
                                 {"attempts", 1},
                                 {"error_code", nullptr},
                                 {"error_message", nullptr},
                                 {"created_at", "2026-11-30T16:05:12Z"},
                                 {"updated_at", "2026-12-01T09:30:06Z"},
                                 {"sent_at", "2026-12-01T09:30:01Z"},
                                 {"done_at", "2026-12-01T09:30:06Z"},
                                 {"currency", "TZS"},
                                 {"price", 28.5},
                                 {"cost", 21}});
}

}  // namespace ujumbe::messaging
