// The webhooks store on both engines: endpoints read, changed and deleted
// only in their account; the events outbox taken in order, once, and fed by
// every status change but the claim; deliveries claimed under leases
// (bounded per target and in all, skipping disabled endpoints), moved on by
// attempts, failed with a disabled endpoint, redelivered, dropped when old
// and listed per endpoint.

#include "webhooks/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>

#include "core/ids.h"
#include "db/event_outbox.h"
#include "db/testing_db.h"
#include "messaging/status.h"
#include "messaging/store.h"

namespace ujumbe::webhooks {
namespace {

constexpr Micros kT0 = 1'790'000'000'000'000;
constexpr Micros kSecond = kMicrosPerSecond;
constexpr const char* kCallbackTarget = "callback https://cb.example:443";

AccountId acct(const std::string& name) {
    return AccountId{"acct-" + name};
}

Endpoint endpoint(const std::string& id, const std::string& account, Micros at = 0) {
    Endpoint e;
    e.id = WebhookId{id};
    e.account_id = acct(account);
    e.url = "https://example.com/hooks/" + id;
    e.events = {"message.delivered", "message.failed"};
    e.description = "CRM";
    e.created_at = e.updated_at = kT0 + at;
    return e;
}

// A pending delivery due at `due`, of an endpoint (or, without one, of a
// message's callback_url).
Delivery delivery(const std::string& id, const std::string& account,
                  std::optional<std::string> webhook, Micros due) {
    Delivery d;
    d.id = DeliveryId{id};
    d.account_id = acct(account);
    if (webhook) d.webhook_id = WebhookId{*webhook};
    d.url = webhook ? "https://example.com/hooks/" + *webhook : "https://cb.example/h";
    d.event_id = "evt-" + id;
    d.event_type = "message.delivered";
    d.message_id = MessageId{"m-" + id};
    d.body = "{\"id\":\"evt-" + id + "\"}";
    d.next_attempt_at = due;
    d.created_at = d.updated_at = due;
    return d;
}

std::vector<std::string> ids_of(const std::vector<store::Claimed>& claimed) {
    std::vector<std::string> out;
    for (const auto& c : claimed) out.push_back(c.delivery.id.value);
    return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

class WebhookStoreTest : public db::testing::EngineTest {
protected:
    void put(const Endpoint& e, const std::string& sealed = "") {
        auto s = db().write([&](db::Connection& c) {
            return store::insert_endpoint(c, e, sealed.empty() ? "sealed-" + e.id.value : sealed);
        });
        ASSERT_TRUE(s) << s.error().message;
    }
    std::optional<Endpoint> find(const std::string& account, const std::string& id) {
        auto found = db().read([&](db::Connection& c) {
            return store::find_endpoint(c, acct(account), WebhookId{id});
        });
        EXPECT_TRUE(found) << found.error().message;
        return found ? std::move(*found) : std::nullopt;
    }
    void update(const Endpoint& e) {
        auto s = db().write([&](db::Connection& c) { return store::update_endpoint(c, e); });
        ASSERT_TRUE(s) << s.error().message;
    }
    // Deliveries of endpoints target the endpoint; callbacks one origin.
    void owe(const std::vector<Delivery>& rows) {
        std::vector<std::string> targets;
        for (const auto& d : rows)
            targets.push_back(d.webhook_id ? d.webhook_id->value : kCallbackTarget);
        auto s = db().write(
            [&](db::Connection& c) { return store::insert_deliveries(c, rows, targets); });
        ASSERT_TRUE(s) << s.error().message;
    }
    std::vector<store::Claimed> claim(const std::string& owner, Micros now, int per_target = 8,
                                      int limit = 64, const std::vector<std::string>& skip = {},
                                      Micros lease = 60 * kSecond) {
        auto claimed = db().write([&](db::Connection& c) {
            return store::claim_due(c, owner, now, now + lease, per_target, limit, skip);
        });
        EXPECT_TRUE(claimed) << claimed.error().message;
        return claimed ? std::move(*claimed) : std::vector<store::Claimed>{};
    }
    std::optional<Delivery> find_delivery(const std::string& account, const std::string& webhook,
                                          const std::string& id) {
        auto found = db().read([&](db::Connection& c) {
            return store::find_delivery(c, acct(account), WebhookId{webhook}, DeliveryId{id});
        });
        EXPECT_TRUE(found) << found.error().message;
        return found ? std::move(*found) : std::nullopt;
    }
    void record(const std::vector<store::Attempt>& attempts, Micros now) {
        auto s =
            db().write([&](db::Connection& c) { return store::record_attempts(c, attempts, now); });
        ASSERT_TRUE(s) << s.error().message;
    }
    std::vector<store::OutboxRow> take(int limit) {
        auto taken = db().write([&](db::Connection& c) { return store::take_outbox(c, limit); });
        EXPECT_TRUE(taken) << taken.error().message;
        return taken ? std::move(*taken) : std::vector<store::OutboxRow>{};
    }
    bool outbox_has_rows() {
        auto has = db().read([](db::Connection& c) { return store::outbox_has_rows(c); });
        EXPECT_TRUE(has) << has.error().message;
        return has && *has;
    }
    // An enabled endpoint of the account hearing every event: the outbox
    // keeps only events someone listens to.
    void listen(const std::string& account, std::vector<std::string> events = {"*"}) {
        Endpoint e = endpoint("listener-" + account, account);
        e.events = std::move(events);
        put(e);
    }
    bool has_due(Micros now) {
        auto has = db().read([&](db::Connection& c) { return store::has_due(c, now); });
        EXPECT_TRUE(has) << has.error().message;
        return has && *has;
    }
    db::WindowListing<Delivery> log(const std::string& account, const std::string& webhook,
                                    std::optional<DeliveryStatus> status = std::nullopt,
                                    db::Window page = {}) {
        auto listed = db().read([&](db::Connection& c) {
            return store::list_deliveries(c, acct(account), WebhookId{webhook}, status, page);
        });
        EXPECT_TRUE(listed) << listed.error().message;
        return listed ? std::move(*listed) : db::WindowListing<Delivery>{};
    }
};

// ---- endpoints

TEST_P(WebhookStoreTest, AnEndpointReadsBackWholeAndOnlyInItsAccount) {
    auto e = endpoint("w-1", "a");
    e.events = {"*"};
    put(e, "sealed-secret");
    auto mine = find("a", "w-1");
    ASSERT_TRUE(mine);
    EXPECT_EQ(mine->id.value, "w-1");
    EXPECT_EQ(mine->account_id, acct("a"));
    EXPECT_EQ(mine->url, "https://example.com/hooks/w-1");
    EXPECT_EQ(mine->events, std::vector<std::string>{"*"});
    EXPECT_EQ(mine->description, "CRM");
    EXPECT_TRUE(mine->enabled);
    EXPECT_FALSE(mine->failing_since);
    EXPECT_FALSE(mine->disabled_reason);
    EXPECT_FALSE(mine->secret_rotated_at);
    EXPECT_FALSE(mine->previous_until);
    EXPECT_EQ(mine->created_at, kT0);
    EXPECT_EQ(mine->updated_at, kT0);
    EXPECT_FALSE(find("b", "w-1"));
    EXPECT_FALSE(find("a", "w-2"));

    auto secrets =
        db().read([](db::Connection& c) { return store::endpoint_secrets(c, WebhookId{"w-1"}); });
    ASSERT_TRUE(secrets && *secrets);
    EXPECT_EQ((*secrets)->secret, "sealed-secret");
    EXPECT_FALSE((*secrets)->previous);
    EXPECT_FALSE((*secrets)->previous_until);
    auto none =
        db().read([](db::Connection& c) { return store::endpoint_secrets(c, WebhookId{"w-9"}); });
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
}

TEST_P(WebhookStoreTest, EventListsAndEmptyDescriptionsReadBack) {
    auto e = endpoint("w-1", "a");
    e.events = {"message.delivered", "message.failed", "import.completed"};
    e.description.reset();
    e.enabled = false;
    put(e);
    auto found = find("a", "w-1");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->events, (std::vector<std::string>{"message.delivered", "message.failed",
                                                       "import.completed"}));
    EXPECT_FALSE(found->description);
    EXPECT_FALSE(found->enabled);
}

TEST_P(WebhookStoreTest, ListingAndCountingAreScopedAndOldestFirst) {
    put(endpoint("w-2", "a", 2));
    put(endpoint("w-1", "a", 1));
    put(endpoint("w-3", "b", 3));
    auto listed =
        db().read([](db::Connection& c) { return store::list_endpoints(c, acct("a"), {}); });
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->count, 2);
    ASSERT_EQ(listed->items.size(), 2u);
    EXPECT_EQ(listed->items[0].id.value, "w-1");
    EXPECT_EQ(listed->items[1].id.value, "w-2");
    auto page = db().read([](db::Connection& c) {
        return store::list_endpoints(c, acct("a"), {.limit = 1, .offset = 1});
    });
    ASSERT_TRUE(page);
    EXPECT_EQ(page->count, 2);
    ASSERT_EQ(page->items.size(), 1u);
    EXPECT_EQ(page->items[0].id.value, "w-2");
    auto count = [&](const std::string& account) {
        auto n =
            db().read([&](db::Connection& c) { return store::count_endpoints(c, acct(account)); });
        EXPECT_TRUE(n);
        return n ? *n : -1;
    };
    EXPECT_EQ(count("a"), 2);
    EXPECT_EQ(count("b"), 1);
    EXPECT_EQ(count("c"), 0);
}

TEST_P(WebhookStoreTest, AnUpdateChangesWhatItNames) {
    put(endpoint("w-1", "a"));
    auto e = endpoint("w-1", "a");
    e.url = "https://example.org/new";
    e.events = {"message.sent"};
    e.description.reset();
    e.enabled = false;
    e.failing_since = kT0 + 5;
    e.disabled_reason = "Every delivery failed";
    e.updated_at = kT0 + 9;
    update(e);
    auto found = find("a", "w-1");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->url, "https://example.org/new");
    EXPECT_EQ(found->events, std::vector<std::string>{"message.sent"});
    EXPECT_FALSE(found->description);
    EXPECT_FALSE(found->enabled);
    EXPECT_EQ(found->failing_since, kT0 + 5);
    EXPECT_EQ(found->disabled_reason, "Every delivery failed");
    EXPECT_EQ(found->created_at, kT0);
    EXPECT_EQ(found->updated_at, kT0 + 9);
}

