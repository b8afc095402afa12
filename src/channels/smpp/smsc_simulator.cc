// The SMSC simulator (channels/smsc_simulator.h) on the SMSC-side SMPP
// session: the decisions of a pretend SMSC, one handler per connection.

#include "channels/smsc_simulator.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "channels/smpp/server.h"
#include "channels/smpp/smsc_messages.h"

namespace ujumbe::channels {

namespace asio = boost::asio;
using smpp::ServerSession;
using SteadyClock = std::chrono::steady_clock;

namespace {

Micros now_micros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// registered_delivery's receipt bits: 1 always, 2 on failure, 3 on success.
bool receipt_wanted(std::uint8_t registered_delivery, bool delivered) {
    switch (registered_delivery & 0x03) {
        case 1:
            return true;
        case 2:
            return !delivered;
        case 3:
            return delivered;
        default:
            return false;
    }
}

// What a log line says of a PDU: its addresses and sizes, never its text.
nlohmann::json describe(const smpp::Pdu& pdu) {
    nlohmann::json line = {{"pdu", smpp::command_name(pdu.command_id)},
                           {"seq", pdu.sequence_number}};
    if (pdu.command_id & smpp::command::kResponse)
        line["status"] = smpp::status_name(pdu.command_status);
    if (const auto* b = std::get_if<smpp::Bind>(&pdu.body)) {
        line["system_id"] = b->system_id;
    } else if (const auto* m = std::get_if<smpp::ShortMessage>(&pdu.body)) {
        line["from"] = m->source_addr;
        line["to"] = m->destination_addr;
        line["esm_class"] = m->esm_class;
        line["data_coding"] = m->data_coding;
        line["registered_delivery"] = m->registered_delivery;
        line["octets"] = m->short_message.size();
        if (const auto* id = smpp::find_tlv(m->tlvs, smpp::tlv::kReceiptedMessageId))
            line["receipted_message_id"] = id->substr(0, id->find('\0'));
    } else if (const auto* r = std::get_if<smpp::MessageIdResp>(&pdu.body)) {
        if (!r->message_id.empty()) line["message_id"] = r->message_id;
    }
    return line;
}

}  // namespace

struct SmscSimulator::Impl : std::enable_shared_from_this<SmscSimulator::Impl> {
    Impl(asio::io_context& io_context, SmscOptions o, std::function<void(const std::string&)> l)
        : io(io_context), options(std::move(o)), log_line(std::move(l)) {
        tokens = std::max(1.0, options.tps);
    }

    asio::io_context& io;
    const SmscOptions options;
    std::function<void(const std::string&)> log_line;
    std::shared_ptr<smpp::Server> server;
    std::atomic<bool> stopped{false};
    std::atomic<std::uint64_t> messages{0};
    std::atomic<std::uint32_t> mo_references{0};

    std::mutex mutex;  // guards what follows, and the log
    // Sessions that may receive, by system_id, the newest last.
    std::map<std::string, std::vector<std::weak_ptr<ServerSession>>> receivers;
    double tokens = 1;
    SteadyClock::time_point refilled = SteadyClock::now();

    void log(nlohmann::json line) {
        const std::string text =
            line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        std::lock_guard lock(mutex);
        log_line(text);
    }
    void log_session(const ServerSession& s, nlohmann::json line) {
        line["session"] = s.id();
        log(std::move(line));
    }

    bool take_token() {
        if (options.tps <= 0) return true;
        std::lock_guard lock(mutex);
        const auto now = SteadyClock::now();
        const double elapsed = std::chrono::duration<double>(now - refilled).count();
        tokens = std::min(std::max(1.0, options.tps), tokens + elapsed * options.tps);
        refilled = now;
        if (tokens < 1.0) return false;
        tokens -= 1.0;
        return true;
    }

    std::uint32_t check_credentials(const smpp::BindRequest& r) const {
        if (options.system_id && r.system_id != *options.system_id) return smpp::status::kInvSysId;
        if (options.password && r.password != *options.password) return smpp::status::kInvPaswd;
        return smpp::status::kOk;
    }

