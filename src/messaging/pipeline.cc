#include "messaging/pipeline.h"

#include <algorithm>

#include "core/log.h"
#include "formats/phone.h"
#include "messaging/store.h"

namespace ujumbe::messaging {

namespace {

// Receipts whose part is not recorded yet are retried this long.
constexpr Micros kUnmatchedKeep = 60 * kMicrosPerSecond;

}  // namespace

Pipeline::Pipeline(db::Database& db, Clock& clock, Committer& committer,
                   routing::RoutingService& routing, identity::IdentityService& identity,
                   PipelineOptions options, OutcomeHooks* hooks)
    : db_(db),
      clock_(clock),
      committer_(committer),
      routing_(routing),
      identity_(identity),
      options_(std::move(options)),
      recorder_(
          options_.retries, [this] { return platform_account_; }, hooks) {}

Pipeline::~Pipeline() {
    stop();
}

void Pipeline::start() {
    if (auto platform = identity_.platform_account()) platform_account_ = platform->id;
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

std::optional<Dispatch::Lease> Pipeline::reserve(std::size_t n) {
    std::lock_guard lock(mutex_);
    if (stopping_ || in_flight_.size() + reserved_ + n > options_.max_in_flight)
        return std::nullopt;
    reserved_ += n;
    return Lease{options_.node_id, clock_.now() + options_.lease};
}

void Pipeline::unreserve(std::size_t n) {
    std::lock_guard lock(mutex_);
    reserved_ -= std::min(reserved_, n);
}

void Pipeline::adopt(std::vector<Message> messages) {
    {
        std::lock_guard lock(mutex_);
        reserved_ -= std::min(reserved_, messages.size());
        for (auto& m : messages)
            if (in_flight_.insert(m.id).second) adopted_.push_back(std::move(m));
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
        std::vector<Message> adopted;
        {
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, std::chrono::microseconds(options_.idle_poll),
                           [&] { return stopping_ || woken_; });
            if (stopping_) return;
            woken_ = false;
            adopted.swap(adopted_);
            const std::size_t busy = in_flight_.size() + reserved_;
            room = options_.max_in_flight > busy ? options_.max_in_flight - busy : 0;
        }
        prefetch_operators(adopted);
        for (auto& m : adopted) dispatch(std::move(m));
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
        claimed_total_ += claimed.size();
        refresh_statistics(now);
        prefetch_operators(claimed);
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

void Pipeline::refresh_statistics(Micros now) {
    // As the tables grow from empty, and then every ten minutes of traffic.
    constexpr Micros kEvery = 600 * kMicrosPerSecond;
    const bool grown = claimed_total_ >= next_statistics_;
    const bool stale = claimed_total_ > 0 && statistics_at_ && now - statistics_at_ > kEvery;
    if (!grown && !stale) return;
    if (grown) next_statistics_ *= 4;
    statistics_at_ = now;
    committer_.post(
        [](db::Connection& c) { return store::refresh_statistics(c); },
        [](Status s) {
            if (!s) log::warn("refreshing statistics failed", {{"error", s.error().message}});
        });
}

std::uint16_t Pipeline::next_reference(const std::string& to) {
    std::lock_guard lock(reference_mutex_);
    if (references_.size() > 100'000) references_.clear();
    return ++references_[to];
}

// With rules that match on the operator and a number lookup, the batch's
// numbers are looked up together before its messages are routed one by one.
void Pipeline::prefetch_operators(const std::vector<Message>& batch) {
    if (batch.empty() || !routing_.rules_use_operators()) return;
    std::vector<std::string> numbers;
    numbers.reserve(batch.size());
    for (const auto& m : batch) numbers.push_back(m.to);
    routing_.prefetch_operators(numbers);
}

void Pipeline::dispatch(Message message) {
    routing::RouteQuery q{.channel = message.channel,
                          .to = message.to,
                          .country = formats::describe_phone(message.to, "").country,
                          .account_id = message.account_id,
                          .sender = message.sender,
                          .key = message.id.value};
    if (routing_.rules_use_operators()) {
        auto op = routing_.operator_of(message.to);
        q.operator_name = std::move(op.name);
        q.mcc = std::move(op.mcc);
        q.mnc = std::move(op.mnc);
    }
    auto choice = routing_.choose(q);
    if (!choice) {
        record(
            FailedRecord{std::move(message), "NO_ROUTE", "No routing rule matches this message."});
        return;
    }
    try_gateway(
        {std::make_shared<Message>(std::move(message)), choice->gateways, 0, "", clock_.now()});
}

void Pipeline::try_gateway(Attempt attempt) {
    std::shared_ptr<channels::Gateway> gateway;
    for (; attempt.index < attempt.gateways.size(); ++attempt.index) {
        gateway = routing_.gateway(attempt.gateways[attempt.index]);
        if (gateway && gateway->available()) break;
        attempt.last_error =
            "gateway " + attempt.gateways[attempt.index].value + " is not available";
        gateway.reset();
    }
    if (!gateway) {
        record(RetryRecord{*attempt.message, "NO_GATEWAY_AVAILABLE", attempt.last_error});
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
        record(SentRecord{*attempt.message, gateway->id(), std::move(outcome), attempt.handed_at,
                          slots});
    });
}

void Pipeline::release(const GatewayId& gateway_id, std::size_t slots) {
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
    auto unmatched = std::make_shared<std::vector<LateReceipt>>();
    committer_.post(
        [this, batch, unmatched](db::Connection& c) -> Status {
            unmatched->clear();
            return recorder_.write(c, *batch, clock_.now(), unmatched.get());
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
                if (const auto* s = std::get_if<SentRecord>(&r)) {
                    finish(s->message.id);
                    release(s->gateway_id, s->slots);
                }
                if (const auto* s = std::get_if<RetryRecord>(&r)) finish(s->message.id);
                if (const auto* s = std::get_if<FailedRecord>(&r)) finish(s->message.id);
            }
            {
                std::lock_guard lock(record_mutex_);
                for (auto& u : *unmatched) unmatched_.push_back(std::move(u));
            }
            then(static_cast<bool>(status));
        });
}

void Pipeline::finish(const MessageId& message_id) {
    std::lock_guard lock(mutex_);
    in_flight_.erase(message_id);
}

void Pipeline::on_receipt(const channels::ReceiptReport& receipt) {
    record(receipt);
}

void Pipeline::on_inbound(const channels::InboundReport& inbound) {
    record(inbound);
}

}  // namespace ujumbe::messaging