TEST_P(WebhookStoreTest, AnotherAccountsUpdateOrDeleteChangesNothing) {
    put(endpoint("w-1", "a"));
    owe({delivery("d-1", "a", "w-1", kT0)});
    auto theirs = endpoint("w-1", "b");
    theirs.url = "https://attacker.example/";
    theirs.enabled = false;
    update(theirs);
    auto found = find("a", "w-1");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->url, "https://example.com/hooks/w-1");
    EXPECT_TRUE(found->enabled);
    EXPECT_FALSE(find("b", "w-1"));

    auto deleted = db().write(
        [](db::Connection& c) { return store::delete_endpoint(c, acct("b"), WebhookId{"w-1"}); });
    ASSERT_TRUE(deleted) << deleted.error().message;
    EXPECT_TRUE(find("a", "w-1"));
    EXPECT_TRUE(find_delivery("a", "w-1", "d-1"));
}

TEST_P(WebhookStoreTest, DeletingAnEndpointTakesItsDeliveries) {
    put(endpoint("w-1", "a"));
    put(endpoint("w-2", "a"));
    owe({delivery("d-1", "a", "w-1", kT0), delivery("d-2", "a", "w-1", kT0 + 1),
         delivery("d-3", "a", "w-2", kT0 + 2)});
    auto deleted = db().write(
        [](db::Connection& c) { return store::delete_endpoint(c, acct("a"), WebhookId{"w-1"}); });
    ASSERT_TRUE(deleted) << deleted.error().message;
    EXPECT_FALSE(find("a", "w-1"));
    EXPECT_FALSE(find_delivery("a", "w-1", "d-1"));
    EXPECT_FALSE(find_delivery("a", "w-1", "d-2"));
    EXPECT_TRUE(find_delivery("a", "w-2", "d-3"));
    EXPECT_EQ(ids_of(claim("node-a", kT0 + kSecond)), std::vector<std::string>{"d-3"});
}

TEST_P(WebhookStoreTest, RotatingKeepsThePreviousSecretUntilItsTime) {
    put(endpoint("w-1", "a"), "sealed-one");
    auto e = endpoint("w-1", "a");
    e.updated_at = kT0 + 10;
    auto rotated = db().write([&](db::Connection& c) {
        return store::rotate_endpoint_secret(c, e, {"sealed-two", "sealed-one", kT0 + 100});
    });
    ASSERT_TRUE(rotated) << rotated.error().message;
    auto secrets =
        db().read([](db::Connection& c) { return store::endpoint_secrets(c, WebhookId{"w-1"}); });
    ASSERT_TRUE(secrets && *secrets);
    EXPECT_EQ((*secrets)->secret, "sealed-two");
    EXPECT_EQ((*secrets)->previous, "sealed-one");
    EXPECT_EQ((*secrets)->previous_until, kT0 + 100);
    auto found = find("a", "w-1");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->secret_rotated_at, kT0 + 10);
    EXPECT_EQ(found->updated_at, kT0 + 10);
    EXPECT_EQ(found->previous_until, kT0 + 100);

    // Another account's rotation changes nothing.
    auto theirs = endpoint("w-1", "b");
    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return store::rotate_endpoint_secret(c, theirs,
                                             {"sealed-evil", std::nullopt, std::nullopt});
    }));
    secrets =
        db().read([](db::Connection& c) { return store::endpoint_secrets(c, WebhookId{"w-1"}); });
    ASSERT_TRUE(secrets && *secrets);
    EXPECT_EQ((*secrets)->secret, "sealed-two");
}

