#include "app/wiring.h"

#include <map>

#include "app/modules.h"
#include "core/metrics.h"
#include "messaging/views.h"

namespace ujumbe::app {

namespace {
// The account as its services see a reader of its own data.
Principal reader_of(const AccountId& account) {
    Principal p;
    p.account_id = account;
    p.role = Role::kOwner;
    return p;
}
}  // namespace

Status Wiring::registered(db::Connection& c, const identity::Account& account) {
    return m_.billing_.grant_trial(c, account.id);
}

Status Wiring::check_member_limit(const AccountId& account, std::int64_t current) {
    return m_.billing_.check_plan_limit(account, "users", current);
}

Status Wiring::check_contact_limit(const AccountId& account, std::int64_t current) {
    return m_.billing_.check_plan_limit(account, "contacts", current);
}

void Wiring::import_queued() {
    m_.importer_.wake();
}

Result<billing::UsageSource::Messages> Wiring::messages(const AccountId& account, Micros from,
                                                        Micros until, Micros day_start) {
    const auto who = reader_of(account);
    messaging::MessageQuery q{.direction = "outbound", .from = from, .until = until};
    UJ_ASSIGN(auto period, m_.messaging_.stats(who, q));
    q.from = day_start;
    q.until.reset();
    UJ_ASSIGN(auto today, m_.messaging_.stats(who, q));
    return Messages{period.total, period.segments, today.total};
}

Result<std::int64_t> Wiring::users(const AccountId& account) {
    UJ_ASSIGN(auto members, m_.identity_.list_members(reader_of(account), {}, {.limit = 1}));
    return members.count;
}

Result<std::int64_t> Wiring::contacts(const AccountId& account) {
    UJ_ASSIGN(auto listed, m_.contacts_.list(reader_of(account), {}, {.limit = 1}));
    return listed.count;
}

Status Wiring::finished(db::Connection& c, const std::vector<MessageId>& ids,
                        const std::string& status) {
    UJ_TRY(campaigns::owe_fallbacks(c, ids, status, SystemClock::instance().now()));
    return m_.billing_.finished(c, ids, status);
}

Result<std::vector<std::pair<MessageId, std::int64_t>>> Wiring::gateway_costs(
    db::Connection& c, const GatewayId& gateway_id,
    const std::vector<const messaging::Message*>& sent) {
    std::vector<billing::CostQuery> queries;
    queries.reserve(sent.size());
    for (const auto* m : sent) queries.push_back({m->id, m->channel, m->to, m->segments});
    return m_.billing_.gateway_costs(c, gateway_id, queries);
}

Status Wiring::inbound(db::Connection& c, const messaging::Message& m) {
    if (m.sender.starts_with('+')) {
        UJ_ASSIGN(auto keyword,
                  m_.contacts_.apply_keyword(c, m.account_id, m.sender, m.body, m.channel));
        if (keyword && keyword->reply)
            c.after_commit(
                [this, reply = KeywordReply{m.account_id, m.sender, m.channel, *keyword->reply}] {
                    m_.keyword_replies_.post(reply);
                });
    }
    UJ_TRY(m_.inbox_.on_inbound(c, m));
    // SMS only, owed whether or not this node listens for SMPP: the customer
    // may be bound to another node.
    if (m.channel != "sms") return {};
    return m_.smpp_deliveries_.owe_inbound(c, m);
}

Status Wiring::inbound(db::Connection& c, const channels::InboundReport& in) {
    return m_.pipeline_.write_inbound(c, in);
}

Status Wiring::receipt(db::Connection& c, const channels::ReceiptReport& receipt) {
    return m_.pipeline_.write_receipt(c, receipt);
}

Result<std::optional<Error>> Wiring::check(db::Connection& c, const messaging::SendRequest& r,
                                           const messaging::Message* replied,
                                           messaging::Message& m) {
    return m_.whatsapp_sending_.check(c, r, replied, m);
}

Status Wiring::reached_final(db::Connection& c, const std::vector<messaging::FinalMessage>& done,
                             messaging::MessageStatus status,
                             const std::optional<std::string>& error_code) {
    static auto& finals = metrics::Registry::global().counter(
        "ujumbe_messages_final_total",
        "Messages that reached a final status, by channel, gateway and status.",
        {"channel", "gateway", "status"});
    // A batch comes mostly from one gateway: counted by gateway id, and each
    // gateway's label (a registry lookup) read once per batch, not per message.
    std::map<std::pair<std::string, std::optional<GatewayId>>, std::uint64_t> by_gateway;
    std::vector<MessageId> ids;
    ids.reserve(done.size());
    for (const auto& m : done) {
        ids.push_back(m.id);
        ++by_gateway[{m.channel, m.gateway_id}];
    }
    std::vector<std::pair<std::pair<std::string, std::string>, std::uint64_t>> counts;
    for (const auto& [key, n] : by_gateway)
        counts.push_back(
            {{key.first, key.second ? m_.routing_.gateway_label(*key.second) : "none"}, n});
    c.after_commit([counts = std::move(counts), status] {
        const std::string name(messaging::status_name(status));
        for (const auto& [labels, n] : counts) finals.add({labels.first, labels.second, name}, n);
    });
    return m_.smpp_deliveries_.owe_receipts(c, ids, status, error_code);
}

Status Wiring::accepted(db::Connection& c, const std::vector<const messaging::Message*>& messages) {
    // One message or a few (a send, an inbox reply); a bulk call's thousands
    // are followed by their statuses instead.
    if (messages.empty() || messages.size() > kRealtimeNewMessages) return {};
    if (!m_.realtime_publisher_.wanted(messages.front()->account_id)) return {};
    for (const auto* m : messages)
        UJ_TRY(m_.realtime_publisher_.publish(c, {.account_id = m->account_id,
                                                  .type = "message.new",
                                                  .data = messaging::message_json(*m)}));
    return {};
}

Status Wiring::statuses_changed(db::Connection& c,
                                const std::vector<messaging::OutcomeHooks::StatusNote>& notes) {
    // One event per account and batch of changes, at most kRealtimeStatuses each.
    std::map<AccountId, std::vector<const StatusNote*>> by_account;
    for (const auto& n : notes) by_account[n.account_id].push_back(&n);
    for (const auto& [account, list] : by_account) {
        if (!m_.realtime_publisher_.wanted(account)) continue;
        for (std::size_t at = 0; at < list.size(); at += kRealtimeStatuses) {
            nlohmann::json changed = nlohmann::json::array();
            for (std::size_t k = at; k < std::min(list.size(), at + kRealtimeStatuses); ++k) {
                const auto* n = list[k];
                nlohmann::json one = {{"id", n->id.value},
                                      {"status", std::string(messaging::status_name(n->status))}};
                const auto detail = n->detail ? nlohmann::json::parse(*n->detail, nullptr, false)
                                              : nlohmann::json();
                if (detail.is_object() && detail.contains("error_code"))
                    one["error_code"] = detail["error_code"];
                changed.push_back(std::move(one));
            }
            UJ_TRY(m_.realtime_publisher_.publish(c, {.account_id = account,
                                                      .type = "message.status",
                                                      .data = {{"messages", changed}}}));
        }
    }
    return {};
}

void Wiring::on_receipt(const channels::ReceiptReport& receipt, channels::ReportDone done) {
    m_.pipeline_.on_receipt(receipt, std::move(done));
}

void Wiring::on_inbound(const channels::InboundReport& inbound, channels::ReportDone done) {
    m_.pipeline_.on_inbound(inbound, std::move(done));
}

}  // namespace ujumbe::app
