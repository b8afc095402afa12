#include "messaging/testing_messages.h"

#include <gtest/gtest.h>

#include "messaging/store.h"

namespace ujumbe::messaging::testing {

Message stored_message(db::Database& db, const AccountId& account, MessageStatus status, Micros now,
                       Micros due) {
    Message m;
    m.id = MessageId{new_uuid_v7(now)};
    m.account_id = account;
    m.to = "+254712345678";
    m.sender = "Ujumbe";
    m.body = "Hello";
    m.encoding = "gsm7";
    m.status = status;
    m.created_at = m.updated_at = now;
    auto written = db.write([&](db::Connection& c) -> Status {
        UJ_TRY(store::insert_messages(c, {&m}));
        if (is_final(status)) return {};
        return store::enqueue(c, {{m.id, due}});
    });
    EXPECT_TRUE(written) << (written ? "" : written.error().message);
    return m;
}

}  // namespace ujumbe::messaging::testing