TEST_P(WebhookStoreTest, EnabledEndpointsOfTheAccountsAsked) {
    put(endpoint("w-1", "a"));
    auto off = endpoint("w-2", "a");
    off.enabled = false;
    put(off);
    put(endpoint("w-3", "b"));
    put(endpoint("w-4", "c"));
    auto found = db().read([](db::Connection& c) {
        return store::enabled_endpoints(c, {"acct-a", "acct-b", "acct-x"});
    });
    ASSERT_TRUE(found) << found.error().message;
    std::vector<std::string> ids;
    for (const auto& e : *found) {
        ids.push_back(e.endpoint.id.value);
        EXPECT_TRUE(e.endpoint.enabled);
        EXPECT_EQ(e.secrets.secret, "sealed-" + e.endpoint.id.value);
        EXPECT_FALSE(e.secrets.previous);
    }
    EXPECT_EQ(sorted(ids), (std::vector<std::string>{"w-1", "w-3"}));
    auto none = db().read([](db::Connection& c) { return store::enabled_endpoints(c, {}); });
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
}

TEST_P(WebhookStoreTest, EnabledEndpointsCarryTheirRotatedSecrets) {
    put(endpoint("w-1", "a"), "sealed-one");
    auto e = endpoint("w-1", "a");
    e.updated_at = kT0 + 10;
    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return store::rotate_endpoint_secret(c, e, {"sealed-two", "sealed-one", kT0 + 100});
    }));
    auto found =
        db().read([](db::Connection& c) { return store::enabled_endpoints(c, {"acct-a"}); });
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_EQ(found->size(), 1u);
    const auto& signing = (*found)[0];
    EXPECT_EQ(signing.endpoint.id.value, "w-1");
    EXPECT_EQ(signing.endpoint.url, "https://example.com/hooks/w-1");
    EXPECT_EQ(signing.endpoint.events,
              (std::vector<std::string>{"message.delivered", "message.failed"}));
    EXPECT_EQ(signing.endpoint.previous_until, kT0 + 100);
    EXPECT_EQ(signing.secrets.secret, "sealed-two");
    EXPECT_EQ(signing.secrets.previous, "sealed-one");
    EXPECT_EQ(signing.secrets.previous_until, kT0 + 100);
}

TEST_P(WebhookStoreTest, CallbackSecretsAreWrittenThenReplaced) {
    auto get = [&](const std::string& account) {
        auto s =
            db().read([&](db::Connection& c) { return store::callback_secrets(c, acct(account)); });
        EXPECT_TRUE(s);
        return s ? *s : std::nullopt;
    };
    EXPECT_FALSE(get("a"));
    ASSERT_TRUE(db().write([](db::Connection& c) {
        return store::put_callback_secrets(c, acct("a"), {"sealed-1", std::nullopt, std::nullopt},
                                           kT0);
    }));
    auto first = get("a");
    ASSERT_TRUE(first);
    EXPECT_EQ(first->secret, "sealed-1");
    EXPECT_FALSE(first->previous);
    ASSERT_TRUE(db().write([](db::Connection& c) {
        return store::put_callback_secrets(c, acct("a"), {"sealed-2", "sealed-1", kT0 + 50},
                                           kT0 + 1);
    }));
    auto second = get("a");
    ASSERT_TRUE(second);
    EXPECT_EQ(second->secret, "sealed-2");
    EXPECT_EQ(second->previous, "sealed-1");
    EXPECT_EQ(second->previous_until, kT0 + 50);
    EXPECT_FALSE(get("b"));
}

// ---- the outbox

TEST_P(WebhookStoreTest, TheOutboxIsTakenInOrderAndOnce) {
    EXPECT_FALSE(outbox_has_rows());
    listen("a");
    listen("b");
    std::vector<db::OutboxEvent> events;
    for (int i = 0; i < 5; ++i) {
        db::OutboxEvent e;
        e.account_id = i % 2 ? "acct-b" : "acct-a";
        e.created_at = kT0 + i * kSecond;
        if (i == 3) {
            e.type = "import.completed";
            e.data = R"({"import":{"id":"i-1"}})";
        } else {
            e.type = "message.delivered";
            e.message_id = "m-" + std::to_string(i);
        }
        events.push_back(e);
    }
    ASSERT_TRUE(db().write([&](db::Connection& c) { return db::append_events(c, events); }));
    EXPECT_TRUE(outbox_has_rows());

    auto first = take(3);
    ASSERT_EQ(first.size(), 3u);
    auto rest = take(3);
    ASSERT_EQ(rest.size(), 2u);
    EXPECT_TRUE(take(3).empty());
    EXPECT_FALSE(outbox_has_rows());

    std::vector<store::OutboxRow> all = first;
    all.insert(all.end(), rest.begin(), rest.end());
    std::set<std::string> ids;
    for (std::size_t i = 0; i < all.size(); ++i) {
        const auto& row = all[i];
        const auto& want = events[i];
        if (i > 0) {
            EXPECT_GT(row.seq, all[i - 1].seq);
        }
        EXPECT_EQ(row.account_id.value, want.account_id) << i;
        EXPECT_EQ(row.type, want.type) << i;
        EXPECT_EQ(row.created_at, want.created_at) << i;
        EXPECT_EQ(row.data, want.data) << i;
        if (want.message_id) {
            ASSERT_TRUE(row.message_id) << i;
            EXPECT_EQ(row.message_id->value, *want.message_id);
        } else {
            EXPECT_FALSE(row.message_id) << i;
        }
        // A UUIDv7 of the event's own time (its first 48 bits: milliseconds).
        EXPECT_TRUE(is_uuid(row.id)) << row.id;
        EXPECT_EQ(row.id.substr(0, 13), new_uuid_v7(want.created_at).substr(0, 13)) << i;
        ids.insert(row.id);
    }
    EXPECT_EQ(ids.size(), 5u);
}

TEST_P(WebhookStoreTest, OnlyCommitsThatKeptEventsAreAnnounced) {
    std::atomic<int> heard{0};
    const int handle = db().on_events_committed([&] { ++heard; });
    listen("a", {"message.delivered"});
    auto append = [&](const std::string& account, const std::string& type) {
        return db().write([&](db::Connection& c) {
            return db::append_events(c, {{account, type, "m-1", std::nullopt, kT0}});
        });
    };
    ASSERT_TRUE(append("acct-b", "message.delivered"));  // nobody listens to b
    ASSERT_TRUE(append("acct-a", "message.sent"));       // nor to this type
    EXPECT_EQ(heard, 0);
    EXPECT_FALSE(outbox_has_rows());
    ASSERT_TRUE(append("acct-a", "message.delivered"));
    EXPECT_EQ(heard, 1);
    db().forget_listener(handle);
}

TEST_P(WebhookStoreTest, ManyEventsAreAppendedInBatchesInOrder) {
    listen("a");
    std::vector<db::OutboxEvent> events;
    for (int i = 0; i < 300; ++i)
        events.push_back(
            {"acct-a", "message.sent", "m-" + std::to_string(i), std::nullopt, kT0 + i});
    ASSERT_TRUE(db().write([&](db::Connection& c) { return db::append_events(c, events); }));
    auto taken = take(1000);
    ASSERT_EQ(taken.size(), 300u);
    for (int i = 0; i < 300; ++i) {
        ASSERT_TRUE(taken[i].message_id);
        EXPECT_EQ(taken[i].message_id->value, "m-" + std::to_string(i));
    }
    ASSERT_TRUE(db().write([](db::Connection& c) { return db::append_events(c, {}); }));
    EXPECT_FALSE(outbox_has_rows());
}

