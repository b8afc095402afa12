#include "conversations/inbox_views.h"

#include "core/dates.h"
#include "http/schema.h"

namespace ujumbe::conversations {

using json = nlohmann::json;

json conversation_json(const Conversation& k) {
    return {{"id", k.id.value},
            {"channel", k.channel},
            {"customer", k.customer},
            {"contact_id", k.contact_id ? json(k.contact_id->value) : json(nullptr)},
            {"status", k.status},
            {"assigned_to", k.assigned_to ? json(k.assigned_to->value) : json(nullptr)},
            {"tags", k.tags},
            {"unread_count", k.unread_count},
            {"last_message",
             {{"at", format_iso8601(k.last_message_at)},
              {"preview", k.last_message_preview},
              {"direction", k.last_direction}}},
            {"created_at", format_iso8601(k.created_at)},
            {"updated_at", format_iso8601(k.updated_at)}};
}

json conversation_schema() {
    using namespace http::schema;
    return object({{"id", text()},
                   {"channel", one_of({"sms", "whatsapp"})},
                   {"customer", text()},
                   {"contact_id", nullable(text())},
                   {"status", one_of({"OPEN", "CLOSED"})},
                   {"assigned_to", nullable(text())},
                   {"tags", array_of(text())},
                   {"unread_count", integer()},
                   {"last_message", object({{"at", time()},
                                            {"preview", text()},
                                            {"direction", one_of({"inbound", "outbound"})}})},
                   {"created_at", time()},
                   {"updated_at", time()}});
}

}  // namespace ujumbe::conversations