    void add_receiver(const std::string& system_id, std::weak_ptr<ServerSession> session) {
        std::lock_guard lock(mutex);
        receivers[system_id].push_back(std::move(session));
    }

    void remove_receiver(const std::string& system_id, const ServerSession* session) {
        std::lock_guard lock(mutex);
        auto it = receivers.find(system_id);
        if (it == receivers.end()) return;
        std::erase_if(it->second, [session](const std::weak_ptr<ServerSession>& w) {
            auto s = w.lock();
            return !s || s.get() == session;
        });
        if (it->second.empty()) receivers.erase(it);
    }

    // The newest open receiving session of `system_id`.
    std::shared_ptr<ServerSession> receiver_of(const std::string& system_id) {
        std::lock_guard lock(mutex);
        auto it = receivers.find(system_id);
        if (it == receivers.end()) return nullptr;
        for (auto w = it->second.rbegin(); w != it->second.rend(); ++w)
            if (auto s = w->lock(); s && s->bound()) return s;
        return nullptr;
    }

    void deliver(const std::shared_ptr<ServerSession>& session, smpp::ShortMessage message,
                 std::string what) {
        auto self = shared_from_this();
        session->deliver(std::move(message), [self, session, what](smpp::DeliverResult r) {
            if (r.answered && r.status == smpp::status::kOk) return;
            self->log_session(*session, {{"event", what + "_not_delivered"},
                                         {"status", smpp::status_name(r.status)},
                                         {"error", r.error}});
        });
    }

    void send_receipt(std::weak_ptr<ServerSession> origin, const std::string& system_id,
                      const smpp::ShortMessage& submit, smpp::ReceiptFacts facts) {
        facts.done = now_micros();
        auto target = origin.lock();
        if (!target || !target->bound() || !can_receive(*target)) target = receiver_of(system_id);
        if (!target) {
            log({{"event", "receipt_dropped"},
                 {"message_id", facts.message_id},
                 {"reason", "no receiver bound for " + system_id}});
            return;
        }
        deliver(target, smpp::receipt_message(submit, facts), "receipt");
    }

    bool can_receive(const ServerSession& s) {
        std::lock_guard lock(mutex);
        for (const auto& [id, list] : receivers)
            for (const auto& w : list)
                if (auto open = w.lock(); open.get() == &s) return true;
        return false;
    }

    void schedule_receipt(ServerSession& session, const std::string& system_id,
                          const smpp::ShortMessage& submit, const std::string& message_id) {
        const bool delivered = !smpp::reported_failed(message_id, options.failure_ratio);
        if (!options.receipts || !receipt_wanted(submit.registered_delivery, delivered)) return;
        smpp::ReceiptFacts facts{message_id, delivered, options.failure_error, now_micros(), 0};
        auto timer = std::make_shared<asio::steady_timer>(io, options.receipt_delay);
        timer->async_wait([self = shared_from_this(), timer, origin = session.weak_from_this(),
                           system_id, submit, facts](boost::system::error_code ec) {
            if (ec || self->stopped) return;
            self->send_receipt(origin, system_id, submit, facts);
        });
    }

    smpp::SubmitAnswer answer_submit(const smpp::ShortMessage& message) {
        if (!take_token()) return {smpp::status::kThrottled, {}};
        if (message.destination_addr.empty()) return {smpp::status::kInvDstAdr, {}};
        return {smpp::status::kOk, smpp::simulator_message_id(++messages, options.id_format)};
    }

    void send_mo(const MoCommand& mo) {
        std::vector<std::shared_ptr<ServerSession>> targets;
        {
            std::lock_guard lock(mutex);
            for (const auto& [system_id, list] : receivers)
                for (auto w = list.rbegin(); w != list.rend(); ++w)
                    if (auto s = w->lock(); s && s->bound()) {
                        targets.push_back(std::move(s));
                        break;
                    }
        }
        const auto parts = smpp::mo_messages(mo, static_cast<std::uint8_t>(++mo_references & 0xFF));
        log({{"event", "mo"},
             {"from", mo.from},
             {"to", mo.to},
             {"parts", parts.size()},
             {"receivers", targets.size()}});
        for (const auto& target : targets)
            for (const auto& part : parts) deliver(target, part, "mo");
    }