TEST_P(WebhookStoreTest, EveryStatusChangeButSendingReachesTheOutbox) {
    using messaging::event_type;
    using messaging::MessageStatus;
    const std::vector<MessageStatus> statuses = {
        MessageStatus::kQueued,    MessageStatus::kSending,  MessageStatus::kSent,
        MessageStatus::kDelivered, MessageStatus::kReceived, MessageStatus::kScheduled,
        MessageStatus::kCanceled,  MessageStatus::kFailed};
    listen("a");
    listen("b");
    std::vector<messaging::store::EventRow> rows;
    for (std::size_t i = 0; i < statuses.size(); ++i)
        rows.push_back({acct(i % 2 ? "b" : "a"), MessageId{"m-" + std::to_string(i)},
                        event_type(statuses[i]), statuses[i],
                        i == 2 ? std::optional<std::string>("gateway g-1") : std::nullopt,
                        kT0 + static_cast<Micros>(i)});
    ASSERT_TRUE(
        db().write([&](db::Connection& c) { return messaging::store::insert_events(c, rows); }));
    auto history = db().read(
        [](db::Connection& c) { return c.query_one("SELECT count(*) FROM message_events"); });
    ASSERT_TRUE(history && *history);
    EXPECT_EQ((*history)->i64(0), static_cast<std::int64_t>(statuses.size()));

    auto taken = take(100);
    ASSERT_EQ(taken.size(), statuses.size() - 1);
    std::size_t j = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (statuses[i] == MessageStatus::kSending) continue;
        const auto& row = taken[j++];
        EXPECT_EQ(row.type, rows[i].type) << i;
        EXPECT_EQ(row.account_id, rows[i].account_id) << i;
        ASSERT_TRUE(row.message_id) << i;
        EXPECT_EQ(*row.message_id, rows[i].message_id) << i;
        EXPECT_FALSE(row.data) << i;
        EXPECT_EQ(row.created_at, rows[i].created_at) << i;
    }
    for (const auto& row : taken) EXPECT_NE(row.type, "message.sending");
}

TEST_P(WebhookStoreTest, ManyStatusChangesReachTheOutboxInOrder) {
    using messaging::MessageStatus;
    listen("a");
    std::vector<messaging::store::EventRow> rows;
    for (int i = 0; i < 300; ++i) {
        const auto status = i % 3 == 1 ? MessageStatus::kSending : MessageStatus::kSent;
        rows.push_back({acct("a"), MessageId{"m-" + std::to_string(i)},
                        messaging::event_type(status), status, std::nullopt, kT0 + i});
    }
    ASSERT_TRUE(
        db().write([&](db::Connection& c) { return messaging::store::insert_events(c, rows); }));
    auto taken = take(1000);
    ASSERT_EQ(taken.size(), 200u);
    for (std::size_t k = 1; k < taken.size(); ++k)
        EXPECT_LT(taken[k - 1].created_at, taken[k].created_at);
}

TEST_P(WebhookStoreTest, OnlyEventsSomeoneListensToAreWritten) {
    listen("a", {"message.delivered", "import.completed"});
    Endpoint off = endpoint("off-c", "c");
    off.events = {"*"};
    off.enabled = false;
    put(off);
    const std::vector<db::OutboxEvent> events = {
        {"acct-a", "message.delivered", "m-1", std::nullopt, kT0},    // subscribed
        {"acct-a", "message.sent", "m-2", std::nullopt, kT0},         // another type
        {"acct-a", "import.completed", std::nullopt, "{}", kT0},      // subscribed
        {"acct-a", "message.delivered.x", "m-3", std::nullopt, kT0},  // a longer name
        {"acct-b", "message.delivered", "m-4", std::nullopt, kT0},    // nobody in b
        {"acct-c", "message.delivered", "m-5", std::nullopt, kT0}};   // disabled
    ASSERT_TRUE(db().write([&](db::Connection& c) { return db::append_events(c, events); }));
    auto taken = take(10);
    ASSERT_EQ(taken.size(), 2u);
    EXPECT_EQ(taken[0].type, "message.delivered");
    EXPECT_EQ(taken[0].message_id->value, "m-1");
    EXPECT_EQ(taken[1].type, "import.completed");
}

TEST_P(WebhookStoreTest, EventsRollBackWithTheirChange) {
    using messaging::MessageStatus;
    listen("a");
    const std::vector<messaging::store::EventRow> changes = {
        {acct("a"), MessageId{"m-1"}, "message.delivered", MessageStatus::kDelivered, std::nullopt,
         kT0}};
    const std::vector<db::OutboxEvent> others = {
        {"acct-a", "import.completed", std::nullopt, "{}", kT0}};
    auto failed = db().write([&](db::Connection& c) -> Status {
        UJ_TRY(messaging::store::insert_events(c, changes));
        UJ_TRY(db::append_events(c, others));
        return Error::internal("the change failed");
    });
    EXPECT_FALSE(failed);
    EXPECT_FALSE(outbox_has_rows());
    EXPECT_TRUE(take(10).empty());
}

// ---- claims

TEST_P(WebhookStoreTest, ClaimsAreBoundedPerTargetAndInAll) {
    put(endpoint("w-1", "a"));
    put(endpoint("w-2", "a"));
    std::vector<Delivery> rows;
    for (int i = 1; i <= 5; ++i) {
        rows.push_back(delivery("d" + std::to_string(i), "a", "w-1", kT0 + i * 10));
        rows.push_back(delivery("e" + std::to_string(i), "a", "w-2", kT0 + i * 10 + 1));
    }
    rows.push_back(delivery("c1", "a", std::nullopt, kT0 + 12));
    rows.push_back(delivery("c2", "a", std::nullopt, kT0 + 22));
    rows.push_back(delivery("c3", "b", std::nullopt, kT0 + 32));  // same origin, other account
    owe(rows);

    const Micros now = kT0 + kSecond;
    auto first = claim("node-a", now, 2, 100);
    EXPECT_EQ(ids_of(first), (std::vector<std::string>{"d1", "e1", "c1", "d2", "e2", "c2"}));
    std::map<std::string, int> per_target;
    for (const auto& c : first) ++per_target[c.target];
    EXPECT_EQ(per_target["w-1"], 2);
    EXPECT_EQ(per_target["w-2"], 2);
    EXPECT_EQ(per_target[kCallbackTarget], 2);
    for (const auto& c : first) EXPECT_EQ(c.delivery.status, DeliveryStatus::kPending);

    // The limit takes the oldest due first.
    auto second = claim("node-b", now, 10, 3);
    EXPECT_EQ(ids_of(second), (std::vector<std::string>{"d3", "e3", "c3"}));
    auto third = claim("node-b", now, 1, 100);
    EXPECT_EQ(ids_of(third), (std::vector<std::string>{"d4", "e4"}));
    auto fourth = claim("node-b", now, 1, 100);
    EXPECT_EQ(ids_of(fourth), (std::vector<std::string>{"d5", "e5"}));
    EXPECT_TRUE(claim("node-b", now).empty());
    EXPECT_FALSE(has_due(now));
}

