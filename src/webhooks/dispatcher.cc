#include <utility>  // before Asio (g++ 12)

#include "webhooks/dispatcher.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "core/address_blocks.h"
#include "core/crypto.h"
#include "core/dates.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/thread_name.h"
#include "db/event_outbox.h"
#include "messaging/service.h"
#include "messaging/views.h"
#include "webhooks/payload.h"
#include "webhooks/schedule.h"
#include "webhooks/signing.h"

namespace ujumbe::webhooks {

namespace {

constexpr Micros kSweepEvery = 60 * kMicrosPerSecond;
constexpr auto kGather = std::chrono::milliseconds(2);
constexpr std::string_view kMessageEvent = "message.";
// A target's deliveries claimed ahead of its free slots, as a multiple of
// its concurrency: enough that a fast endpoint's slots never wait for the
// next round's claim.
constexpr int kQueueFactor = 8;
// Answers waiting to be recorded that call a round of their own (fewer wait
// for the next round).
constexpr std::size_t kSettleBatch = 64;

std::chrono::milliseconds millis(Micros m) {
    return std::chrono::milliseconds(m / 1000);
}

channels::HttpClientOptions client_options(const DispatcherOptions& o) {
    channels::HttpClientOptions c;
    c.timeout = millis(o.timeout);
    c.connect_timeout = millis(o.connect_timeout);
    c.max_idle = static_cast<std::size_t>(o.concurrency);
    if (!o.allow_private)
        c.refuse_address = [](const std::string& address) { return non_public_reason(address); };
    return c;
}

// "callback https://host:443": callback URLs share a bound per origin.
std::optional<std::string> callback_target(const std::string& url) {
    const auto parsed = channels::parse_url(url);
    if (!parsed) return std::nullopt;
    return std::string("callback ") + (parsed->tls ? "https://" : "http://") + parsed->host + ":" +
           parsed->port;
}

// The secrets that sign now: the current one, and the previous one during
// its overlap.
std::vector<std::string> open_secrets(const std::string& server_secret,
                                      const std::optional<store::SealedSecrets>& sealed,
                                      Micros now) {
    std::vector<std::string> out;
    if (!sealed) return out;
    if (auto s = open_secret(server_secret, sealed->secret)) out.push_back(std::move(*s));
    if (sealed->previous && sealed->previous_until && *sealed->previous_until > now)
        if (auto s = open_secret(server_secret, *sealed->previous)) out.push_back(std::move(*s));
    return out;
}

}  // namespace

Dispatcher::Dispatcher(db::Database& db, Clock& clock, std::string secret,
                       DispatcherOptions options)
    : db_(db),
      clock_(clock),
      secret_(std::move(secret)),
      options_(std::move(options)),
      client_(channels::HttpClient::create(io_, client_options(options_))) {}

Dispatcher::~Dispatcher() {
    stop();
}

struct Dispatcher::Room {
    int total = 0;
    int per_target = 0;
    std::map<std::string, int> used;  // in flight and waiting, by target
    bool refused = false;             // a delivery found no place

    // Takes a place for one more of `target`'s deliveries, if there is one.
    bool take(const std::string& target) {
        int& n = used[target];
        if (total <= 0 || n >= per_target) {
            refused = true;
            return false;
        }
        --total;
        ++n;
        return true;
    }
    std::vector<std::string> full() const {
        std::vector<std::string> out;
        for (const auto& [target, n] : used)
            if (n >= per_target) out.push_back(target);
        return out;
    }
};

int Dispatcher::queue_depth() const {
    return options_.endpoint_concurrency * kQueueFactor;
}

// Long enough for every delivery queued ahead of one (each waits at most
// one timeout per round of free slots) and its own exchange.
Micros Dispatcher::lease() const {
    return (kQueueFactor + 2) * options_.timeout + 30 * kMicrosPerSecond;
}

void Dispatcher::start() {
    // What this node leased before a restart is free again at once.
    auto released =
        db_.write([&](db::Connection& c) { return store::release_leases_of(c, options_.node_id); });
    if (!released)
        log::warn("webhooks: leases not released", {{"error", released.error().message}});
    io_thread_ = std::thread([this] {
        name_this_thread("webhooks-io");
        auto guard = boost::asio::make_work_guard(io_);
        io_.run();
    });
    // Answers gather for a moment: one transaction records many.
    loop_.start("webhooks", options_.poll, kGather, [this] { round(clock_.now()); });
    // New events are fanned out as soon as they are committed.
    listener_ = db_.on_events_committed([this] {
        announced_ = true;
        loop_.wake();
    });
}

void Dispatcher::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    if (listener_) db_.forget_listener(*listener_);
    loop_.stop();
    client_->close();
    io_.stop();
    if (io_thread_.joinable()) io_thread_.join();
}