    class Handler;
};

// One connection's handler: what it bound as, and the simulator's decisions.
class SmscSimulator::Impl::Handler : public smpp::ServerSessionHandler {
public:
    explicit Handler(std::shared_ptr<SmscSimulator::Impl> sim) : sim_(std::move(sim)) {}

    std::uint32_t on_bind(ServerSession& session, const smpp::BindRequest& request) override {
        const std::uint32_t verdict = sim_->check_credentials(request);
        sim_->log_session(session, {{"event", "bind"},
                                    {"mode", smpp::bind_mode_name(request.mode)},
                                    {"system_id", request.system_id},
                                    {"status", smpp::status_name(verdict)}});
        if (verdict != smpp::status::kOk) return verdict;
        system_id_ = request.system_id;
        if (request.mode != smpp::BindMode::kTransmitter) {
            receiving_ = true;
            sim_->add_receiver(system_id_, session.weak_from_this());
        }
        return verdict;
    }

    void on_submit(ServerSession& session, const smpp::ShortMessage& message,
                   smpp::SubmitReply reply) override {
        const smpp::SubmitAnswer answer = sim_->answer_submit(message);
        reply(answer);
        // After the answer is on its way, so a receipt never overtakes it.
        if (answer.status == smpp::status::kOk)
            sim_->schedule_receipt(session, system_id_, message, answer.message_id);
    }

    void on_pdu(ServerSession& session, smpp::PduDirection direction,
                const smpp::Pdu& pdu) override {
        auto line = describe(pdu);
        line["dir"] = smpp::direction_name(direction);
        sim_->log_session(session, std::move(line));
    }

    void on_unreadable(ServerSession& session, const smpp::DecodeError& e) override {
        sim_->log_session(session, {{"event", "unreadable"},
                                    {"command_id", e.command_id},
                                    {"seq", e.sequence_number},
                                    {"status", smpp::status_name(e.status)},
                                    {"reason", e.reason}});
    }

    void on_closed(ServerSession& session, const std::string& why) override {
        if (receiving_) sim_->remove_receiver(system_id_, &session);
        sim_->log_session(session, {{"event", "closed"}, {"reason", why}});
    }

private:
    std::shared_ptr<SmscSimulator::Impl> sim_;
    std::string system_id_;  // set by an accepted bind
    bool receiving_ = false;
};

SmscSimulator::SmscSimulator(asio::io_context& io, SmscOptions options,
                             std::function<void(const std::string&)> log)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(log))) {}

SmscSimulator::~SmscSimulator() {
    stop();
}

Result<std::uint16_t> SmscSimulator::start() {
    smpp::ServerOptions server;
    server.host = impl_->options.host;
    server.port = impl_->options.port;
    server.max_sessions = impl_->options.max_sessions;
    server.session.system_id = "ujumbe-smsc";
    server.session.max_outstanding_submits = impl_->options.window;
    server.session.enquire_link_interval = impl_->options.enquire_link_interval;
    server.session.response_timeout = impl_->options.response_timeout;
    std::weak_ptr<Impl> weak = impl_;
    UJ_ASSIGN(impl_->server,
              smpp::Server::listen(
                  impl_->io, std::move(server),
                  [weak](const std::string& peer) -> std::shared_ptr<smpp::ServerSessionHandler> {
                      auto sim = weak.lock();
                      if (!sim || sim->stopped) return nullptr;
                      sim->log({{"event", "connected"}, {"peer", peer}});
                      return std::make_shared<Impl::Handler>(sim);
                  }));
    return impl_->server->port();
}

void SmscSimulator::send_mo(MoCommand mo) {
    if (impl_->stopped) return;
    impl_->send_mo(mo);
}

void SmscSimulator::stop() {
    if (impl_->stopped.exchange(true)) return;
    if (impl_->server) impl_->server->stop();
}

}  // namespace ujumbe::channels
