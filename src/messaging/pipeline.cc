#include "messaging/pipeline.h"

#include <algorithm>

#include "core/log.h"
#include "core/thread_name.h"
#include "formats/phone.h"
#include "messaging/store.h"

namespace ujumbe::messaging {

namespace {

// A batch of outcomes the database could not take is tried again after
// this back-off, doubling up to the most, so the pipeline resumes within
// about a second of the database's return.
constexpr Micros kRetryFirst = 100'000, kRetryMost = kMicrosPerSecond;
// Receipts kept because they came before their part are matched at least
// this often (another node may have recorded the part).
constexpr Micros kMatchEarlyEvery = 5 * kMicrosPerSecond;

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
          options_.retries, [this] { return platform_account_; }, hooks),
      submits_(metrics::Registry::global().counter(
          "ujumbe_gateway_submits_total",
          "Messages handed to a gateway, by its answer: accepted, retry (a temporary "
          "refusal), refused.",
          {"gateway", "result"})),
      submit_errors_(metrics::Registry::global().counter(
          "ujumbe_gateway_submit_errors_total",
          "Parts a gateway did not take, by its error code (SMPP_0x00000058, NOT_BOUND, "
          "NO_RESPONSE, ...).",
          {"gateway", "code"})),
      submit_seconds_(metrics::Registry::global().histogram(
          "ujumbe_gateway_submit_duration_seconds",
          "From handing a message to a gateway to the gateway's answer.", {"gateway"})) {}

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
    thread_ = std::thread([this] {
        name_this_thread("dispatch");
        loop();
    });
}

