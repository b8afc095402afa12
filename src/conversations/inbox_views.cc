#include "conversations/inbox_views.h"

#include "core/dates.h"

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

}  // namespace ujumbe::conversations