TEST_P(WebhookStoreTest, DeliveriesLeasedAsTheyAreWrittenAreNotClaimed) {
    put(endpoint("w-1", "a"));
    const Micros now = kT0 + kSecond;
    const Micros hour = 3600 * kSecond;
    const std::vector<Delivery> rows = {delivery("mine", "a", "w-1", kT0),
                                        delivery("free", "a", "w-1", kT0 + 1),
                                        delivery("unleased", "a", "w-1", kT0 + 2)};
    auto s = db().write([&](db::Connection& c) {
        return store::insert_deliveries(c, rows, {"w-1", "w-1", "w-1"}, "node-a",
                                        {now + 60 * kSecond, 0});
    });
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_TRUE(has_due(now));
    EXPECT_EQ(ids_of(claim("node-b", now, 8, 64, {}, hour)),
              (std::vector<std::string>{"free", "unleased"}));
    EXPECT_TRUE(claim("node-b", now + 60 * kSecond, 8, 64, {}, hour).empty());
    EXPECT_EQ(ids_of(claim("node-b", now + 60 * kSecond + 1, 8, 64, {}, hour)),
              std::vector<std::string>{"mine"});

    // The owner's release frees what it leased as it wrote it.
    const std::vector<Delivery> more = {delivery("again", "a", "w-1", kT0 + 3)};
    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return store::insert_deliveries(c, more, {"w-1"}, "node-c", {now + hour});
    }));
    EXPECT_FALSE(has_due(now + 120 * kSecond));
    EXPECT_TRUE(claim("node-b", now + 120 * kSecond).empty());
    ASSERT_TRUE(
        db().write([](db::Connection& c) { return store::release_leases_of(c, "node-c"); }));
    EXPECT_EQ(ids_of(claim("node-b", now + 120 * kSecond)), std::vector<std::string>{"again"});
}

TEST_P(WebhookStoreTest, ManyAttemptsAreRecordedAtOnce) {
    put(endpoint("w-1", "a"));
    std::vector<Delivery> rows;
    std::vector<store::Attempt> attempts;
    const Micros now = kT0 + kSecond;
    for (int i = 0; i < 150; ++i) {
        const std::string id = "d" + std::to_string(1000 + i);
        rows.push_back(delivery(id, "a", "w-1", kT0 + i));
        store::Attempt a;
        a.id = DeliveryId{id};
        a.webhook_id = WebhookId{"w-1"};
        a.latency_ms = i;
        switch (i % 3) {
            case 0:
                a.ok = true;
                a.response_status = 200;
                break;
            case 1:
                a.response_status = 503;
                a.error = "answered 503";
                a.response_excerpt = "busy " + std::to_string(i);
                a.retry_at = now + i * kSecond;
                break;
            default:
                a.error = "connection refused";
                break;
        }
        attempts.push_back(a);
    }
    owe(rows);
    record(attempts, now);
    for (int i = 0; i < 150; ++i) {
        const auto d = find_delivery("a", "w-1", "d" + std::to_string(1000 + i));
        ASSERT_TRUE(d) << i;
        EXPECT_EQ(d->attempts, 1) << i;
        EXPECT_EQ(d->latency_ms, i) << i;
        EXPECT_EQ(d->updated_at, now) << i;
        switch (i % 3) {
            case 0:
                EXPECT_EQ(d->status, DeliveryStatus::kDelivered) << i;
                EXPECT_EQ(d->response_status, 200) << i;
                EXPECT_EQ(d->delivered_at, now) << i;
                EXPECT_FALSE(d->next_attempt_at) << i;
                EXPECT_FALSE(d->error) << i;
                break;
            case 1:
                EXPECT_EQ(d->status, DeliveryStatus::kPending) << i;
                EXPECT_EQ(d->response_status, 503) << i;
                EXPECT_EQ(d->next_attempt_at, now + i * kSecond) << i;
                EXPECT_EQ(d->error, "answered 503") << i;
                EXPECT_EQ(d->response_excerpt, "busy " + std::to_string(i)) << i;
                EXPECT_FALSE(d->delivered_at) << i;
                break;
            default:
                EXPECT_EQ(d->status, DeliveryStatus::kFailed) << i;
                EXPECT_FALSE(d->response_status) << i;
                EXPECT_FALSE(d->next_attempt_at) << i;
                EXPECT_EQ(d->error, "connection refused") << i;
                EXPECT_FALSE(d->response_excerpt) << i;
                break;
        }
    }
    EXPECT_EQ(log("a", "w-1", DeliveryStatus::kDelivered).count, 50);
    EXPECT_EQ(log("a", "w-1", DeliveryStatus::kPending).count, 50);
    EXPECT_EQ(log("a", "w-1", DeliveryStatus::kFailed).count, 50);
    ASSERT_TRUE(db().write([](db::Connection& c) { return store::record_attempts(c, {}, kT0); }));
}

TEST_P(WebhookStoreTest, ClaimsTakeOnlyDuePendingDeliveries) {
    put(endpoint("w-1", "a"));
    auto delivered = delivery("done", "a", "w-1", kT0);
    delivered.status = DeliveryStatus::kDelivered;
    delivered.next_attempt_at.reset();
    auto failed = delivery("gave-up", "a", "w-1", kT0);
    failed.status = DeliveryStatus::kFailed;
    auto undated = delivery("undated", "a", "w-1", kT0);
    undated.next_attempt_at.reset();
    owe({delivery("now", "a", "w-1", kT0), delivery("later", "a", "w-1", kT0 + 10 * kSecond),
         delivered, failed, undated});

    EXPECT_FALSE(has_due(kT0 - 1));
    EXPECT_TRUE(claim("node-a", kT0 - 1).empty());
    EXPECT_TRUE(has_due(kT0));
    EXPECT_EQ(ids_of(claim("node-a", kT0)), std::vector<std::string>{"now"});
    EXPECT_FALSE(has_due(kT0 + 10 * kSecond - 1));
    EXPECT_TRUE(has_due(kT0 + 10 * kSecond));
    EXPECT_EQ(ids_of(claim("node-a", kT0 + 10 * kSecond)), std::vector<std::string>{"later"});
    EXPECT_TRUE(claim("node-a", kT0 + 30 * kSecond).empty());
}

TEST_P(WebhookStoreTest, ClaimsSkipTheTargetsAsked) {
    put(endpoint("w-1", "a"));
    put(endpoint("w-2", "a"));
    owe({delivery("d1", "a", "w-1", kT0), delivery("d2", "a", "w-2", kT0 + 1),
         delivery("c1", "a", std::nullopt, kT0 + 2)});
    EXPECT_EQ(ids_of(claim("node-a", kT0 + kSecond, 8, 64, {"w-1", kCallbackTarget})),
              std::vector<std::string>{"d2"});
    EXPECT_EQ(ids_of(claim("node-a", kT0 + kSecond, 8, 64, {"w-9"})),
              (std::vector<std::string>{"d1", "c1"}));
}

