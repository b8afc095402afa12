#include "messaging/pipeline.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "contacts/phone.h"
#include "core/ids.h"
#include "core/log.h"
#include "messaging/encoding.h"
#include "messaging/parts.h"
#include "messaging/store.h"

namespace ujumbe::messaging {

namespace {

using json = nlohmann::json;

// Receipts whose part is not recorded yet are retried this long.
constexpr Micros kUnmatchedKeep = 60 * kMicrosPerSecond;

std::string event_detail(json detail) {
    return detail.dump();
}

bool all_digits(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Pipeline::Pipeline(db::Database& db, Clock& clock, Committer& committer,
                   routing::RoutingService& routing, identity::IdentityService& identity,
                   PipelineOptions options)
    : db_(db),
      clock_(clock),
      committer_(committer),
      routing_(routing),
      identity_(identity),
      options_(std::move(options)) {}

Pipeline::~Pipeline() {
    stop();
}

void Pipeline::start() {
    if (auto platform = identity_.platform_account()) platform_account_ = platform->id.value;
    auto released = committer_.run([&](db::Connection& c) -> Status {
        return options_.single_node ? store::release_all_leases(c)
                                    : store::release_leases(c, options_.node_id);
    });
    if (!released) log::warn("leases not released", {{"error", released.error().message}});
    thread_ = std::thread([this] { loop(); });
}

void Pipeline::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Pipeline::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    wake_.notify_one();
}

std::size_t Pipeline::in_flight() const {
    std::lock_guard lock(mutex_);
    return in_flight_.size();
}

void Pipeline::loop() {
    for (;;) {
        std::size_t room = 0;
        {
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, std::chrono::microseconds(options_.idle_poll),
                           [&] { return stopping_ || woken_; });
            if (stopping_) return;
            woken_ = false;
            room = options_.max_in_flight > in_flight_.size()
                       ? options_.max_in_flight - in_flight_.size()
                       : 0;
        }
        {
            std::lock_guard lock(record_mutex_);
            if (!unmatched_.empty() && !flushing_) {
                flushing_ = true;
                flush();
            }
        }
        if (room == 0) continue;
        const int limit = static_cast<int>(std::min<std::size_t>(options_.claim_batch, room));
        std::vector<Message> claimed;
        const Micros now = clock_.now();
        auto st = committer_.run([&](db::Connection& c) -> Status {
            UJ_ASSIGN(claimed, store::claim(c, options_.node_id, now, now + options_.lease, limit));
            return {};
        });
        if (!st) {
            log::warn("claiming due messages failed", {{"error", st.error().message}});
            continue;
        }
        for (auto& m : claimed) {
            {
                std::lock_guard lock(mutex_);
                if (!in_flight_.insert(m.id).second) continue;  // still ours from an earlier claim
            }
            dispatch(std::move(m));
        }
        if (static_cast<int>(claimed.size()) == limit) wake();  // more may be due
    }
}

std::uint16_t Pipeline::next_reference(const std::string& to) {
    std::lock_guard lock(reference_mutex_);
    if (references_.size() > 100'000) references_.clear();
    return ++references_[to];
}

void Pipeline::dispatch(Message message) {
    routing::RouteQuery q{.channel = message.channel,
                          .to = message.to,
                          .country = contacts::describe_phone(message.to, "").country,
                          .account_id = message.account_id.value,
                          .sender = message.sender,
                          .key = message.id};
    auto choice = routing_.choose(q);
    if (!choice) {
        record(Failed{std::move(message), "NO_ROUTE", "No routing rule matches this message."});
        return;
    }
    try_gateway({std::make_shared<Message>(std::move(message)), choice->gateways, 0, ""});
}

void Pipeline::try_gateway(Attempt attempt) {
    std::shared_ptr<channels::Gateway> gateway;
    for (; attempt.index < attempt.gateways.size(); ++attempt.index) {
        gateway = routing_.gateway(attempt.gateways[attempt.index]);
        if (gateway && gateway->available()) break;
        attempt.last_error = "gateway " + attempt.gateways[attempt.index] + " is not available";
        gateway.reset();
    }
    if (!gateway) {
        record(Retry{*attempt.message, "NO_GATEWAY_AVAILABLE", attempt.last_error});
        return;
    }
    const std::size_t slots = static_cast<std::size_t>(std::max(1, attempt.message->segments));
    {
        std::lock_guard lock(slots_mutex_);
        auto& s = slots_[gateway->id()];
        if (s.used > 0 && s.used + slots > gateway->capacity()) {
            s.waiting.push_back(std::move(attempt));
            return;
        }
        s.used += slots;
    }
    submit_to(std::move(gateway), std::move(attempt), slots);
}

void Pipeline::submit_to(std::shared_ptr<channels::Gateway> gateway, Attempt attempt,
                         std::size_t slots) {
    const auto& m = *attempt.message;
    channels::OutboundSms out{m.id, m.to, m.sender, m.body, next_reference(m.to)};
    gateway->submit(std::move(out), [this, attempt = std::move(attempt), gateway,
                                     slots](channels::SubmitOutcome outcome) mutable {
        const bool left = std::any_of(outcome.parts.begin(), outcome.parts.end(),
                                      [](const auto& p) { return p.left || p.accepted; });
        const bool retryable = std::any_of(outcome.parts.begin(), outcome.parts.end(),
                                           [](const auto& p) { return p.retryable; });
        if (!left && retryable) {
            // Nothing reached this gateway: the next one may carry it.
            release(gateway->id(), slots);
            attempt.last_error = outcome.parts.empty() ? "" : outcome.parts.front().error_code;
            ++attempt.index;
            try_gateway(std::move(attempt));
            return;
        }
        record(Sent{*attempt.message, gateway->id(), std::move(outcome), slots});
    });
}

void Pipeline::release(const std::string& gateway_id, std::size_t slots) {
    std::vector<Attempt> ready;
    std::shared_ptr<channels::Gateway> gateway = routing_.gateway(gateway_id);
    {
        std::lock_guard lock(slots_mutex_);
        auto& s = slots_[gateway_id];
        s.used -= std::min(s.used, slots);
        while (!s.waiting.empty()) {
            const auto need =
                static_cast<std::size_t>(std::max(1, s.waiting.front().message->segments));
            if (gateway && s.used > 0 && s.used + need > gateway->capacity()) break;
            s.used += need;
            ready.push_back(std::move(s.waiting.front()));
            s.waiting.pop_front();
        }
    }
    for (auto& attempt : ready) {
        const auto need = static_cast<std::size_t>(std::max(1, attempt.message->segments));
        if (!gateway || !gateway->available()) {
            // Gone or unbound meanwhile: give the slot back and try the route again.
            {
                std::lock_guard lock(slots_mutex_);
                auto& s = slots_[gateway_id];
                s.used -= std::min(s.used, need);
            }
            ++attempt.index;
            try_gateway(std::move(attempt));
            continue;
        }
        submit_to(gateway, std::move(attempt), need);
    }
}

void Pipeline::record(Record r) {
    std::lock_guard lock(record_mutex_);
    pending_.push_back(std::move(r));
    if (flushing_) return;
    flushing_ = true;
    flush();
}

// REQUIRES: record_mutex_ held and flushing_ set by the caller.
void Pipeline::flush() {
    auto batch = std::make_shared<std::vector<Record>>();
    batch->swap(pending_);
    const Micros now = clock_.now();
    for (auto& late : unmatched_) {
        if (now - late.first_seen < kUnmatchedKeep)
            batch->push_back(std::move(late));
        else
            log::warn(
                "receipt matches no message part",
                {{"gateway", late.receipt.gateway_id}, {"provider_id", late.receipt.provider_id}});
    }
    unmatched_.clear();
    post_records(batch, [this](bool) {
        std::lock_guard lock(record_mutex_);
        if (pending_.empty()) {
            flushing_ = false;
            return;
        }
        flush();
    });
}

void Pipeline::post_records(std::shared_ptr<std::vector<Record>> batch,
                            std::function<void(bool)> then) {
    auto unmatched = std::make_shared<std::vector<Late>>();
    committer_.post(
        [this, batch, unmatched](db::Connection& c) -> Status {
            unmatched->clear();
            const Micros at = clock_.now();
            for (auto& r : *batch) {
                const auto* fresh = std::get_if<channels::ReceiptReport>(&r);
                const auto* late = std::get_if<Late>(&r);
                if (fresh || late) {
                    const auto& receipt = fresh ? *fresh : late->receipt;
                    bool matched = true;
                    UJ_TRY(apply_receipt(c, receipt, at, &matched));
                    if (!matched) unmatched->push_back({receipt, late ? late->first_seen : at});
                    continue;
                }
                UJ_TRY(apply(c, r, at));
            }
            return {};
        },
        [this, batch, unmatched, then = std::move(then)](Status status) {
            if (!status && batch->size() > 1) {
                // One bad record must not sink the others: record them one by one.
                log::warn("recording a batch of outcomes failed; recording one by one",
                          {{"error", status.error().message}});
                auto remaining = std::make_shared<std::size_t>(batch->size());
                for (auto& r : *batch) {
                    auto one = std::make_shared<std::vector<Record>>();
                    one->push_back(std::move(r));
                    post_records(one, [remaining, then](bool) {
                        if (--*remaining == 0) then(true);
                    });
                }
                return;
            }
            if (!status)
                log::error(
                    "recording a message outcome failed; its lease will run out and "
                    "it will be sent again",
                    {{"error", status.error().message}});
            for (const auto& r : *batch) {
                if (const auto* s = std::get_if<Sent>(&r)) {
                    finish(s->message.id);
                    release(s->gateway_id, s->slots);
                }
                if (const auto* s = std::get_if<Retry>(&r)) finish(s->message.id);
                if (const auto* s = std::get_if<Failed>(&r)) finish(s->message.id);
            }
            {
                std::lock_guard lock(record_mutex_);
                for (auto& u : *unmatched) unmatched_.push_back(std::move(u));
            }
            then(static_cast<bool>(status));
        });
}

void Pipeline::finish(const std::string& message_id) {
    std::lock_guard lock(mutex_);
    in_flight_.erase(message_id);
}

Status Pipeline::apply(db::Connection& c, Record& r, Micros now) {
    if (auto* s = std::get_if<Sent>(&r)) return apply_sent(c, *s, now);
    if (auto* in = std::get_if<channels::InboundReport>(&r)) return apply_inbound(c, *in, now);
    if (auto* f = std::get_if<Failed>(&r)) {
        UJ_TRY(store::change_status(c, f->message.id,
                                    {.status = status::kFailed,
                                     .error_code = f->error_code,
                                     .error_message = f->error_message,
                                     .done_at = now},
                                    now));
        UJ_TRY(store::dequeue(c, f->message.id));
        return store::insert_events(
            c, {{f->message.account_id.value, f->message.id, "message.failed", status::kFailed,
                 event_detail({{"error_code", f->error_code}}), now}});
    }
    auto& retry = std::get<Retry>(r);
    const int attempts = retry.message.attempts + 1;
    if (attempts >= options_.max_attempts) {
        Record failed = Failed{retry.message, retry.error_code, retry.error_message};
        return apply(c, failed, now);
    }
    Micros delay = options_.retry_min << std::min(attempts - 1, 20);
    delay = std::min(delay, options_.retry_max);
    UJ_TRY(store::change_status(c, retry.message.id,
                                {.status = status::kQueued,
                                 .error_code = retry.error_code,
                                 .error_message = retry.error_message,
                                 .count_attempt = true},
                                now));
    UJ_TRY(store::requeue(c, retry.message.id, now + delay));
    return store::insert_events(
        c, {{retry.message.account_id.value, retry.message.id, "message.queued", status::kQueued,
             event_detail({{"retry", attempts},
                           {"error_code", retry.error_code},
                           {"next_attempt_at", format_iso8601(now + delay)}}),
             now}});
}

Status Pipeline::apply_sent(db::Connection& c, Sent& s, Micros now) {
    std::vector<MessagePart> parts;
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
        parts.push_back(std::move(part));
    }
    UJ_TRY(store::insert_parts(c, s.message.id, parts));
    store::StatusChange change{.gateway_id = s.gateway_id, .count_attempt = true};
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
    UJ_TRY(store::change_status(c, s.message.id, change, now));
    UJ_TRY(store::dequeue(c, s.message.id));
    json detail = {{"gateway_id", s.gateway_id}, {"parts", parts.size()}};
    if (change.error_code) detail["error_code"] = *change.error_code;
    return store::insert_events(
        c, {{s.message.account_id.value, s.message.id, "message." + change.status, change.status,
             event_detail(detail), now}});
}

Status Pipeline::apply_receipt(db::Connection& c, const channels::ReceiptReport& r, Micros now,
                               bool* matched) {
    UJ_ASSIGN(auto part, store::find_part(c, r.gateway_id, r.provider_key));
    if (!part) {
        *matched = false;
        return {};
    }
    Receipt receipt{.id = new_uuid_v7(now),
                    .part = part->part,
                    .gateway_id = r.gateway_id,
                    .provider_id = r.provider_id,
                    .stat = r.stat,
                    .error_code = r.error_code,
                    .submit_date = r.submit_date,
                    .done_date = r.done_date,
                    .received_at = now};
    UJ_TRY(store::insert_receipt(c, part->message_id, receipt));
    auto part_status = parse_delivery_status(r.status);
    if (!part_status || !is_final(*part_status)) return {};
    UJ_ASSIGN(auto parts, store::parts_of(c, part->message_id));
    std::vector<PartState> states;
    for (auto& p : parts) {
        if (p.part == part->part) {
            auto current = parse_delivery_status(p.status);
            if (current && is_final(*current)) return {};  // a repeated receipt
            p.status = r.status;
            p.done_at = now;
            UJ_TRY(store::update_part(c, part->message_id, p.part, r.status, r.error_code, now));
        }
        auto s = parse_delivery_status(p.status).value_or(DeliveryStatus::kSubmitted);
        states.push_back({p.part, s, p.done_at});
    }
    if (is_final_status(part->message_status)) return {};
    const DeliveryStatus derived = message_status(states);
    if (!is_final(derived)) return {};
    const std::string name = delivery_status_name(derived);
    store::StatusChange change{.status = name, .done_at = now};
    if (derived != DeliveryStatus::kDelivered && r.error_code) change.error_code = r.error_code;
    UJ_TRY(store::change_status(c, part->message_id, change, now));
    json detail = {{"stat", r.stat}, {"parts", parts.size()}};
    if (r.error_code) detail["error_code"] = *r.error_code;
    return store::insert_events(c, {{part->account_id, part->message_id, "message." + name, name,
                                     event_detail(detail), now}});
}

Status Pipeline::apply_inbound(db::Connection& c, const channels::InboundReport& in, Micros now) {
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
    const std::string to_digits = in.to.starts_with('+') ? in.to.substr(1) : in.to;
    UJ_ASSIGN(auto owner, store::owner_of_number(c, to_digits));
    Message m;
    m.id = new_uuid_v7(now);
    m.account_id = AccountId{owner ? *owner : platform_account_};
    m.direction = "inbound";
    m.to = in.to;
    m.sender = all_digits(in.from) && in.from.size() > 8 ? "+" + in.from : in.from;
    m.body = text;
    auto counted = count_segments(text);
    m.encoding = counted ? encoding_name(counted->encoding) : "ucs2";
    m.segments = segments;
    m.status = status::kReceived;
    m.gateway_id = in.gateway_id;
    m.created_at = m.updated_at = now;
    m.done_at = now;
    UJ_TRY(store::insert_messages(c, {&m}));
    return store::insert_events(
        c, {{m.account_id.value, m.id, "message.received", status::kReceived,
             event_detail({{"gateway_id", in.gateway_id}, {"from", m.sender}}), now}});
}

void Pipeline::on_receipt(const channels::ReceiptReport& receipt) {
    record(receipt);
}

void Pipeline::on_inbound(const channels::InboundReport& inbound) {
    record(inbound);
}

}  // namespace ujumbe::messaging
