#include "realtime/publisher.h"

#include "core/log.h"
#include "db/store_support.h"

namespace ujumbe::realtime {

namespace {

// What fits NOTIFY: the event, or its ids and status when its data is large.
std::string notify_payload(const Event& e) {
    std::string wire = wire_of(e);
    if (wire.size() <= kMaxNotifyBytes) return wire;
    Event small = e;
    small.data = nlohmann::json::object();
    for (const char* key : {"id", "conversation_id", "status", "channel", "direction"})
        if (e.data.contains(key)) small.data[key] = e.data[key];
    small.data["truncated"] = true;
    return wire_of(small);
}

Status notify(db::Connection& c, const Event& e) {
    return db::done(c.query(std::string("SELECT pg_notify('") + kNotifyChannel + "', $1)",
                            {notify_payload(e)}));
}

}  // namespace

Publisher::Publisher(db::Database& db, Clock& clock, Hub& hub, PublisherOptions options)
    : db_(db),
      clock_(clock),
      hub_(hub),
      options_(std::move(options)),
      shared_(db.dialect() == db::Dialect::kPostgres) {}

Publisher::~Publisher() {
    stop();
}

void Publisher::start() {
    if (!shared_) return;
    thread_.start("rt-presence", options_.presence_every, std::chrono::milliseconds(0),
                  [this] { note_presence(); });
}

void Publisher::stop() {
    thread_.stop();
}

void Publisher::clients_changed() {
    if (shared_) thread_.wake();
}

bool Publisher::wanted(const AccountId& account) const {
    if (hub_.has_clients(account)) return true;
    if (!shared_) return false;
    std::lock_guard lock(mutex_);
    return present_.count(account) > 0;
}

Status Publisher::publish(db::Connection& c, const Event& e) {
    if (!wanted(e.account_id)) return {};
    if (shared_) return notify(c, e);
    c.after_commit([this, e] { hub_.deliver(e); });
    return {};
}

void Publisher::publish_now(const Event& e) {
    if (!shared_) {
        hub_.deliver(e);
        return;
    }
    db_.post([this, e](db::Connection&) {
        auto sent = db_.write([&](db::Connection& c) { return notify(c, e); });
        if (!sent) log::warn("realtime event not published", {{"error", sent.error().message}});
    });
}

void Publisher::note_presence() {
    const Micros now = clock_.now();
    const auto mine = hub_.accounts();
    auto seen = db_.write([&](db::Connection& c) -> Result<std::set<AccountId>> {
        for (const auto& account : mine)
            UJ_TRY(db::done(c.query(
                "INSERT INTO realtime_presence (account_id, node, until) VALUES ($1, $2, $3) "
                "ON CONFLICT (account_id, node) DO UPDATE SET until = excluded.until",
                {account.value, options_.node_id, now + options_.presence_keep})));
        UJ_TRY(db::done(c.query("DELETE FROM realtime_presence WHERE until < $1",
                                {now - options_.presence_keep})));
        UJ_ASSIGN(auto rows, c.query("SELECT DISTINCT account_id FROM realtime_presence WHERE "
                                     "until >= $1",
                                     {now}));
        std::set<AccountId> out;
        for (const auto& r : rows.rows) out.insert(AccountId{r.text(0)});
        return out;
    });
    if (!seen) {
        log::warn("realtime presence not noted", {{"error", seen.error().message}});
        return;
    }
    std::lock_guard lock(mutex_);
    present_ = std::move(*seen);
}

}  // namespace ujumbe::realtime