TEST_P(WebhookStoreTest, ADisabledEndpointsDeliveriesWait) {
    put(endpoint("w-1", "a"));
    auto off = endpoint("w-2", "a");
    off.enabled = false;
    put(off);
    owe({delivery("d1", "a", "w-1", kT0), delivery("d2", "a", "w-2", kT0 + 1),
         delivery("c1", "a", std::nullopt, kT0 + 2)});
    EXPECT_EQ(ids_of(claim("node-a", kT0 + kSecond)), (std::vector<std::string>{"d1", "c1"}));
    off.enabled = true;
    update(off);
    EXPECT_EQ(ids_of(claim("node-a", kT0 + kSecond)), std::vector<std::string>{"d2"});
}

TEST_P(WebhookStoreTest, ALeasedDeliveryWaitsForItsLeaseOrItsRelease) {
    put(endpoint("w-1", "a"));
    owe({delivery("d1", "a", "w-1", kT0), delivery("d2", "a", "w-1", kT0 + 1)});
    const Micros now = kT0 + kSecond;
    EXPECT_EQ(ids_of(claim("node-a", now, 8, 64, {}, 60 * kSecond)),
              (std::vector<std::string>{"d1", "d2"}));
    EXPECT_FALSE(has_due(now));
    EXPECT_TRUE(claim("node-b", now).empty());
    EXPECT_TRUE(claim("node-b", now + 59 * kSecond).empty());
    EXPECT_TRUE(claim("node-a", now + 60 * kSecond).empty());
    // The lease ran out: anyone takes them again.
    EXPECT_TRUE(has_due(now + 60 * kSecond + 1));
    EXPECT_EQ(ids_of(claim("node-b", now + 60 * kSecond + 1, 8, 64, {}, 60 * kSecond)),
              (std::vector<std::string>{"d1", "d2"}));
    const Micros later = now + 61 * kSecond;
    // Another node's release leaves them leased.
    ASSERT_TRUE(
        db().write([](db::Connection& c) { return store::release_leases_of(c, "node-a"); }));
    EXPECT_TRUE(claim("node-c", later).empty());
    ASSERT_TRUE(
        db().write([](db::Connection& c) { return store::release_leases_of(c, "node-b"); }));
    EXPECT_TRUE(has_due(later));
    EXPECT_EQ(ids_of(claim("node-c", later)), (std::vector<std::string>{"d1", "d2"}));
}

TEST_P(WebhookStoreTest, AClaimCarriesItsTargetSecretsAndTheCurrentUrl) {
    put(endpoint("w-1", "a"), "sealed-w-1");
    ASSERT_TRUE(db().write([](db::Connection& c) {
        return store::put_callback_secrets(c, acct("a"), {"sealed-cb", "sealed-cb-old", kT0 + 999},
                                           kT0);
    }));
    auto d1 = delivery("d1", "a", "w-1", kT0);
    d1.url = "https://old.example/h";
    owe({d1, delivery("c1", "a", std::nullopt, kT0 + 1),
         delivery("c2", "b", std::nullopt, kT0 + 2)});
    auto moved = endpoint("w-1", "a");
    moved.url = "https://new.example/h";
    update(moved);

    auto claimed = claim("node-a", kT0 + kSecond);
    ASSERT_EQ(claimed.size(), 3u);
    const auto& to_endpoint = claimed[0];
    EXPECT_EQ(to_endpoint.delivery.id.value, "d1");
    EXPECT_EQ(to_endpoint.target, "w-1");
    EXPECT_EQ(to_endpoint.delivery.url, "https://new.example/h");
    EXPECT_EQ(to_endpoint.delivery.body, "{\"id\":\"evt-d1\"}");
    EXPECT_EQ(to_endpoint.delivery.event_id, "evt-d1");
    EXPECT_EQ(to_endpoint.delivery.event_type, "message.delivered");
    EXPECT_EQ(to_endpoint.delivery.message_id, MessageId{"m-d1"});
    EXPECT_EQ(to_endpoint.delivery.webhook_id, WebhookId{"w-1"});
    EXPECT_EQ(to_endpoint.delivery.account_id, acct("a"));
    EXPECT_EQ(to_endpoint.delivery.attempts, 0);
    ASSERT_TRUE(to_endpoint.secrets);
    EXPECT_EQ(to_endpoint.secrets->secret, "sealed-w-1");
    EXPECT_FALSE(to_endpoint.secrets->previous);

    const auto& callback = claimed[1];
    EXPECT_EQ(callback.delivery.id.value, "c1");
    EXPECT_EQ(callback.target, kCallbackTarget);
    EXPECT_EQ(callback.delivery.url, "https://cb.example/h");
    EXPECT_FALSE(callback.delivery.webhook_id);
    ASSERT_TRUE(callback.secrets);
    EXPECT_EQ(callback.secrets->secret, "sealed-cb");
    EXPECT_EQ(callback.secrets->previous, "sealed-cb-old");
    EXPECT_EQ(callback.secrets->previous_until, kT0 + 999);

    // An account without a callback secret: nothing to sign with.
    EXPECT_EQ(claimed[2].delivery.id.value, "c2");
    EXPECT_FALSE(claimed[2].secrets);
}

// ---- attempts

TEST_P(WebhookStoreTest, AttemptsMoveDeliveriesOn) {
    put(endpoint("w-1", "a"));
    owe({delivery("ok", "a", "w-1", kT0), delivery("again", "a", "w-1", kT0 + 1),
         delivery("last", "a", "w-1", kT0 + 2)});
    const Micros now = kT0 + kSecond;
    ASSERT_EQ(claim("node-a", now).size(), 3u);
    const Micros done = now + 2 * kSecond;
    const WebhookId w1{"w-1"};
    record({{DeliveryId{"ok"}, w1, true, 204, 12, std::nullopt, "", std::nullopt},
            {DeliveryId{"again"}, w1, false, 500, 30, "answered 500", "upstream down",
             done + 10 * kSecond},
            {DeliveryId{"last"}, w1, false, std::nullopt, 10'000, "no answer in time", std::nullopt,
             std::nullopt}},
           done);

    auto ok = find_delivery("a", "w-1", "ok");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, DeliveryStatus::kDelivered);
    EXPECT_EQ(ok->attempts, 1);
    EXPECT_EQ(ok->response_status, 204);
    EXPECT_EQ(ok->latency_ms, 12);
    EXPECT_FALSE(ok->error);
    EXPECT_EQ(ok->delivered_at, done);
    EXPECT_FALSE(ok->next_attempt_at);
    EXPECT_EQ(ok->updated_at, done);

    auto again = find_delivery("a", "w-1", "again");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, DeliveryStatus::kPending);
    EXPECT_EQ(again->attempts, 1);
    EXPECT_EQ(again->next_attempt_at, done + 10 * kSecond);
    EXPECT_EQ(again->response_status, 500);
    EXPECT_EQ(again->latency_ms, 30);
    EXPECT_EQ(again->error, "answered 500");
    EXPECT_EQ(again->response_excerpt, "upstream down");
    EXPECT_FALSE(again->delivered_at);

    auto last = find_delivery("a", "w-1", "last");
    ASSERT_TRUE(last);
    EXPECT_EQ(last->status, DeliveryStatus::kFailed);
    EXPECT_EQ(last->attempts, 1);
    EXPECT_FALSE(last->next_attempt_at);
    EXPECT_FALSE(last->response_status);
    EXPECT_EQ(last->error, "no answer in time");
    EXPECT_FALSE(last->delivered_at);

    // The retry is due at its time, its lease gone with the attempt.
    EXPECT_TRUE(claim("node-b", done + 10 * kSecond - 1).empty());
    EXPECT_EQ(ids_of(claim("node-b", done + 10 * kSecond)), std::vector<std::string>{"again"});
    record({{DeliveryId{"again"}, w1, true, 200, 5, std::nullopt, "ok", std::nullopt}},
           done + 11 * kSecond);
    again = find_delivery("a", "w-1", "again");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, DeliveryStatus::kDelivered);
    EXPECT_EQ(again->attempts, 2);
    EXPECT_FALSE(again->error);
    EXPECT_EQ(again->response_excerpt, "ok");
}