void Dispatcher::wake() {
    loop_.wake();
}

void Dispatcher::round(Micros now) {
    std::vector<store::Attempt> attempts;
    Room room;
    room.per_target = queue_depth();
    bool short_of_room = false;
    {
        std::lock_guard lock(mutex_);
        attempts.swap(finished_);
        for (const auto& [target, state] : targets_)
            room.used[target] = state.in_flight + static_cast<int>(state.waiting.size());
        room.total = std::max(0, options_.concurrency * kQueueFactor - busy_);
        short_of_room = short_of_room_;
    }
    if (now - last_sweep_ >= kSweepEvery) {
        last_sweep_ = now;
        auto dropped = db_.write(
            [&](db::Connection& c) { return store::drop_finished_before(c, now - options_.keep); });
        if (!dropped)
            log::warn("webhooks: old deliveries not dropped", {{"error", dropped.error().message}});
    }
    // A round that committed events called needs no look at the outbox;
    // due deliveries (retries, leases run out) are looked for at most every
    // poll, or when answers free room that deliveries in the table wait for.
    bool outbox = announced_.exchange(false), due = false;
    const bool look = !outbox || now - last_look_ >= options_.poll || short_of_room;
    if (look) {
        last_look_ = now;
        // Reads (which never wait for the writer) find whether there is
        // work before a write transaction looks for it.
        auto work = db_.read([&](db::Connection& c) -> Result<std::pair<bool, bool>> {
            UJ_ASSIGN(bool rows, store::outbox_has_rows(c));
            bool any_due = false;
            if (room.total > 0) {
                UJ_ASSIGN(any_due, store::has_due(c, now));
            }
            return std::pair{rows, any_due};
        });
        // Without an answer from the reads, the write looks for both itself.
        outbox = outbox || !work || work->first;
        due = !work || work->second;
    }
    if (attempts.empty() && !outbox && !due) return;
    std::vector<store::Claimed> claimed;
    bool more = false, filled = false;
    auto written = db_.write([&](db::Connection& c) -> Status {
        UJ_TRY(settle(c, attempts, now));
        claimed.clear();
        fanned_ = 0;
        if (outbox) {
            UJ_ASSIGN(more, fan_out(c, now, room, claimed));
        }
        // Deliveries this node leased (sending or queued here) are pending
        // too: the claim would walk them all to find nothing.
        if (due && room.total > 0) {
            UJ_ASSIGN(auto taken, store::claim_due(c, options_.node_id, now, now + lease(),
                                                   queue_depth(), room.total, room.full()));
            filled = static_cast<int>(taken.size()) >= room.total;
            for (auto& d : taken) claimed.push_back(std::move(d));
        }
        return {};
    });
    if (!written) {
        // Nothing changed: the answers count again next round.
        log::warn("webhooks: round not written", {{"error", written.error().message}});
        std::lock_guard lock(mutex_);
        finished_.insert(finished_.end(), attempts.begin(), attempts.end());
        return;
    }
    if (statistics_.due(fanned_, now))
        db_.post([](db::Connection& c) {
            if (auto s = store::refresh_statistics(c); !s)
                log::warn("webhooks: statistics not refreshed", {{"error", s.error().message}});
        });
    std::lock_guard lock(mutex_);
    // Deliveries left in the table wait for the room that answers free.
    short_of_room_ = more || filled || room.refused;
    for (auto& c : claimed) {
        ++busy_;
        targets_[c.target].waiting.push_back(std::move(c));
    }
    pump();
    std::erase_if(targets_, [](const auto& t) {
        return t.second.in_flight == 0 && t.second.waiting.empty();
    });
    if (more) loop_.wake();  // a backlog: the next round comes at once
}

void Dispatcher::pump() {
    // One delivery per target per pass, so targets share the free slots.
    bool started = true;
    while (started && !stopping_ && in_flight_ < options_.concurrency) {
        started = false;
        for (auto& [name, target] : targets_) {
            if (in_flight_ >= options_.concurrency) break;
            if (target.waiting.empty() || target.in_flight >= options_.endpoint_concurrency)
                continue;
            auto next = std::move(target.waiting.front());
            target.waiting.pop_front();
            start_send(std::move(next));
            started = true;
        }
    }
}

