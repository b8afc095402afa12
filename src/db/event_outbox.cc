#include "db/event_outbox.h"

#include "core/ids.h"
#include "db/store_support.h"

namespace ujumbe::db {

Status append_events(Connection& c, const std::vector<OutboxEvent>& events) {
    std::vector<Value> params;
    return for_each_batch(events.size(), 128, [&](std::size_t first, std::size_t count) {
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
        return done(
            c.run("INSERT INTO event_outbox (id, account_id, type, message_id, data, "
                  "created_at) VALUES " +
                      value_rows(static_cast<int>(count), 6),
                  params));
    });
}

}  // namespace ujumbe::db