TEST_P(WebhookStoreTest, AFinishedDeliveryIgnoresALateAttempt) {
    put(endpoint("w-1", "a"));
    owe({delivery("d1", "a", "w-1", kT0)});
    const WebhookId w1{"w-1"};
    record({{DeliveryId{"d1"}, w1, true, 200, 1, std::nullopt, std::nullopt, std::nullopt}},
           kT0 + 1);
    record({{DeliveryId{"d1"}, w1, false, 500, 1, "answered 500", std::nullopt, kT0 + 100}},
           kT0 + 2);
    auto d = find_delivery("a", "w-1", "d1");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->status, DeliveryStatus::kDelivered);
    EXPECT_EQ(d->attempts, 1);
    EXPECT_EQ(d->response_status, 200);
    EXPECT_EQ(d->updated_at, kT0 + 1);
}

TEST_P(WebhookStoreTest, EndpointResultsSetAndClearTheFailureRecord) {
    put(endpoint("w-1", "a"));
    put(endpoint("w-2", "a"));
    auto note = [&](const std::vector<std::string>& ok, const std::vector<std::string>& bad,
                    Micros now) {
        std::vector<WebhookId> succeeded, failed;
        for (const auto& id : ok) succeeded.emplace_back(id);
        for (const auto& id : bad) failed.emplace_back(id);
        auto s = db().write([&](db::Connection& c) {
            return store::note_endpoint_results(c, succeeded, failed, now);
        });
        ASSERT_TRUE(s) << s.error().message;
    };
    auto failing_since = [&](const std::string& id) {
        auto e = find("a", id);
        EXPECT_TRUE(e);
        return e ? e->failing_since : std::nullopt;
    };
    note({}, {"w-1", "w-2"}, kT0 + 1);
    EXPECT_EQ(failing_since("w-1"), kT0 + 1);
    EXPECT_EQ(failing_since("w-2"), kT0 + 1);
    note({}, {"w-1"}, kT0 + 2);  // still failing since the first
    EXPECT_EQ(failing_since("w-1"), kT0 + 1);
    note({"w-1"}, {}, kT0 + 3);
    EXPECT_FALSE(failing_since("w-1"));
    EXPECT_EQ(failing_since("w-2"), kT0 + 1);
    note({"w-1"}, {}, kT0 + 4);  // a success without a failure changes nothing
    EXPECT_FALSE(failing_since("w-1"));
    note({}, {"w-1"}, kT0 + 5);
    EXPECT_EQ(failing_since("w-1"), kT0 + 5);
    note({}, {}, kT0 + 6);
    EXPECT_EQ(failing_since("w-1"), kT0 + 5);
}

TEST_P(WebhookStoreTest, FailingEndpointsAreDisabledWithTheirPendingDeliveries) {
    for (const char* id : {"w-1", "w-2", "w-3"}) put(endpoint(id, "a"));
    ASSERT_TRUE(db().write([](db::Connection& c) {
        return store::note_endpoint_results(c, {}, {WebhookId{"w-1"}}, kT0 + 10);
    }));
    ASSERT_TRUE(db().write([](db::Connection& c) {
        return store::note_endpoint_results(c, {}, {WebhookId{"w-2"}}, kT0 + 30);
    }));
    const std::vector<WebhookId> all = {WebhookId{"w-1"}, WebhookId{"w-2"}, WebhookId{"w-3"}};
    auto failing = [&](const std::vector<WebhookId>& ids, Micros cutoff) {
        auto found =
            db().read([&](db::Connection& c) { return store::failing_before(c, ids, cutoff); });
        EXPECT_TRUE(found) << found.error().message;
        std::vector<std::string> out;
        if (found)
            for (const auto& e : *found) out.push_back(e.id.value);
        return sorted(out);
    };
    EXPECT_EQ(failing(all, kT0 + 20), std::vector<std::string>{"w-1"});
    EXPECT_EQ(failing(all, kT0 + 10), std::vector<std::string>{"w-1"});
    EXPECT_TRUE(failing(all, kT0 + 9).empty());
    EXPECT_EQ(failing(all, kT0 + 30), (std::vector<std::string>{"w-1", "w-2"}));
    EXPECT_TRUE(failing({WebhookId{"w-2"}, WebhookId{"w-3"}}, kT0 + 20).empty());
    EXPECT_TRUE(failing({}, kT0 + 100).empty());

    owe({delivery("p1", "a", "w-1", kT0), delivery("p2", "a", "w-1", kT0 + 5 * kSecond),
         delivery("done", "a", "w-1", kT0 + 1), delivery("other", "a", "w-2", kT0 + 2)});
    ASSERT_EQ(claim("node-a", kT0 + 3, 8, 64, {"w-2"}).size(), 2u);  // p1 and done in flight
    record({{DeliveryId{"done"}, WebhookId{"w-1"}, true, 200, 1, std::nullopt, std::nullopt,
             std::nullopt}},
           kT0 + 4);

    const Micros now = kT0 + 100;
    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return store::disable_endpoint(c, WebhookId{"w-1"}, "Every delivery failed since then.",
                                       now);
    }));
    auto e = find("a", "w-1");
    ASSERT_TRUE(e);
    EXPECT_FALSE(e->enabled);
    EXPECT_EQ(e->disabled_reason, "Every delivery failed since then.");
    EXPECT_EQ(e->updated_at, now);
    EXPECT_EQ(e->failing_since, kT0 + 10);
    for (const char* id : {"p1", "p2"}) {
        auto d = find_delivery("a", "w-1", id);
        ASSERT_TRUE(d) << id;
        EXPECT_EQ(d->status, DeliveryStatus::kFailed) << id;
        EXPECT_FALSE(d->next_attempt_at) << id;
        EXPECT_EQ(d->error, "endpoint disabled") << id;
        EXPECT_EQ(d->updated_at, now) << id;
    }
    auto done = find_delivery("a", "w-1", "done");
    ASSERT_TRUE(done);
    EXPECT_EQ(done->status, DeliveryStatus::kDelivered);
    auto other = find_delivery("a", "w-2", "other");
    ASSERT_TRUE(other);
    EXPECT_EQ(other->status, DeliveryStatus::kPending);
    // Disabled, it is no longer among the failing ones to disable.
    EXPECT_EQ(failing(all, now), std::vector<std::string>{"w-2"});
    EXPECT_EQ(ids_of(claim("node-a", now + 10 * kSecond)), std::vector<std::string>{"other"});
}

