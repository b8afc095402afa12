#include "channels/smpp/session.h"

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <map>
#include <optional>

#include "channels/smpp/connection.h"

namespace ujumbe::smpp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

const char* session_state_name(SessionState s) {
    switch (s) {
        case SessionState::kConnecting:
            return "connecting";
        case SessionState::kBound:
            return "bound";
        case SessionState::kStopped:
            return "stopped";
    }
    return "unknown";
}

namespace {

constexpr auto kTick = std::chrono::milliseconds(50);  // timeouts are checked this often

bool retry_later(std::uint32_t status) {
    return status == status::kThrottled || status == status::kMsgQFul;
}

}  // namespace

struct Session::Impl : std::enable_shared_from_this<Session::Impl> {
    struct Queued {
        ShortMessage message;
        std::function<void(SubmitResult)> done;
    };
    struct Outstanding {
        Queued item;
        Clock::time_point sent_at;
    };

    Impl(asio::io_context& io, SessionOptions o, std::shared_ptr<SessionHandler> h)
        : strand(asio::make_strand(io)),
          options(std::move(o)),
          handler_owner(std::move(h)),
          handler(*handler_owner),
          wake_pump(strand),
          wake_writer(strand),
          tokens(std::max(1.0, options.tps)) {}

    asio::strand<asio::io_context::executor_type> strand;
    SessionOptions options;
    // Kept alive as long as the session's loops may call it.
    std::shared_ptr<SessionHandler> handler_owner;
    SessionHandler& handler;
    std::atomic<SessionState> state{SessionState::kConnecting};
    std::atomic<std::size_t> outstanding_count{0};
    bool stopping = false;
    bool stopping_peer = false;  // the SMSC unbound: close once the answer is out
    std::optional<Connection> socket;
    std::uint64_t generation = 0;  // a new connection; older coroutines stop
    std::uint32_t sequence = 0;
    std::deque<Queued> queue;
    std::map<std::uint32_t, Outstanding> outstanding;
    std::deque<std::string> writes;
    asio::steady_timer wake_pump, wake_writer;
    Clock::time_point paused_until{};
    double tokens;
    Clock::time_point refilled = Clock::now();
    std::optional<std::uint32_t> enquire_pending;
    Clock::time_point enquire_sent{}, last_enquire{};

    std::uint32_t next_sequence() {
        sequence = sequence >= 0x7FFFFFFF ? 1 : sequence + 1;
        return sequence;
    }

    // Tells the handler of a new state, and of every reason given (a bind
    // refused again leaves the state as it was).
    void set_state(SessionState s, const std::string& detail) {
        if (state.exchange(s) != s || !detail.empty()) handler.on_state(s, detail);
    }

    void send(const Pdu& pdu) {
        writes.push_back(encode(pdu));
        wake_writer.cancel();
    }

    void close() {
        if (socket && socket->lower().is_open()) {
            error_code ec;
            socket->lower().shutdown(tcp::socket::shutdown_both, ec);
            socket->lower().close(ec);
        }
        ++generation;
        writes.clear();
        enquire_pending.reset();
        wake_pump.cancel();
        wake_writer.cancel();
    }

    // Written but unanswered: the SMSC may have them.
    void fail_outstanding(const std::string& why) {
        auto pending = std::move(outstanding);
        outstanding.clear();
        outstanding_count = 0;
        for (auto& [seq, o] : pending)
            if (o.item.done) o.item.done({true, false, 0, {}, why});
    }

    void fail_queue(const std::string& why) {
        auto pending = std::move(queue);
        queue.clear();
        for (auto& q : pending)
            if (q.done) q.done({false, false, 0, {}, why});
    }

    bool take_token(Clock::time_point now) {
        if (options.tps <= 0) return true;
        const double elapsed = std::chrono::duration<double>(now - refilled).count();
        tokens = std::min(std::max(1.0, options.tps), tokens + elapsed * options.tps);
        refilled = now;
        if (tokens < 1.0) return false;
        tokens -= 1.0;
        return true;
    }

