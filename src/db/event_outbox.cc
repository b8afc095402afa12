#include "db/event_outbox.h"

#include "core/ids.h"
#include "db/store_support.h"

namespace ujumbe::db {

Status append_events(Connection& c, const std::vector<OutboxEvent>& events) {
    std::vector<Value> params;
    return for_each_batch(events.size(), 128, [&](std::size_t first, std::size_t count) -> Status {
        params.clear();
        for (std::size_t i = first; i < first + count; ++i) {
            const auto& e = events[i];
            params.emplace_back(new_uuid_v7(e.created_at));
            params.emplace_back(e.account_id);
            params.emplace_back(e.type);
            params.push_back(optional_text(e.message_id));
            params.push_back(optional_text(e.data));
            params.emplace_back(e.created_at);
        }
        // Only events someone listens to are kept: an enabled endpoint of the
        // account subscribed to the type (the comma list matched whole, or
        // '*'), or the message's callback_url. Both engines name VALUES'
        // columns column1, column2, ...; PostgreSQL reads them as text.
        UJ_ASSIGN(
            auto kept,
            c.run(
                "INSERT INTO event_outbox (id, account_id, type, message_id, data, created_at) "
                "SELECT column1, column2, column3, column4, column5, CAST(column6 AS BIGINT) FROM "
                "(VALUES " +
                    value_rows(static_cast<int>(count), 6) +
                    ") AS v WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.account_id = "
                    "v.column2 AND e.enabled = TRUE AND (e.events = '*' OR ',' || e.events || ',' "
                    "LIKE '%,' || v.column3 || ',%')) OR EXISTS (SELECT 1 FROM messages m WHERE "
                    "m.id = v.column4 AND m.callback_url IS NOT NULL)",
                params));
        // Listeners hear of the commit only when it holds rows for them.
        if (kept.affected > 0) c.note_events_appended();
        return {};
    });
}

}  // namespace ujumbe::db