TEST_P(WebhookStoreTest, RedeliveryMakesAnyDeliveryDueNow) {
    put(endpoint("w-1", "a"));
    owe({delivery("gave-up", "a", "w-1", kT0), delivery("done", "a", "w-1", kT0 + 1),
         delivery("in-flight", "a", "w-1", kT0 + 2)});
    const WebhookId w1{"w-1"};
    ASSERT_EQ(claim("node-a", kT0 + 10, 8, 64, {}, 3600 * kSecond).size(), 3u);
    record({{DeliveryId{"gave-up"}, w1, false, 500, 1, "answered 500", "no", std::nullopt},
            {DeliveryId{"done"}, w1, true, 200, 1, std::nullopt, std::nullopt, std::nullopt}},
           kT0 + 20);
    const Micros now = kT0 + 100 * kSecond;
    EXPECT_FALSE(has_due(now));
    for (const char* id : {"gave-up", "done", "in-flight"})
        ASSERT_TRUE(db().write(
            [&](db::Connection& c) { return store::redeliver(c, DeliveryId{id}, now); }));
    for (const char* id : {"gave-up", "done", "in-flight"}) {
        auto d = find_delivery("a", "w-1", id);
        ASSERT_TRUE(d) << id;
        EXPECT_EQ(d->status, DeliveryStatus::kPending) << id;
        EXPECT_EQ(d->next_attempt_at, now) << id;
        EXPECT_EQ(d->updated_at, now) << id;
    }
    auto gave_up = find_delivery("a", "w-1", "gave-up");
    EXPECT_EQ(gave_up->attempts, 1);
    EXPECT_EQ(gave_up->body, "{\"id\":\"evt-gave-up\"}");
    EXPECT_EQ(gave_up->event_id, "evt-gave-up");
    EXPECT_TRUE(has_due(now));
    EXPECT_EQ(sorted(ids_of(claim("node-b", now))),
              (std::vector<std::string>{"done", "gave-up", "in-flight"}));
}

TEST_P(WebhookStoreTest, FinishedDeliveriesAreDroppedAfterTheirTime) {
    put(endpoint("w-1", "a"));
    owe({delivery("old-ok", "a", "w-1", kT0), delivery("old-failed", "a", "w-1", kT0 + 1),
         delivery("old-pending", "a", "w-1", kT0 + 2), delivery("new-ok", "a", "w-1", kT0 + 3)});
    const WebhookId w1{"w-1"};
    record(
        {{DeliveryId{"old-ok"}, w1, true, 200, 1, std::nullopt, std::nullopt, std::nullopt},
         {DeliveryId{"old-failed"}, w1, false, 500, 1, "answered 500", std::nullopt, std::nullopt}},
        kT0 + 10);
    record({{DeliveryId{"new-ok"}, w1, true, 200, 1, std::nullopt, std::nullopt, std::nullopt}},
           kT0 + 30);
    auto dropped =
        db().write([](db::Connection& c) { return store::drop_finished_before(c, kT0 + 20); });
    ASSERT_TRUE(dropped) << dropped.error().message;
    EXPECT_EQ(*dropped, 2);
    EXPECT_FALSE(find_delivery("a", "w-1", "old-ok"));
    EXPECT_FALSE(find_delivery("a", "w-1", "old-failed"));
    EXPECT_TRUE(find_delivery("a", "w-1", "old-pending"));
    EXPECT_TRUE(find_delivery("a", "w-1", "new-ok"));
    auto again =
        db().write([](db::Connection& c) { return store::drop_finished_before(c, kT0 + 20); });
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, 0);
}

TEST_P(WebhookStoreTest, TheDeliveryLogIsNewestFirstFilteredAndScoped) {
    put(endpoint("w-1", "a"));
    put(endpoint("w-2", "a"));
    owe({delivery("d1", "a", "w-1", kT0 + 1), delivery("d2", "a", "w-1", kT0 + 2),
         delivery("d3", "a", "w-1", kT0 + 3), delivery("x1", "a", "w-2", kT0 + 4),
         delivery("c1", "a", std::nullopt, kT0 + 5)});
    record({{DeliveryId{"d2"}, WebhookId{"w-1"}, true, 200, 1, std::nullopt, std::nullopt,
             std::nullopt}},
           kT0 + 10);

    auto all = log("a", "w-1");
    EXPECT_EQ(all.count, 3);
    std::vector<std::string> ids;
    for (const auto& d : all.items) ids.push_back(d.id.value);
    EXPECT_EQ(ids, (std::vector<std::string>{"d3", "d2", "d1"}));
    EXPECT_EQ(all.items[1].status, DeliveryStatus::kDelivered);
    EXPECT_EQ(all.items[1].body, "{\"id\":\"evt-d2\"}");

    auto delivered = log("a", "w-1", DeliveryStatus::kDelivered);
    EXPECT_EQ(delivered.count, 1);
    ASSERT_EQ(delivered.items.size(), 1u);
    EXPECT_EQ(delivered.items[0].id.value, "d2");
    auto pending = log("a", "w-1", DeliveryStatus::kPending);
    EXPECT_EQ(pending.count, 2);
    ASSERT_EQ(pending.items.size(), 2u);
    EXPECT_EQ(pending.items[0].id.value, "d3");
    EXPECT_EQ(pending.items[1].id.value, "d1");
    EXPECT_EQ(log("a", "w-1", DeliveryStatus::kFailed).count, 0);

    auto page = log("a", "w-1", std::nullopt, {.limit = 2, .offset = 0});
    EXPECT_EQ(page.count, 3);
    ASSERT_EQ(page.items.size(), 2u);
    EXPECT_EQ(page.items[0].id.value, "d3");
    auto next = log("a", "w-1", std::nullopt, {.limit = 2, .offset = 2});
    ASSERT_EQ(next.items.size(), 1u);
    EXPECT_EQ(next.items[0].id.value, "d1");

    auto theirs = log("b", "w-1");
    EXPECT_EQ(theirs.count, 0);
    EXPECT_TRUE(theirs.items.empty());
    auto other_endpoint = log("a", "w-2");
    ASSERT_EQ(other_endpoint.items.size(), 1u);
    EXPECT_EQ(other_endpoint.items[0].id.value, "x1");

    EXPECT_TRUE(find_delivery("a", "w-1", "d1"));
    EXPECT_FALSE(find_delivery("b", "w-1", "d1"));
    EXPECT_FALSE(find_delivery("a", "w-2", "d1"));
    EXPECT_FALSE(find_delivery("a", "w-1", "nope"));
}

INSTANTIATE_TEST_SUITE_P(Engines, WebhookStoreTest, db::testing::engines(),
                         db::testing::EngineName());

}  // namespace
}  // namespace ujumbe::webhooks