void Pipeline::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    // A look for stranded messages may still run on a database thread.
    while (guarding_->load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void Pipeline::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = claim_wanted_ = true;
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

void Pipeline::unreserve(std::size_t n, std::vector<MessageId> in_doubt) {
    {
        std::lock_guard lock(mutex_);
        reserved_ -= std::min(reserved_, n);
    }
    // Recorded in order with the outcomes, so once the database answers.
    if (!in_doubt.empty()) record(ReleaseLeases{options_.node_id, std::move(in_doubt)});
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
        bool claim = false;
        {
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, std::chrono::microseconds(options_.idle_poll),
                           [&] { return stopping_ || woken_; });
            if (stopping_) return;
            woken_ = false;
            adopted.swap(adopted_);
            const std::size_t busy = in_flight_.size() + reserved_;
            room = options_.max_in_flight > busy ? options_.max_in_flight - busy : 0;
            // Adopted messages need no claim: a claim round runs when one was
            // asked for or the idle poll is up, and waits for room.
            claim = room > 0 && (claim_wanted_ || clock_.now() - last_claim_ >= options_.idle_poll);
            if (claim) claim_wanted_ = false;
        }
        // Sends handed over grow the tables as much as claimed ones.
        if (!adopted.empty()) refresh_statistics(adopted.size(), clock_.now());
        prefetch_operators(adopted);
        for (auto& m : adopted) dispatch(std::move(m));
        tend_records(clock_.now());
        guard_stranded(clock_.now());
        if (!claim) continue;
        const int limit = static_cast<int>(std::min<std::size_t>(options_.claim_batch, room));
        std::vector<Message> claimed;
        const Micros now = clock_.now();
        last_claim_ = now;
        auto st = committer_.run([&](db::Connection& c) -> Status {
            UJ_ASSIGN(claimed, store::claim(c, options_.node_id, now, now + options_.lease, limit));
            return {};
        });
        {
            // Said once when claims start failing and once when they work again.
            std::lock_guard lock(mutex_);
            if (!st && !claim_failing_since_) {
                claim_failing_since_ = now;
                log::warn("claiming due messages failed; trying again",
                          {{"error", st.error().message}});
            } else if (st && claim_failing_since_) {
                log::info("claiming due messages works again",
                          {{"after_ms", (now - claim_failing_since_) / 1000}});
                claim_failing_since_ = 0;
            }
        }
        if (!st) continue;
        refresh_statistics(claimed.size(), now);
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

void Pipeline::refresh_statistics(std::size_t dispatched, Micros now) {
    if (!statistics_.due(dispatched, now)) return;
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
    for (const auto& m : batch)
        if (m.channel == "sms") numbers.push_back(m.to);
    routing_.prefetch_operators(numbers);
}

void Pipeline::dispatch(Message message) {
    routing::RouteQuery q{.channel = message.channel,
                          .to = message.to,
                          .country = formats::describe_phone(message.to, "").country,
                          .account_id = message.account_id,
                          .sender = message.sender,
                          .key = message.id.value};
    if (message.channel == "sms" && routing_.rules_use_operators()) {
        auto op = routing_.operator_of(message.to);
        q.operator_name = std::move(op.name);
        q.mcc = std::move(op.mcc);
        q.mnc = std::move(op.mnc);
    }
    auto choice = routing_.choose(q);
    if (!choice && message.channel != "sms") {
        // An account's own channel (WhatsApp) that this node has not loaded
        // yet (connected moments ago, or on another node): it will be.
        record(RetryRecord{message, "NO_GATEWAY_AVAILABLE",
                           "the account's " + message.channel + " channel is not live here yet"});
        return;
    }
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
    channels::OutboundSms out{
        m.id, m.to, m.sender, m.body, next_reference(m.to), m.content.value_or("")};
    const auto submitted = std::chrono::steady_clock::now();
    gateway->submit(std::move(out), [this, attempt = std::move(attempt), gateway, slots,
                                     submitted](channels::SubmitOutcome outcome) mutable {
        const bool left = std::any_of(outcome.parts.begin(), outcome.parts.end(),
                                      [](const auto& p) { return p.left || p.accepted; });
        const bool retryable = std::any_of(outcome.parts.begin(), outcome.parts.end(),
                                           [](const auto& p) { return p.retryable; });
        const std::string label = routing_.gateway_label(gateway->id());
        submits_.add({label, left ? "accepted" : retryable ? "retry" : "refused"});
        for (const auto& p : outcome.parts)
            if (!p.accepted && !p.error_code.empty())
                submit_errors_.add({label, metrics::code_label(p.error_code)});
        submit_seconds_.observe(
            {label},
            std::chrono::duration<double>(std::chrono::steady_clock::now() - submitted).count());
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

void Pipeline::record(Record r, channels::ReportDone done) {
    std::unique_lock lock(record_mutex_);
    if (done && stalled_since_) {
        // The database is away: the sender delivers it again later.
        lock.unlock();
        done(channels::ReportFate::kRetryLater);
        return;
    }
    pending_.records.push_back(std::move(r));
    pending_.dones.push_back(std::move(done));
    if (flushing_) return;
    flushing_ = true;
    flush();
}

// REQUIRES: record_mutex_ held and flushing_ set by the caller.
void Pipeline::flush() {
    auto batch = std::make_shared<Batch>(std::move(pending_));
    pending_ = {};
    post_records(batch, [this] {
        std::lock_guard lock(record_mutex_);
        if (pending_.records.empty()) {
            flushing_ = false;
            return;
        }
        flush();
    });
}

void Pipeline::post_records(std::shared_ptr<Batch> batch, std::function<void()> then) {
    auto kept_early = std::make_shared<std::size_t>(0);
    committer_.post(
        [this, batch, kept_early](db::Connection& c) -> Status {
            *kept_early = 0;
            return recorder_.write(c, batch->records, clock_.now(), kept_early.get());
        },
        [this, batch, kept_early, then = std::move(then)](Status status) mutable {
            if (!status && is_database_fault(status.error())) {
                stall(std::move(batch), std::move(then));
                return;
            }
            if (!status && batch->records.size() > 1) {
                // One bad record must not sink the others: record them one by one.
                log::warn("recording a batch of outcomes failed; recording one by one",
                          {{"error", status.error().message}});
                auto remaining = std::make_shared<std::size_t>(batch->records.size());
                for (std::size_t i = 0; i < batch->records.size(); ++i) {
                    auto one = std::make_shared<Batch>();
                    one->records.push_back(std::move(batch->records[i]));
                    one->dones.push_back(std::move(batch->dones[i]));
                    post_records(one, [remaining, then] {
                        if (--*remaining == 0) then();
                    });
                }
                return;
            }
            if (!status)
                log::error(
                    "recording a message outcome failed; its lease will run out and "
                    "it will be sent again",
                    {{"error", status.error().message}});
            const auto fate =
                status ? channels::ReportFate::kStored : channels::ReportFate::kRefused;
            for (auto& done : batch->dones)
                if (done) done(fate);
            for (const auto& r : batch->records) {
                if (std::holds_alternative<ReleaseLeases>(r)) wake();  // claimable now
                if (const auto* s = std::get_if<SentRecord>(&r)) {
                    finish(s->message.id);
                    release(s->gateway_id, s->slots);
                }
                if (const auto* s = std::get_if<RetryRecord>(&r)) finish(s->message.id);
                if (const auto* s = std::get_if<FailedRecord>(&r)) finish(s->message.id);
            }
            {
                std::lock_guard lock(record_mutex_);
                if (status && stalled_since_) {
                    log::info("recording outcomes works again",
                              {{"after_ms", (clock_.now() - stalled_since_) / 1000}});
                    stalled_since_ = 0;
                }
                if (*kept_early) early_kept_ = true;
            }
            if (*kept_early) wake();
            then();
        });
}

namespace {
// Takes the receipts and inbound messages out of `batch`; their dones.
std::vector<channels::ReportDone> take_reports(std::vector<Record>& records,
                                               std::vector<channels::ReportDone>& dones) {
    std::vector<channels::ReportDone> taken;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (dones[i]) {
            taken.push_back(std::move(dones[i]));
            continue;
        }
        if (kept != i) records[kept] = std::move(records[i]);
        ++kept;
    }
    records.erase(records.begin() + static_cast<std::ptrdiff_t>(kept), records.end());
    dones.resize(kept);
    return taken;
}
}  // namespace

void Pipeline::stall(std::shared_ptr<Batch> batch, std::function<void()> then) {
    // Receipts and inbound messages go back to their senders, who deliver
    // them again (also those waiting behind this batch); what only this
    // server knows (gateway answers) is kept and tried again.
    auto given_back = take_reports(batch->records, batch->dones);
    // Nothing else to write: a probe tells when the database takes writes
    // again (an empty transaction would pass even on a full disk).
    if (batch->records.empty()) {
        batch->records.push_back(ProbeWrite{options_.node_id});
        batch->dones.emplace_back();
    }
    const Micros now = clock_.now();
    std::unique_lock lock(record_mutex_);
    for (auto& done : take_reports(pending_.records, pending_.dones))
        given_back.push_back(std::move(done));
    if (!stalled_since_) {
        stalled_since_ = now;
        backoff_ = kRetryFirst;
        log::warn("recording outcomes waits for the database; retrying",
                  {{"outcomes", batch->records.size()}});
    } else {
        backoff_ = std::min(backoff_ * 2, kRetryMost);
    }
    retry_at_ = now + backoff_;
    stalled_.push_back({std::move(batch), std::move(then)});
    lock.unlock();
    for (auto& done : given_back) done(channels::ReportFate::kRetryLater);
}

void Pipeline::tend_records(Micros now) {
    std::deque<Stalled> retry;
    bool match = false;
    {
        std::lock_guard lock(record_mutex_);
        if (!stalled_.empty() && now >= retry_at_) retry.swap(stalled_);
        if (!stalled_since_ && (early_kept_ || now - early_matched_at_ >= kMatchEarlyEvery)) {
            match = true;
            early_kept_ = false;
            early_matched_at_ = now;
        }
    }
    for (auto& r : retry) post_records(std::move(r.batch), std::move(r.then));
    if (match) record(MatchEarlyReceipts{});
}

void Pipeline::guard_stranded(Micros now) {
    if (guarded_at_ && now - guarded_at_ < options_.guard_every) return;
    if (guarding_->exchange(true)) return;  // the last look is still running
    guarded_at_ = now;
    // Read on a database thread: the scan must not hold up dispatching.
    db_.post([this, now, guarding = guarding_](db::Connection& c) {
        auto overdue = store::overdue_sent(c, now, options_.receipt_timeout, 1000);
        if (!overdue)
            log::warn("looking for messages without receipts failed",
                      {{"error", overdue.error().message}});
        else if (!overdue->empty())
            record(ReceiptTimeouts{std::move(*overdue)});
        guarding->store(false);
    });
}

Pipeline::Health Pipeline::health() const {
    Health h;
    {
        std::lock_guard lock(record_mutex_);
        h.recording_stalled_since = stalled_since_;
        h.outcomes_waiting = pending_.records.size();
        for (const auto& s : stalled_) h.outcomes_waiting += s.batch->records.size();
    }
    std::lock_guard lock(mutex_);
    h.claiming_stalled_since = claim_failing_since_;
    h.in_flight = in_flight_.size();
    return h;
}

void Pipeline::finish(const MessageId& message_id) {
    {
        std::lock_guard lock(mutex_);
        in_flight_.erase(message_id);
        // A claim waiting for room may run now.
        if (!claim_wanted_) return;
        woken_ = true;
    }
    wake_.notify_one();
}

void Pipeline::on_receipt(const channels::ReceiptReport& receipt, channels::ReportDone done) {
    record(
        receipt, done ? std::move(done) : [](channels::ReportFate) {});
}

Status Pipeline::write_inbound(db::Connection& c, const channels::InboundReport& inbound) {
    return recorder_.write_inbound(c, inbound, clock_.now());
}

Status Pipeline::write_receipt(db::Connection& c, const channels::ReceiptReport& receipt) {
    std::size_t kept_early = 0;
    UJ_TRY(recorder_.write(c, {receipt}, clock_.now(), &kept_early));
    if (kept_early) {
        // Its message's outcome is not recorded yet: match it soon.
        std::lock_guard lock(record_mutex_);
        early_kept_ = true;
    }
    return {};
}

void Pipeline::on_inbound(const channels::InboundReport& inbound, channels::ReportDone done) {
    record(
        inbound, done ? std::move(done) : [](channels::ReportFate) {});
}

}  // namespace ujumbe::messaging
