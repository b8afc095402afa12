#include "conversations/store.h"

#include "db/store_support.h"

namespace ujumbe::conversations::store {

namespace {

using db::Row;
using db::Value;

constexpr const char* kColumns =
    "id, account_id, phone_number_id, business_account_id, status, display_phone_number, "
    "verified_name, quality_rating, messaging_limit, last_error, connected_at, checked_at, "
    "disconnected_at, created_at, updated_at, secrets";

StoredChannel channel_from(const Row& r) {
    StoredChannel s;
    auto& ch = s.channel;
    ch.id = r.id<WhatsAppChannelId>(0);
    ch.account_id = r.id<AccountId>(1);
    ch.phone_number_id = r.text(2);
    ch.business_account_id = r.text(3);
    ch.status = parse_status(r.text(4)).value_or(ChannelStatus::kError);
    ch.display_phone_number = r.text(5);
    ch.verified_name = r.text(6);
    ch.quality_rating = r.text(7);
    ch.messaging_limit = r.text(8);
    ch.last_error = r.opt_text(9);
    ch.connected_at = r.opt_i64(10);
    ch.checked_at = r.opt_i64(11);
    ch.disconnected_at = r.opt_i64(12);
    ch.created_at = r.i64(13);
    ch.updated_at = r.i64(14);
    s.sealed = r.text(15);
    return s;
}

Result<std::optional<StoredChannel>> one_channel(Connection& c, const std::string& where,
                                                 const std::string& value) {
    UJ_ASSIGN(auto row, c.query_one(std::string("SELECT ") + kColumns +
                                        " FROM whatsapp_channels WHERE " + where + " = $1",
                                    {value}));
    if (!row) return std::optional<StoredChannel>{};
    return std::optional<StoredChannel>{channel_from(*row)};
}

}  // namespace

Result<std::optional<StoredChannel>> channel_of_account(Connection& c, const AccountId& account) {
    return one_channel(c, "account_id", account.value);
}

Result<std::optional<StoredChannel>> channel_by_id(Connection& c, const WhatsAppChannelId& id) {
    return one_channel(c, "id", id.value);
}

Result<std::vector<StoredChannel>> sending_channels(Connection& c) {
    UJ_ASSIGN(auto rows, c.query(std::string("SELECT ") + kColumns +
                                 " FROM whatsapp_channels WHERE status <> 'disconnected'"));
    std::vector<StoredChannel> out;
    for (const auto& r : rows.rows) out.push_back(channel_from(r));
    return out;
}

Result<std::optional<AccountId>> number_holder(Connection& c, const std::string& phone_number_id) {
    UJ_ASSIGN(auto row, c.query_one("SELECT account_id FROM whatsapp_channels WHERE "
                                    "phone_number_id = $1 AND status <> 'disconnected'",
                                    {phone_number_id}));
    if (!row) return std::optional<AccountId>{};
    return std::optional<AccountId>{row->id<AccountId>(0)};
}

Status save_channel(Connection& c, const WhatsAppChannel& ch, const std::string& sealed) {
    return db::done(c.query(
        "INSERT INTO whatsapp_channels (id, account_id, phone_number_id, business_account_id, "
        "status, display_phone_number, verified_name, quality_rating, messaging_limit, "
        "last_error, connected_at, checked_at, disconnected_at, created_at, updated_at, secrets) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) "
        "ON CONFLICT (account_id) DO UPDATE SET phone_number_id = excluded.phone_number_id, "
        "business_account_id = excluded.business_account_id, status = excluded.status, "
        "display_phone_number = excluded.display_phone_number, "
        "verified_name = excluded.verified_name, quality_rating = excluded.quality_rating, "
        "messaging_limit = excluded.messaging_limit, last_error = excluded.last_error, "
        "connected_at = excluded.connected_at, checked_at = excluded.checked_at, "
        "disconnected_at = excluded.disconnected_at, updated_at = excluded.updated_at, "
        "secrets = excluded.secrets",
        {ch.id.value, ch.account_id.value, ch.phone_number_id, ch.business_account_id,
         std::string(status_name(ch.status)), ch.display_phone_number, ch.verified_name,
         ch.quality_rating, ch.messaging_limit, db::optional_text(ch.last_error),
         db::optional_int(ch.connected_at), db::optional_int(ch.checked_at),
         db::optional_int(ch.disconnected_at), ch.created_at, ch.updated_at, sealed}));
}

Status insert_webhook_event(Connection& c, const WebhookEventId& id, const WhatsAppChannel& channel,
                            const std::string& body, Micros at) {
    return db::done(
        c.query("INSERT INTO whatsapp_webhook_events (id, channel_id, account_id, "
                "body, received_at) VALUES ($1, $2, $3, $4, $5)",
                {id.value, channel.id.value, channel.account_id.value, body, at}));
}

Result<std::int64_t> waiting_webhook_events(Connection& c, const WhatsAppChannelId& channel) {
    UJ_ASSIGN(auto row, c.query_one("SELECT COUNT(*) FROM whatsapp_webhook_events WHERE "
                                    "channel_id = $1 AND processed_at IS NULL",
                                    {channel.value}));
    return row ? row->i64(0) : 0;
}

Result<std::optional<Micros>> last_webhook_at(Connection& c, const WhatsAppChannelId& channel) {
    UJ_ASSIGN(auto row, c.query_one("SELECT MAX(received_at) FROM whatsapp_webhook_events WHERE "
                                    "channel_id = $1",
                                    {channel.value}));
    return row ? row->opt_i64(0) : std::nullopt;
}

namespace {

WebhookEvent event_from(const Row& r) {
    WebhookEvent e;
    e.id = r.id<WebhookEventId>(0);
    e.received_at = r.i64(1);
    e.processed_at = r.opt_i64(2);
    e.outcome = r.opt_text(3);
    if (r.size() > 4) e.body = r.text(4);
    return e;
}

}  // namespace

Result<db::Listing<WebhookEvent>> list_webhook_events(Connection& c,
                                                      const WhatsAppChannelId& channel,
                                                      const db::Paged& page) {
    db::Filter f;
    const std::string where = " WHERE channel_id = " + f.bind(channel.value);
    db::Listing<WebhookEvent> out;
    UJ_ASSIGN(out.count,
              db::count_of(c, "SELECT count(*) FROM whatsapp_webhook_events" + where, f));
    // Built before f.params() is read: the limit binds parameters too.
    const std::string sql =
        "SELECT id, received_at, processed_at, outcome FROM "
        "whatsapp_webhook_events" +
        where + " ORDER BY received_at DESC, id DESC" + db::limit_clause(f, page);
    UJ_ASSIGN(auto result, c.run(sql, f.params()));
    for (const auto& r : result.rows) out.items.push_back(event_from(r));
    return out;
}

Result<std::optional<WebhookEvent>> webhook_event(Connection& c, const WhatsAppChannelId& channel,
                                                  const WebhookEventId& id) {
    return db::one<WebhookEvent>(
        c.query_one("SELECT id, received_at, processed_at, outcome, body FROM "
                    "whatsapp_webhook_events WHERE id = $1 AND channel_id = $2",
                    {id.value, channel.value}),
        event_from);
}

Result<std::int64_t> purge_webhook_events(Connection& c, Micros before, int limit) {
    return c.execute(
        "DELETE FROM whatsapp_webhook_events WHERE id IN (SELECT id FROM whatsapp_webhook_events "
        "WHERE received_at < $1 AND processed_at IS NOT NULL ORDER BY received_at LIMIT $2)",
        {before, static_cast<std::int64_t>(limit)});
}

Result<std::int64_t> purge_seen(Connection& c, Micros seen_before, int limit) {
    return c.execute(
        "DELETE FROM whatsapp_seen WHERE (channel_id, wamid, what) IN (SELECT channel_id, wamid, "
        "what FROM whatsapp_seen WHERE seen_at < $1 ORDER BY seen_at LIMIT $2)",
        {seen_before, static_cast<std::int64_t>(limit)});
}

Result<std::vector<WaitingEvent>> claim_webhook_events(Connection& c, int limit) {
    const bool pg = c.dialect() == db::Dialect::kPostgres;
    return db::all<WaitingEvent>(
        c.query(std::string("SELECT id, channel_id, body FROM whatsapp_webhook_events WHERE "
                            "processed_at IS NULL ORDER BY received_at, id LIMIT $1") +
                    (pg ? " FOR UPDATE SKIP LOCKED" : ""),
                {static_cast<std::int64_t>(limit)}),
        [](const Row& r) {
            return WaitingEvent{.id = r.id<WebhookEventId>(0),
                                .channel_id = r.id<WhatsAppChannelId>(1),
                                .body = r.text(2)};
        });
}

Status finish_webhook_event(Connection& c, const WebhookEventId& id, const std::string& outcome,
                            Micros at) {
    return db::done(
        c.query("UPDATE whatsapp_webhook_events SET processed_at = $2, outcome = $3 WHERE id = $1",
                {id.value, at, outcome}));
}

Result<bool> mark_seen(Connection& c, const WhatsAppChannelId& channel, const std::string& wamid,
                       const std::string& what, const std::optional<std::string>& message_id,
                       Micros at) {
    UJ_ASSIGN(auto n, c.execute("INSERT INTO whatsapp_seen (channel_id, wamid, what, message_id, "
                                "seen_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                                {channel.value, wamid, what, db::optional_text(message_id), at}));
    return n > 0;
}

Status note_inbound(Connection& c, const WhatsAppChannelId& channel, const std::string& wa_id,
                    Micros at) {
    return db::done(c.query(
        "INSERT INTO whatsapp_windows (channel_id, wa_id, last_inbound_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (channel_id, wa_id) DO UPDATE SET last_inbound_at = excluded.last_inbound_at "
        "WHERE excluded.last_inbound_at > whatsapp_windows.last_inbound_at",
        {channel.value, wa_id, at}));
}

Result<std::optional<Micros>> last_inbound(Connection& c, const WhatsAppChannelId& channel,
                                           const std::string& wa_id) {
    UJ_ASSIGN(auto row, c.query_one("SELECT last_inbound_at FROM whatsapp_windows WHERE "
                                    "channel_id = $1 AND wa_id = $2",
                                    {channel.value, wa_id}));
    if (!row) return std::optional<Micros>{};
    return std::optional<Micros>{row->i64(0)};
}

}  // namespace ujumbe::conversations::store