    Clock::time_point next_token(Clock::time_point now) const {
        if (options.tps <= 0 || tokens >= 1.0) return now;
        return now + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>((1.0 - tokens) / options.tps));
    }

    // ---- one connection

    // Reads one PDU; nullopt when the connection ends.
    asio::awaitable<std::optional<std::variant<Pdu, DecodeError>>> read_pdu(std::string& buffer) {
        char chunk[8192];
        while (true) {
            const auto f = frame(buffer);
            if (f.length && f.bad_length) {
                send({command::kGenericNack, status::kInvCmdLen, 0, {}});
                co_return std::nullopt;
            }
            if (f.length && buffer.size() >= *f.length) {
                auto result = decode(std::string_view(buffer).substr(0, *f.length));
                buffer.erase(0, *f.length);
                co_return result;
            }
            error_code ec;
            const std::size_t n = co_await socket->async_read_some(
                asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return std::nullopt;
            buffer.append(chunk, n);
        }
    }

    asio::awaitable<bool> connect_and_bind(std::string& buffer, std::string& why) {
        error_code ec;
        tcp::resolver resolver(strand);
        const auto endpoints =
            co_await resolver.async_resolve(options.host, std::to_string(options.port),
                                            asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            why = "resolve: " + ec.message();
            co_return false;
        }
        if (options.tls)
            socket.emplace(tcp::socket(strand), *options.tls);
        else
            socket.emplace(tcp::socket(strand));
        // A watchdog closes the socket if connect or bind hangs.
        auto watchdog = std::make_shared<asio::steady_timer>(strand, options.response_timeout);
        watchdog->async_wait([this, self = shared_from_this()](error_code e) {
            if (!e && socket) {
                error_code ignored;
                socket->lower().close(ignored);
            }
        });
        co_await asio::async_connect(socket->lower(), endpoints,
                                     asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            watchdog->cancel();
            why = "connect: " + ec.message();
            co_return false;
        }
        // PDUs are small and answered at once: Nagle's algorithm would hold
        // each behind the peer's delayed acknowledgement (tens of ms).
        socket->lower().set_option(tcp::no_delay(true), ec);
        if (auto* tls = socket->tls()) {
            // The name the SMSC is reached by: sent (SNI, for a name) and
            // checked against its certificate.
            error_code not_an_address;
            (void)asio::ip::make_address(options.host, not_an_address);
            if (not_an_address)
                SSL_set_tlsext_host_name(tls->native_handle(), options.host.c_str());
            tls->set_verify_callback(asio::ssl::host_name_verification(options.host));
            co_await tls->async_handshake(asio::ssl::stream_base::client,
                                          asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                watchdog->cancel();
                why = "TLS: " + ec.message();
                co_return false;
            }
        }
        const Pdu bind{
            bind_command(options.mode), 0, next_sequence(),
            Bind{options.system_id, options.password, options.system_type, 0x34, 0, 0, ""}};
        const std::string wire = encode(bind);
        co_await asio::async_write(*socket, asio::buffer(wire),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            watchdog->cancel();
            why = "bind: " + ec.message();
            co_return false;
        }
        auto answer = co_await read_pdu(buffer);
        watchdog->cancel();
        if (!answer || !std::holds_alternative<Pdu>(*answer)) {
            why = "bind: no answer";
            co_return false;
        }
        const auto& resp = std::get<Pdu>(*answer);
        if (resp.command_id != (bind.command_id | command::kResponse) ||
            resp.sequence_number != bind.sequence_number) {
            why = std::string("bind: answered with ") + command_name(resp.command_id);
            co_return false;
        }
        if (resp.command_status != status::kOk) {
            why = std::string("bind refused: ") + status_name(resp.command_status);
            co_return false;
        }
        co_return true;
    }

    void on_pdu(const std::variant<Pdu, DecodeError>& result) {
        if (const auto* e = std::get_if<DecodeError>(&result)) {
            if (e->command_id & command::kResponse) return;  // nothing to answer
            const std::uint32_t id = e->status == status::kInvCmdId
                                         ? command::kGenericNack
                                         : (e->command_id | command::kResponse);
            send({id, e->status, e->sequence_number, {}});
            return;
        }
        const auto& p = std::get<Pdu>(result);
        switch (p.command_id) {
            case command::kSubmitSm | command::kResponse:
            case command::kGenericNack: {
                auto it = outstanding.find(p.sequence_number);
                if (it == outstanding.end()) return;  // late, or not ours
                auto item = std::move(it->second.item);
                outstanding.erase(it);
                outstanding_count = outstanding.size();
                if (p.command_id != command::kGenericNack && retry_later(p.command_status)) {
                    // The SMSC refused it for now: the same message again later.
                    paused_until = Clock::now() + options.throttle_pause;
                    queue.push_front(std::move(item));
                } else if (item.done) {
                    const auto* body = std::get_if<MessageIdResp>(&p.body);
                    item.done({true,
                               true,
                               p.command_status,
                               body && p.command_status == status::kOk ? body->message_id : "",
                               {}});
                }
                wake_pump.cancel();
                return;
            }
            case command::kEnquireLink:
                send({command::kEnquireLink | command::kResponse, 0, p.sequence_number, {}});
                return;
            case command::kEnquireLink | command::kResponse:
                if (enquire_pending == p.sequence_number) enquire_pending.reset();
                return;
            case command::kDeliverSm:
            case command::kDataSm: {
                const ShortMessage m = p.command_id == command::kDeliverSm
                                           ? std::get<ShortMessage>(p.body)
                                           : short_message_of(std::get<DataSm>(p.body));
                // Answered when the handler has it safe, on this connection only:
                // a new connection's SMSC delivers what was unanswered again.
                handler.on_deliver(m, [self = shared_from_this(), gen = generation,
                                       id = p.command_id | command::kResponse,
                                       seq = p.sequence_number](std::uint32_t answer) {
                    asio::post(self->strand, [self, gen, id, seq, answer] {
                        if (gen == self->generation) self->send({id, answer, seq, MessageIdResp{}});
                    });
                });
                return;
            }
            case command::kUnbind:
                send({command::kUnbind | command::kResponse, 0, p.sequence_number, {}});
                stopping_peer = true;
                return;
            case command::kUnbind | command::kResponse:
                close();
                return;
            case command::kAlertNotification:
            case command::kOutbind:
                return;
            default:
                if (!(p.command_id & command::kResponse))
                    send({command::kGenericNack, status::kInvCmdId, p.sequence_number, {}});
                return;
        }
    }
    asio::awaitable<void> reader(std::uint64_t gen, std::string buffer) {
        while (gen == generation) {
            auto pdu = co_await read_pdu(buffer);
            if (!pdu || gen != generation) break;
            on_pdu(*pdu);
        }
        if (gen == generation) close();
    }

    // Each loop keeps the session alive (`keep`) until it sees its connection end.
    asio::awaitable<void> writer([[maybe_unused]] std::shared_ptr<Impl> keep, std::uint64_t gen) {
        while (gen == generation) {
            if (writes.empty()) {
                if (stopping_peer) {
                    close();
                    co_return;
                }
                error_code ec;
                wake_writer.expires_at(Clock::time_point::max());
                co_await wake_writer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
                continue;
            }
            const std::string bytes = take_writes(writes);
            error_code ec;
            co_await asio::async_write(*socket, asio::buffer(bytes),
                                       asio::redirect_error(asio::use_awaitable, ec));
            if (ec && gen == generation) {
                close();
                co_return;
            }
        }
    }

    asio::awaitable<void> pump([[maybe_unused]] std::shared_ptr<Impl> keep, std::uint64_t gen) {
        while (gen == generation) {
            const auto now = Clock::now();
            const bool room = !queue.empty() && outstanding.size() < options.window;
            if (room && now >= paused_until && take_token(now)) {
                auto item = std::move(queue.front());
                queue.pop_front();
                const std::uint32_t seq = next_sequence();
                send({command::kSubmitSm, 0, seq, item.message});
                outstanding.emplace(seq, Outstanding{std::move(item), now});
                outstanding_count = outstanding.size();
                continue;
            }
            error_code ec;
            wake_pump.expires_at(room ? std::max(paused_until, next_token(now))
                                      : Clock::time_point::max());
            co_await wake_pump.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
    }

    // Timeouts of submits, keepalive and the dead-peer check.
    asio::awaitable<void> watch([[maybe_unused]] std::shared_ptr<Impl> keep, std::uint64_t gen) {
        asio::steady_timer tick(strand);
        last_enquire = Clock::now();
        while (gen == generation) {
            tick.expires_after(kTick);
            error_code ec;
            co_await tick.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (gen != generation) break;
            const auto now = Clock::now();
            for (auto it = outstanding.begin(); it != outstanding.end();) {
                if (now - it->second.sent_at < options.response_timeout) {
                    ++it;
                    continue;
                }
                auto item = std::move(it->second.item);
                it = outstanding.erase(it);
                outstanding_count = outstanding.size();
                if (item.done) item.done({true, false, 0, {}, "no submit_sm_resp in time"});
                wake_pump.cancel();
            }
            if (enquire_pending && now - enquire_sent > options.response_timeout) {
                close();  // the peer stopped answering
                break;
            }
            if (!enquire_pending && now - last_enquire >= options.enquire_link_interval) {
                enquire_pending = next_sequence();
                enquire_sent = last_enquire = now;
                send({command::kEnquireLink, 0, *enquire_pending, {}});
            }
        }
    }

    asio::awaitable<void> run() {
        auto backoff = options.reconnect_min;
        while (!stopping) {
            set_state(SessionState::kConnecting, "");
            std::string buffer, why;
            const bool bound = co_await connect_and_bind(buffer, why);
            if (bound && !stopping) {
                backoff = options.reconnect_min;
                const std::uint64_t gen = ++generation;
                stopping_peer = false;
                set_state(SessionState::kBound, "");
                auto self = shared_from_this();
                asio::co_spawn(strand, writer(self, gen), asio::detached);
                asio::co_spawn(strand, pump(self, gen), asio::detached);
                asio::co_spawn(strand, watch(self, gen), asio::detached);
                co_await reader(gen, std::move(buffer));
                why = "connection closed";
            } else if (socket) {
                error_code ignored;
                socket->lower().close(ignored);
            }
            fail_outstanding(why);
            if (stopping) break;
            set_state(SessionState::kConnecting, why);
            asio::steady_timer pause(strand, backoff);
            error_code ec;
            co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            backoff = std::min(backoff * 2, options.reconnect_max);
        }
        fail_queue("the session stopped");
        set_state(SessionState::kStopped, "");
    }
};

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::shared_ptr<Session> Session::create(asio::io_context& io, SessionOptions options,
                                         std::shared_ptr<SessionHandler> handler) {
    return std::shared_ptr<Session>(
        new Session(std::make_unique<Impl>(io, std::move(options), std::move(handler))));
}

std::shared_ptr<Session> Session::create(asio::io_context& io, SessionOptions options,
                                         SessionHandler& handler) {
    // Not owned: the caller keeps it alive longer than the session.
    return create(io, std::move(options), std::shared_ptr<SessionHandler>(&handler, [](auto*) {}));
}

Session::~Session() {
    stop();
}

void Session::start() {
    auto impl = impl_;
    asio::co_spawn(
        impl->strand, [impl]() { return impl->run(); }, asio::detached);
}

void Session::stop() {
    auto impl = impl_;
    asio::post(impl->strand, [impl] {
        if (impl->stopping) return;
        impl->stopping = true;
        if (impl->state == SessionState::kBound) {
            impl->send({command::kUnbind, 0, impl->next_sequence(), {}});
            // The unbind_resp closes; a peer that never answers is closed anyway.
            auto t = std::make_shared<asio::steady_timer>(impl->strand, std::chrono::seconds(1));
            t->async_wait([impl, t](error_code) { impl->close(); });
        } else {
            impl->close();
        }
        impl->fail_queue("the session stopped");
    });
}

void Session::submit(ShortMessage message, std::function<void(SubmitResult)> done) {
    auto impl = impl_;
    asio::post(impl->strand, [impl, m = std::move(message), done = std::move(done)]() mutable {
        if (impl->stopping) {
            if (done) done({false, false, 0, {}, "the session stopped"});
            return;
        }
        if (impl->options.mode == BindMode::kReceiver) {
            if (done) done({false, false, 0, {}, "a receiver bind cannot submit"});
            return;
        }
        impl->queue.push_back({std::move(m), std::move(done)});
        impl->wake_pump.cancel();
    });
}

SessionState Session::state() const {
    return impl_->state;
}

std::size_t Session::outstanding() const {
    return impl_->outstanding_count;
}

}  // namespace ujumbe::smpp