Status Dispatcher::settle(db::Connection& c, std::vector<store::Attempt>& attempts, Micros now) {
    if (attempts.empty()) return {};
    UJ_TRY(store::record_attempts(c, attempts, now));
    static auto& results = metrics::Registry::global().counter(
        "ujumbe_webhook_deliveries_total",
        "Webhook delivery attempts by result: delivered, retry (failed, tried again later), "
        "failed (failed for good).",
        {"result"});
    std::map<std::string, std::uint64_t> counted;
    for (const auto& a : attempts) ++counted[a.ok ? "delivered" : a.retry_at ? "retry" : "failed"];
    c.after_commit([counted] {
        for (const auto& [result, n] : counted) results.add({result}, n);
    });
    std::set<WebhookId> succeeded, failed;
    for (const auto& a : attempts)
        if (a.webhook_id) (a.ok ? succeeded : failed).insert(*a.webhook_id);
    for (const auto& id : succeeded) failed.erase(id);
    const std::vector<WebhookId> ok(succeeded.begin(), succeeded.end());
    const std::vector<WebhookId> bad(failed.begin(), failed.end());
    UJ_TRY(store::note_endpoint_results(c, ok, bad, now));
    if (bad.empty()) return {};
    UJ_ASSIGN(auto failing, store::failing_before(c, bad, now - options_.disable_after));
    for (const auto& e : failing) {
        const std::string reason =
            "Every delivery failed since " + format_iso8601(*e.failing_since) + ".";
        UJ_TRY(store::disable_endpoint(c, e.id, reason, now));
        const nlohmann::json data = {
            {"webhook", {{"id", e.id.value}, {"url", e.url}, {"disabled_reason", reason}}}};
        UJ_TRY(db::append_events(c, {{e.account_id.value, std::string(kWebhookDisabled),
                                      std::nullopt, data.dump(), now}}));
        log::warn("webhooks: endpoint disabled",
                  {{"webhook_id", e.id.value}, {"account_id", e.account_id.value}});
    }
    return {};
}

Result<bool> Dispatcher::fan_out(db::Connection& c, Micros now, Room& room,
                                 std::vector<store::Claimed>& handed) {
    UJ_ASSIGN(auto events, store::take_outbox(c, options_.fan_out_batch));
    if (events.empty()) return false;
    const bool full = static_cast<int>(events.size()) == options_.fan_out_batch;
    std::set<std::string> account_set;
    std::set<MessageId> message_set;
    for (const auto& e : events) {
        account_set.insert(e.account_id.value);
        if (e.message_id) message_set.insert(*e.message_id);
    }
    UJ_ASSIGN(auto endpoints,
              store::enabled_endpoints(c, {account_set.begin(), account_set.end()}));
    std::map<std::string, std::vector<const store::SigningEndpoint*>> by_account;
    for (const auto& e : endpoints) by_account[e.endpoint.account_id.value].push_back(&e);
    UJ_ASSIGN(auto messages, messaging::MessagingService::messages_for_events(
                                 c, {message_set.begin(), message_set.end()}));
    std::map<MessageId, const messaging::Message*> by_id;
    for (const auto& m : messages) by_id[m.id] = &m;

    std::vector<Delivery> rows;
    std::vector<std::string> targets;
    std::vector<const store::SealedSecrets*> signing;  // none: the callback secret
    std::set<AccountId> callback_accounts;
    for (const auto& event : events) {
        const messaging::Message* message = nullptr;
        if (event.message_id) {
            auto it = by_id.find(*event.message_id);
            // A message of another account never lends its data to this one.
            if (it == by_id.end() || it->second->account_id != event.account_id) continue;
            message = it->second;
        }
        // (endpoint or none for the callback, its URL, its secrets)
        struct Destination {
            std::optional<WebhookId> webhook;
            std::string url;
            const store::SealedSecrets* secrets = nullptr;
        };
        std::vector<Destination> destinations;
        for (const auto* e : by_account[event.account_id.value])
            if (subscribes(e->endpoint.events, event.type))
                destinations.push_back({e->endpoint.id, e->endpoint.url, &e->secrets});
        std::optional<std::string> callback;
        if (message && message->callback_url && event.type.starts_with(kMessageEvent)) {
            callback = callback_target(*message->callback_url);
            if (callback) destinations.push_back({std::nullopt, *message->callback_url, nullptr});
        }
        if (destinations.empty()) continue;
        nlohmann::json data;
        if (message) {
            auto view = messaging::message_json(*message);
            view["status"] = event.type.substr(kMessageEvent.size());
            data = {{"message", std::move(view)}};
        } else {
            data = nlohmann::json::parse(event.data.value_or("{}"), nullptr, false);
            if (data.is_discarded()) data = nlohmann::json::object();
        }
        const std::string body =
            event_body(event.id, event.type, event.created_at, event.account_id, data);
        for (auto& [webhook, url, secrets] : destinations) {
            Delivery d;
            d.id = DeliveryId{new_uuid_v7(now)};
            d.account_id = event.account_id;
            d.webhook_id = webhook;
            d.url = url;
            d.event_id = event.id;
            d.event_type = event.type;
            d.message_id = event.message_id;
            d.body = body;
            d.next_attempt_at = now;
            d.created_at = d.updated_at = now;
            targets.push_back(webhook ? webhook->value : *callback);
            signing.push_back(secrets);
            if (!webhook) callback_accounts.insert(event.account_id);
            rows.push_back(std::move(d));
        }
    }
    // Callbacks are signed from the first: an account that never asked for
    // its callback secret gets one (POST /webhooks/callback-secret shows a
    // new one).
    std::map<AccountId, store::SealedSecrets> callback_secrets;
    for (const auto& account : callback_accounts) {
        UJ_ASSIGN(auto existing, store::callback_secrets(c, account));
        if (!existing) {
            existing = store::SealedSecrets{seal_secret(secret_, new_secret()), std::nullopt,
                                            std::nullopt};
            UJ_TRY(store::put_callback_secrets(c, account, *existing, now));
        }
        callback_secrets.emplace(account, std::move(*existing));
    }
    // What this node has room for is leased to it now and sent without
    // waiting for a claim; the rest waits in the table.
    std::vector<Micros> leases(rows.size(), 0);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (!room.take(targets[i])) continue;
        leases[i] = now + lease();
        const auto* secrets = signing[i];
        handed.push_back({rows[i], targets[i],
                          secrets ? std::optional(*secrets)
                                  : std::optional(callback_secrets.at(rows[i].account_id))});
    }
    UJ_TRY(store::insert_deliveries(c, rows, targets, options_.node_id, leases));
    fanned_ += rows.size();
    return full;
}

