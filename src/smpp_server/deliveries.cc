#include "smpp_server/deliveries.h"

#include <algorithm>

#include "channels/smpp/smsc_messages.h"
#include "core/log.h"
#include "smpp_server/store.h"

namespace ujumbe::smpp_server {

namespace {

// The receipt's stat: for a final status.
const char* stat_of(const std::string& status) {
    if (status == "delivered" || status == "read") return "DELIVRD";
    if (status == "expired") return "EXPIRED";
    if (status == "rejected") return "REJECTD";
    return "UNDELIV";  // undelivered, failed
}

// err: as a number when the error code holds one ("000", "SMPP_0x0000000B").
int error_number(const std::optional<std::string>& code) {
    if (!code || code->empty()) return 0;
    const std::string& c = *code;
    const auto hex = c.find("0x");
    try {
        if (hex != std::string::npos)
            return static_cast<int>(std::stoul(c.substr(hex + 2), nullptr, 16) % 1000);
        if (c.find_first_not_of("0123456789") == std::string::npos && c.size() <= 9)
            return std::stoi(c) % 1000;
    } catch (const std::exception&) {
    }
    return 1;
}

// Longest wait before another try of a delivery that failed.
constexpr Micros kMaxBackoff = 60 * kMicrosPerSecond;
constexpr Micros kSweepEvery = 60 * kMicrosPerSecond;
constexpr auto kGather = std::chrono::milliseconds(5);

Micros backoff(int attempts) {
    return std::min<Micros>(kMicrosPerSecond << std::min(attempts, 6), kMaxBackoff);
}

}  // namespace

std::vector<smpp::ShortMessage> deliver_messages(const PendingDelivery& d) {
    if (d.kind == DeliveryKind::kInbound) {
        static std::uint8_t reference = 0;  // only distinguishes parts in flight together
        return smpp::mo_messages({d.from, d.to, d.text}, ++reference);
    }
    smpp::ShortMessage submit;
    smpp::set_address(d.to, submit.source_addr, submit.source_addr_ton, submit.source_addr_npi);
    smpp::set_address(d.from, submit.destination_addr, submit.dest_addr_ton, submit.dest_addr_npi);
    submit.data_coding = 0x01;
    submit.short_message = d.text;
    smpp::ReceiptFacts facts;
    facts.message_id = d.message_id.value;
    facts.delivered = d.status == "delivered" || d.status == "read";
    facts.error = facts.delivered ? 0 : error_number(d.error_code);
    facts.stat = stat_of(d.status);
    facts.submitted = d.submitted_at;
    facts.done = d.done_at;
    return {smpp::receipt_message(submit, facts)};
}

Deliveries::Deliveries(db::Database& db, Clock& clock, std::string node, DeliveryOptions options)
    : db_(db), clock_(clock), node_(std::move(node)), options_(options) {}

Deliveries::~Deliveries() {
    stop();
}

Status Deliveries::owe_receipts(db::Connection& c, const std::vector<MessageId>& ids,
                                messaging::MessageStatus status,
                                const std::optional<std::string>& error_code) {
    UJ_ASSIGN(auto wanted, store::receipts_wanted(c, ids));
    if (wanted.empty()) return {};
    const Micros now = clock_.now();
    const bool delivered = messaging::reached(status);
    std::vector<PendingDelivery> rows;
    for (auto& w : wanted) {
        if (delivered && w.submission.receipts == 2) continue;  // failures only
        PendingDelivery d;
        d.smpp_account_id = w.submission.smpp_account_id;
        d.kind = DeliveryKind::kReceipt;
        d.message_id = w.submission.message_id;
        d.from = w.to;  // a receipt comes from the destination
        d.to = w.sender;
        d.text = std::move(w.excerpt);
        d.status = std::string(messaging::status_name(status));
        d.error_code = error_code;
        d.submitted_at = w.created_at;
        d.done_at = now;
        d.created_at = now;
        rows.push_back(std::move(d));
    }
    UJ_TRY(store::insert_deliveries(c, rows));
    if (!rows.empty()) wake();
    return {};
}

Status Deliveries::owe_inbound(db::Connection& c, const messaging::Message& m) {
    UJ_ASSIGN(auto receivers, store::receivers_of(c, m.account_id));
    if (receivers.empty()) return {};
    std::vector<PendingDelivery> rows;
    for (const auto& r : receivers) {
        PendingDelivery d;
        d.smpp_account_id = r;
        d.kind = DeliveryKind::kInbound;
        d.message_id = m.id;
        d.from = m.sender;
        d.to = m.to;
        d.text = m.body;
        d.created_at = m.created_at;
        rows.push_back(std::move(d));
    }
    UJ_TRY(store::insert_deliveries(c, rows));
    wake();
    return {};
}

void Deliveries::start(const ReceiverDirectory& directory) {
    directory_ = &directory;
    // Answers and new deliveries gather for a moment: one transaction then
    // settles and claims many. What was sent and not settled when it stops
    // is claimed again when its lease ends.
    loop_.start("smpp-deliveries", options_.poll, kGather, [this] { round(clock_.now()); });
}

void Deliveries::stop() {
    loop_.stop();
}

void Deliveries::wake() {
    loop_.wake();
}

// One transaction: deletes what was answered with ESME_ROK, lets the rest
// be tried again later, and claims what each bound account has room for.
void Deliveries::round(Micros now) {
    std::vector<Sent> answered;
    {
        std::lock_guard lock(mutex_);
        answered.swap(answered_);
    }
    if (now - last_sweep_ >= kSweepEvery) {
        last_sweep_ = now;
        auto dropped = db_.write([&](db::Connection& c) {
            return store::drop_deliveries_before(c, now - options_.max_age);
        });
        if (dropped && *dropped > 0)
            log::warn("smpp server: dropped deliveries past their age",
                      {{"dropped", *dropped}, {"max_age_s", options_.max_age / kMicrosPerSecond}});
    }
    std::vector<std::int64_t> done;
    std::map<int, std::vector<std::int64_t>> retry;  // by attempts
    for (const auto& s : answered) (s.ok ? done : retry[s.attempts]).push_back(s.id);

    struct Claim {
        SmppAccountId account;
        std::vector<std::shared_ptr<smpp::ServerSession>> sessions;
        std::size_t room = 0;
        std::vector<PendingDelivery> claimed;
    };
    std::vector<Claim> claims;
    for (auto& account : directory_->accounts_with_receivers()) {
        auto sessions = directory_->receivers(account);
        if (sessions.empty()) continue;
        std::size_t busy = 0;
        {
            std::lock_guard lock(mutex_);
            busy = in_flight_[account.value];
        }
        const std::size_t room = std::min(
            options_.claim_batch,
            busy >= options_.in_flight_per_account ? 0 : options_.in_flight_per_account - busy);
        if (room > 0) claims.push_back({std::move(account), std::move(sessions), room, {}});
    }
    if (done.empty() && retry.empty()) {
        // Nothing to settle: a read (which never waits for the writer) finds
        // whether any account has something due before a write claims it.
        auto due = db_.read([&](db::Connection& c) -> Result<std::vector<bool>> {
            std::vector<bool> out;
            for (const auto& claim : claims) {
                UJ_ASSIGN(bool any, store::has_due_deliveries(c, claim.account, now));
                out.push_back(any);
            }
            return out;
        });
        if (due) {
            std::size_t kept = 0;
            for (std::size_t i = 0; i < claims.size(); ++i) {
                if (!(*due)[i]) continue;
                if (kept != i) claims[kept] = std::move(claims[i]);
                ++kept;
            }
            claims.resize(kept);
        }
        if (claims.empty()) return;
    }
    auto written = db_.write([&](db::Connection& c) -> Status {
        UJ_TRY(store::delete_deliveries(c, done));
        for (const auto& [attempts, ids] : retry)
            UJ_TRY(store::release_deliveries(c, ids, now + backoff(attempts)));
        for (auto& claim : claims) {
            UJ_ASSIGN(claim.claimed, store::claim_deliveries(c, claim.account, node_, now,
                                                             now + options_.lease, claim.room));
        }
        return {};
    });
    if (!written) {
        // Nothing changed: the answers count again next round, the rows wait.
        log::warn("smpp server: deliveries not settled", {{"error", written.error().message}});
        std::lock_guard lock(mutex_);
        answered_.insert(answered_.end(), answered.begin(), answered.end());
        return;
    }
    for (auto& claim : claims)
        if (!claim.claimed.empty()) send(claim.account, std::move(claim.claimed), claim.sessions);
}

void Deliveries::send(const SmppAccountId& account, std::vector<PendingDelivery> claimed,
                      const std::vector<std::shared_ptr<smpp::ServerSession>>& sessions) {
    {
        std::lock_guard lock(mutex_);
        in_flight_[account.value] += claimed.size();
    }
    for (auto& d : claimed) {
        auto messages = deliver_messages(d);
        // Every part must be answered with ESME_ROK for the delivery to count.
        struct Tally {
            std::mutex mutex;
            std::size_t left = 0;
            bool ok = true;
        };
        auto tally = std::make_shared<Tally>();
        tally->left = messages.size();
        const Sent base{d.id, account, d.attempts, false};
        const auto finish = [this, tally, base](bool ok) {
            bool last = false;
            {
                std::lock_guard lock(tally->mutex);
                tally->ok = tally->ok && ok;
                last = --tally->left == 0;
            }
            if (!last) return;
            Sent s = base;
            s.ok = tally->ok;
            {
                std::lock_guard lock(mutex_);
                answered_.push_back(s);
                auto& busy = in_flight_[s.account.value];
                busy = busy > 0 ? busy - 1 : 0;
            }
            wake();
        };
        if (messages.empty()) {
            tally->left = 1;
            finish(true);  // nothing to send (no text): done
            continue;
        }
        const auto& session = sessions[next_session_++ % sessions.size()];
        for (auto& m : messages)
            session->deliver(std::move(m), [finish](smpp::DeliverResult r) {
                finish(r.answered && r.status == smpp::status::kOk);
            });
    }
}

}  // namespace ujumbe::smpp_server
