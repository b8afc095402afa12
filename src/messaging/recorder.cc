#include "messaging/recorder.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/ids.h"
#include "core/log.h"
#include "core/validate.h"
#include "formats/sms_encoding.h"
#include "messaging/parts.h"
#include "messaging/store.h"

namespace ujumbe::messaging {

namespace {

using json = nlohmann::json;

// What a gateway's answer makes of the message and of each part.
struct SentResult {
    store::StatusChange change;
    std::vector<MessagePart> parts;
};

SentResult classify(const SentRecord& s, Micros now) {
    SentResult r;
    std::optional<std::string> refusal, refusal_message, unanswered, failure, failure_message;
    bool accepted_all = true;
    for (const auto& p : s.outcome.parts) {
        MessagePart part{.part = p.part, .gateway_id = s.gateway_id, .submitted_at = now};
        if (p.accepted) {
            part.provider_id = p.provider_id;
            part.provider_key = p.provider_key;
            part.status = "submitted";
        } else {
            accepted_all = false;
            part.error_code = p.error_code;
            if (p.left) {
                part.status = "unknown";  // written, never answered
                unanswered = p.error_code;
            } else {
                part.status = "rejected";
                part.done_at = now;
                auto& code = p.answered ? refusal : failure;
                auto& text = p.answered ? refusal_message : failure_message;
                if (!code) {
                    code = p.error_code;
                    text = p.error_message;
                }
            }
        }
        r.parts.push_back(std::move(part));
    }
    auto& change = r.change;
    change.gateway_id = s.gateway_id;
    change.count_attempt = true;
    if (accepted_all) {
        change.status = status::kSent;
        change.sent_at = now;
    } else if (refusal) {
        // The gateway refused (a part of) it for good.
        change.status = status::kRejected;
        change.error_code = refusal;
        change.error_message = refusal_message;
        change.done_at = now;
    } else if (failure && !unanswered) {
        // It never reached the gateway and no other would do better.
        change.status = status::kFailed;
        change.error_code = failure;
        change.error_message = failure_message;
        change.done_at = now;
    } else {
        change.status = status::kSent;
        change.sent_at = now;
        change.error_code = unanswered ? unanswered : failure;
        change.error_message = "The gateway did not answer; the message may have been sent.";
    }
    return r;
}

// Groups message ids by an identical status change, so each group is one
// UPDATE.
using ChangeKey = std::tuple<MessageStatus, std::optional<GatewayId>, std::optional<std::string>,
                             std::optional<std::string>, bool, bool>;
ChangeKey key_of(const store::StatusChange& c) {
    return {c.status,        c.gateway_id,          c.error_code,
            c.error_message, c.sent_at.has_value(), c.done_at.has_value()};
}

}  // namespace

Status Recorder::write(db::Connection& c, const std::vector<Record>& batch, Micros now,
                       std::size_t* kept_early) const {
    std::vector<const SentRecord*> sent;
    std::vector<Arrived> receipts;
    const MatchEarlyReceipts* match = nullptr;
    for (const auto& r : batch) {
        if (const auto* s = std::get_if<SentRecord>(&r)) {
            sent.push_back(s);
        } else if (const auto* fresh = std::get_if<channels::ReceiptReport>(&r)) {
            receipts.push_back({*fresh, now});
        } else if (const auto* retry = std::get_if<RetryRecord>(&r)) {
            UJ_TRY(write_retry(c, *retry, now));
        } else if (const auto* failed = std::get_if<FailedRecord>(&r)) {
            UJ_TRY(write_failed(c, *failed, now));
        } else if (const auto* m = std::get_if<MatchEarlyReceipts>(&r)) {
            match = m;
        } else if (const auto* t = std::get_if<ReceiptTimeouts>(&r)) {
            UJ_TRY(write_timeouts(c, *t, now));
        } else if (const auto* l = std::get_if<ReleaseLeases>(&r)) {
            UJ_TRY(store::release_leases_of(c, l->owner, l->message_ids));
        } else if (const auto* probe = std::get_if<ProbeWrite>(&r)) {
            UJ_TRY(store::probe_write(c, probe->node_id, now));
        } else {
            UJ_TRY(write_inbound(c, std::get<channels::InboundReport>(r), now));
        }
    }
    // Answers before receipts: a receipt in the batch may be for a part sent in it.
    UJ_TRY(write_sent(c, sent, now));
    UJ_TRY(write_receipts(c, receipts, now, kept_early));
    return match ? match_early(c, *match, now) : Status{};
}

Status Recorder::match_early(db::Connection& c, const MatchEarlyReceipts& m, Micros now) const {
    UJ_ASSIGN(auto matched, store::matched_early_receipts(c, 1000));
    if (!matched.empty()) {
        std::vector<std::string> ids;
        std::vector<Arrived> receipts;
        for (auto& e : matched) {
            ids.push_back(std::move(e.id));
            receipts.push_back({std::move(e.receipt), e.received_at});
        }
        UJ_TRY(store::delete_early_receipts(c, ids));
        UJ_TRY(write_receipts(c, receipts, now, nullptr));
    }
    UJ_ASSIGN(auto dropped, store::drop_early_receipts(c, now - m.keep));
    if (dropped > 0)
        log::warn("receipts matched no message part in time and were dropped",
                  {{"count", dropped}});
    return {};
}

Status Recorder::write_sent(db::Connection& c, const std::vector<const SentRecord*>& sent,
                            Micros now) const {
    if (sent.empty()) return {};
    std::vector<store::PartRow> parts;
    std::vector<MessageId> ids;
    std::vector<store::EventRow> events;
    std::map<ChangeKey, std::pair<store::StatusChange, std::vector<MessageId>>> groups;
    std::map<ChangeKey, std::vector<FinalMessage>> finals;
    for (const auto* s : sent) {
        auto r = classify(*s, now);
        for (auto& p : r.parts) parts.push_back({s->message.id, std::move(p)});
        ids.push_back(s->message.id);
        UJ_TRY(check_change(s->message.id, s->message.status, r.change.status));
        if (s->message.status == status::kQueued)
            events.push_back({s->message.account_id, s->message.id, event_type(status::kSending),
                              status::kSending, std::nullopt, s->handed_at ? s->handed_at : now});
        json detail = {{"gateway_id", s->gateway_id}, {"parts", s->outcome.parts.size()}};
        if (r.change.error_code) detail["error_code"] = *r.change.error_code;
        events.push_back({s->message.account_id, s->message.id, event_type(r.change.status),
                          r.change.status, detail.dump(), now});
        auto& group = groups[key_of(r.change)];
        group.first = r.change;
        group.second.push_back(s->message.id);
        finals[key_of(r.change)].push_back({s->message.id, s->message.channel, s->gateway_id});
    }
    UJ_TRY(store::upsert_parts(c, parts));
    if (hooks_) {
        std::map<GatewayId, std::vector<const Message*>> by_gateway;
        for (const auto* s : sent) by_gateway[s->gateway_id].push_back(&s->message);
        for (const auto& [gateway, messages] : by_gateway) {
            UJ_ASSIGN(auto costs, hooks_->gateway_costs(c, gateway, messages));
            for (const auto& [id, cost] : costs) UJ_TRY(store::set_cost(c, id, cost));
        }
    }
    for (const auto& [key, group] : groups) {
        UJ_TRY(store::change_status_many(c, group.second, group.first, now));
        UJ_TRY(finished(c, finals[key], group.first.status, group.first.error_code));
    }
    UJ_TRY(store::dequeue_many(c, ids));
    return write_events(c, events);
}

Status Recorder::write_receipts(db::Connection& c, const std::vector<Arrived>& receipts, Micros now,
                                std::size_t* kept_early) const {
    if (receipts.empty()) return {};
    // Find every receipt's part, one lookup per gateway.
    std::map<GatewayId, std::vector<std::string>> keys_by_gateway;
    for (const auto& r : receipts)
        keys_by_gateway[r.receipt.gateway_id].push_back(r.receipt.provider_key);
    std::map<std::pair<GatewayId, std::string>, store::PartMatch> found;
    for (const auto& [gateway, keys] : keys_by_gateway) {
        UJ_ASSIGN(auto matches, store::find_parts(c, gateway, keys));
        for (auto& m : matches) found[{gateway, m.provider_key}] = std::move(m);
    }

    std::vector<std::pair<MessageId, Receipt>> rows;
    std::vector<const store::PartMatch*> final_matches;
    std::vector<const Arrived*> final_receipts;
    std::vector<MessageId> message_ids;
    std::set<MessageId> already_final;  // the part follows its receipt, the message stays
    std::vector<store::EarlyReceipt> early;
    for (const auto& r : receipts) {
        auto it = found.find({r.receipt.gateway_id, r.receipt.provider_key});
        if (it == found.end()) {
            early.push_back({new_uuid_v7(now), r.receipt, r.at});
            continue;
        }
        const auto& m = it->second;
        rows.push_back({m.message_id, Receipt{.id = new_uuid_v7(now),
                                              .part = m.part,
                                              .gateway_id = r.receipt.gateway_id,
                                              .provider_id = r.receipt.provider_id,
                                              .stat = r.receipt.stat,
                                              .error_code = r.receipt.error_code,
                                              .submit_date = r.receipt.submit_date,
                                              .done_date = r.receipt.done_date,
                                              .received_at = r.at}});
        auto part_status = parse_delivery_status(r.receipt.status);
        if (!part_status || !is_final(*part_status)) continue;
        // A delivered message still hears that it was read.
        const bool read_late =
            *part_status == DeliveryStatus::kRead && m.message_status == status::kDelivered;
        if (is_final(m.message_status) && !read_late) already_final.insert(m.message_id);
        final_matches.push_back(&m);
        final_receipts.push_back(&r);
        message_ids.push_back(m.message_id);
    }
    UJ_TRY(store::insert_receipts(c, rows));
    UJ_TRY(store::insert_early_receipts(c, early));
    if (kept_early) *kept_early += early.size();
    if (final_matches.empty()) return {};

    // Every part of the messages concerned, updated in memory in arrival order.
    UJ_ASSIGN(auto stored, store::parts_of_many(c, message_ids));
    std::unordered_map<MessageId, std::vector<MessagePart>> parts;
    for (auto& p : stored) parts[p.message_id].push_back(std::move(p.part));
    struct Touched {
        AccountId account_id;
        MessageStatus from;  // the message's status before this batch
        std::string stat;
        std::optional<std::string> error_code;
        FinalMessage done;
    };
    std::map<MessageId, Touched> touched;  // message id -> its last final receipt
    std::map<std::tuple<std::string, std::optional<std::string>>, std::vector<MessageId>>
        single_part_updates;
    for (std::size_t i = 0; i < final_matches.size(); ++i) {
        const auto& m = *final_matches[i];
        const auto& r = final_receipts[i]->receipt;
        auto& list = parts[m.message_id];
        auto part = std::find_if(list.begin(), list.end(),
                                 [&](const MessagePart& p) { return p.part == m.part; });
        if (part == list.end()) continue;
        auto current = parse_delivery_status(part->status);
        const bool read_late = current == DeliveryStatus::kDelivered &&
                               r.status == delivery_status_name(DeliveryStatus::kRead);
        if (current && is_final(*current) && !read_late) continue;  // a repeated receipt
        part->status = r.status;
        part->done_at = now;
        if (r.error_code) part->error_code = r.error_code;
        if (list.size() == 1)
            single_part_updates[{r.status, r.error_code}].push_back(m.message_id);
        else
            UJ_TRY(store::update_part(c, m.message_id, m.part, r.status, r.error_code, now));
        if (!already_final.count(m.message_id))
            touched[m.message_id] = {m.account_id,
                                     m.message_status,
                                     r.stat,
                                     r.error_code,
                                     {m.message_id, m.channel, r.gateway_id}};
    }
    for (const auto& [key, ids] : single_part_updates)
        UJ_TRY(store::set_first_parts(c, ids, std::get<0>(key), std::get<1>(key), now));

    // The messages whose parts now give a final status.
    std::vector<store::EventRow> events;
    std::map<ChangeKey, std::pair<store::StatusChange, std::vector<MessageId>>> groups;
    for (const auto& [id, t] : touched) {
        std::vector<PartState> states;
        for (const auto& p : parts[id]) {
            states.push_back({p.part,
                              parse_delivery_status(p.status).value_or(DeliveryStatus::kSubmitted),
                              p.done_at});
        }
        const DeliveryStatus derived = message_status(states);
        if (!is_final(derived)) continue;
        const auto status = parse_status(delivery_status_name(derived));
        if (!status) return Error::internal("a receipt's delivery status names no message status");
        UJ_TRY(check_change(id, t.from, *status));
        store::StatusChange change{.status = *status, .done_at = now};
        if (!reached(derived)) change.error_code = t.error_code;
        auto& group = groups[key_of(change)];
        group.first = change;
        group.second.push_back(id);
        json detail = {{"stat", t.stat}, {"parts", parts[id].size()}};
        if (t.error_code) detail["error_code"] = *t.error_code;
        events.push_back(
            {t.account_id, id, event_type(change.status), change.status, detail.dump(), now});
    }
    for (const auto& [key, group] : groups) {
        UJ_TRY(store::change_status_many(c, group.second, group.first, now));
        // Messages that were final already (delivered, now read) owe nothing more.
        std::vector<FinalMessage> newly_final;
        for (const auto& id : group.second)
            if (!is_final(touched[id].from)) newly_final.push_back(touched[id].done);
        UJ_TRY(finished(c, newly_final, group.first.status, group.first.error_code));
    }
    return write_events(c, events);
}

Status Recorder::write_timeouts(db::Connection& c, const ReceiptTimeouts& t, Micros now) const {
    // A receipt may have come since the guard looked.
    UJ_ASSIGN(auto waiting, store::still_sent(c, t.message_ids));
    if (waiting.empty()) return {};
    const store::StatusChange change{
        .status = status::kExpired,
        .error_code = std::string("RECEIPT_TIMEOUT"),
        .error_message = std::string("No delivery receipt came within the receipt timeout."),
        .done_at = now};
    std::vector<MessageId> ids;
    std::vector<FinalMessage> done;
    std::vector<store::EventRow> events;
    const std::string detail = json({{"error_code", "RECEIPT_TIMEOUT"}}).dump();
    for (const auto& w : waiting) {
        ids.push_back(w.message.id);
        done.push_back(w.message);
        events.push_back(
            {w.account_id, w.message.id, event_type(change.status), change.status, detail, now});
    }
    UJ_TRY(store::change_status_many(c, ids, change, now));
    UJ_TRY(finished(c, done, change.status, change.error_code));
    return write_events(c, events);
}

Status Recorder::write_events(db::Connection& c, const std::vector<store::EventRow>& events) const {
    UJ_TRY(store::insert_events(c, events));
    if (!hooks_ || events.empty()) return {};
    std::vector<OutcomeHooks::StatusNote> notes;
    notes.reserve(events.size());
    for (const auto& e : events)
        if (e.status != status::kSending)
            notes.push_back({e.account_id, e.message_id, e.status, e.detail});
    return hooks_->statuses_changed(c, notes);
}

Status Recorder::finished(db::Connection& c, const std::vector<FinalMessage>& done,
                          MessageStatus status,
                          const std::optional<std::string>& error_code) const {
    if (!hooks_ || !is_final(status) || done.empty()) return {};
    UJ_TRY(hooks_->reached_final(c, done, status, error_code));
    if (reached(status)) return {};
    std::vector<MessageId> ids;
    ids.reserve(done.size());
    for (const auto& m : done) ids.push_back(m.id);
    return hooks_->finished(c, ids, std::string(status_name(status)));
}

Status Recorder::write_failed(db::Connection& c, const FailedRecord& f, Micros now) const {
    UJ_TRY(check_change(f.message.id, f.message.status, status::kFailed));
    const store::StatusChange change{.status = status::kFailed,
                                     .error_code = f.error_code,
                                     .error_message = f.error_message,
                                     .done_at = now};
    UJ_TRY(store::change_status(c, f.message.id, change, now));
    UJ_TRY(store::dequeue(c, f.message.id));
    UJ_TRY(finished(c, {{f.message.id, f.message.channel, f.message.gateway_id}}, change.status,
                    change.error_code));
    return write_events(c, {{f.message.account_id, f.message.id, event_type(status::kFailed),
                             status::kFailed, json({{"error_code", f.error_code}}).dump(), now}});
}

Status Recorder::write_retry(db::Connection& c, const RetryRecord& r, Micros now) const {
    const int attempts = r.message.attempts + 1;
    if (attempts >= options_.max_attempts)
        return write_failed(c, {r.message, r.error_code, r.error_message}, now);
    const Micros delay =
        std::min(options_.retry_min << std::min(attempts - 1, 20), options_.retry_max);
    UJ_TRY(check_change(r.message.id, r.message.status, status::kQueued));
    UJ_TRY(store::change_status(c, r.message.id,
                                {.status = status::kQueued,
                                 .error_code = r.error_code,
                                 .error_message = r.error_message,
                                 .count_attempt = true},
                                now));
    UJ_TRY(store::requeue(c, r.message.id, now + delay));
    const json detail = {{"retry", attempts},
                         {"error_code", r.error_code},
                         {"next_attempt_at", format_iso8601(now + delay)}};
    return write_events(c, {{r.message.account_id, r.message.id, event_type(status::kQueued),
                             status::kQueued, detail.dump(), now}});
}

Status Recorder::write_inbound(db::Connection& c, const channels::InboundReport& in,
                               Micros now) const {
    std::string text = in.text;
    int segments = 1;
    if (in.reference >= 0 && in.total > 1) {
        UJ_TRY(store::insert_fragment(c, in.gateway_id, in.from, in.reference, in.total,
                                      {in.part, in.to, in.text}, now));
        UJ_ASSIGN(auto parts, store::fragments(c, in.gateway_id, in.from, in.reference));
        if (static_cast<int>(parts.size()) < in.total) return {};
        text.clear();
        for (const auto& p : parts) text += p.body;
        segments = in.total;
        UJ_TRY(store::delete_fragments(c, in.gateway_id, in.from, in.reference));
    }
    std::optional<AccountId> owner = in.account_id;
    if (!owner) {
        const std::string to_digits = in.to.starts_with('+') ? in.to.substr(1) : in.to;
        UJ_ASSIGN(owner, store::owner_of_number(c, to_digits));
    }
    Message m;
    m.id = MessageId{new_uuid_v7(now)};
    m.account_id = owner ? *owner : inbound_owner_();
    m.direction = "inbound";
    m.channel = in.channel;
    m.to = in.to;
    m.sender = all_digits(in.from) && in.from.size() > 8 ? "+" + in.from : in.from;
    m.body = text;
    if (in.channel == "sms") {
        auto counted = formats::count_segments(text);
        m.encoding = counted ? formats::encoding_name(counted->encoding) : "ucs2";
    } else {
        m.encoding = "utf8";  // no SMS encoding applies
    }
    m.segments = segments;
    UJ_TRY(check_change(m.id, std::nullopt, status::kReceived));
    m.status = status::kReceived;
    m.gateway_id = in.gateway_id;
    if (!in.provider_id.empty()) {
        json content = {{"type", in.content_type}, {"id", in.provider_id}};
        if (!in.media_id.empty()) content["media_id"] = in.media_id;
        m.content = content.dump();
    }
    m.created_at = m.updated_at = now;
    m.done_at = now;
    UJ_TRY(store::insert_messages(c, {&m}));
    if (hooks_) UJ_TRY(hooks_->inbound(c, m));
    json detail = {{"gateway_id", in.gateway_id}, {"from", m.sender}};
    if (!in.provider_id.empty()) detail["provider_id"] = in.provider_id;
    if (!in.content_type.empty()) detail["content_type"] = in.content_type;
    return store::insert_events(c, {{m.account_id, m.id, event_type(status::kReceived),
                                     status::kReceived, detail.dump(), now}});
}

}  // namespace ujumbe::messaging