void Dispatcher::start_send(store::Claimed claimed) {
    ++targets_[claimed.target].in_flight;
    ++in_flight_;
    const Micros now = clock_.now();
    const auto secrets = open_secrets(secret_, claimed.secrets, now);
    const Delivery& d = claimed.delivery;
    channels::HttpRequest request;
    request.method = "POST";
    request.url = d.url;
    request.headers = {
        {"Content-Type", "application/json"},
        {"User-Agent", "Ujumbe-Webhooks/1"},
        {"X-Ujumbe-Event-Id", d.event_id},
        {"X-Ujumbe-Event-Type", d.event_type},
        {"X-Ujumbe-Delivery-Id", d.id.value},
        {"X-Ujumbe-Signature", signature_header(now / kMicrosPerSecond, d.body, secrets)}};
    request.body = d.body;
    if (secrets.empty()) {
        channels::HttpAnswer none;
        none.error = "no signing secret";
        // Answered on the I/O thread, as every other attempt.
        boost::asio::post(
            io_, [this, claimed = std::move(claimed), none, now] { finish(claimed, none, now); });
        return;
    }
    client_->send(std::move(request),
                  [this, claimed = std::move(claimed), now](channels::HttpAnswer answer) {
                      finish(claimed, answer, now);
                  });
}

void Dispatcher::finish(const store::Claimed& claimed, const channels::HttpAnswer& answer,
                        Micros started) {
    static thread_local std::mt19937 random{std::random_device{}()};
    const Micros now = clock_.now();
    store::Attempt a;
    a.id = claimed.delivery.id;
    a.webhook_id = claimed.delivery.webhook_id;
    a.ok = answer.answered && answer.status >= 200 && answer.status < 300;
    if (answer.answered) {
        a.response_status = answer.status;
        a.response_excerpt = response_excerpt(answer.body);
    }
    a.latency_ms = static_cast<int>(std::max<Micros>(0, now - started) / 1000);
    if (!a.ok) {
        a.error = answer.answered ? "answered " + std::to_string(answer.status) : answer.error;
        const double spread = std::uniform_real_distribution<double>(0.0, 1.0)(random);
        if (auto delay = retry_delay(claimed.delivery.attempts + 1, options_.retry_unit, spread))
            a.retry_at = now + *delay;
    }
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        finished_.push_back(std::move(a));
        --busy_;
        --in_flight_;
        --targets_[claimed.target].in_flight;
        pump();
        // Answers are recorded by the next round, which the next commit of
        // events or the poll brings: a round of their own only when many
        // wait or deliveries wait in the table for the room this one frees.
        wake = short_of_room_ || finished_.size() >= kSettleBatch;
    }
    if (wake) loop_.wake();
}

}  // namespace ujumbe::webhooks
