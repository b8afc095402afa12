#include "channels/smpp/server_session.h"

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <map>

#include "channels/smpp/connection.h"

namespace ujumbe::smpp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

const char* direction_name(PduDirection d) {
    return d == PduDirection::kIn ? "in" : "out";
}

struct SubmitReply::State {
    std::function<void(SubmitAnswer)> send;
    std::atomic<bool> answered{false};
    ~State() {
        if (!answered.exchange(true)) send({status::kSysErr, {}});
    }
};

SubmitReply::SubmitReply(std::shared_ptr<State> state) : state_(std::move(state)) {}

void SubmitReply::operator()(SubmitAnswer answer) const {
    if (!state_->answered.exchange(true)) state_->send(std::move(answer));
}

namespace {

constexpr auto kTick = std::chrono::milliseconds(50);  // timeouts are checked this often
constexpr std::size_t kReadChunk = 8192;

std::atomic<std::uint64_t> next_session_id{1};

std::string peer_of(const tcp::socket& socket) {
    error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    if (ec) return "unknown";
    return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

// The sequence number of a PDU whose length lost the framing, if its header is in.
std::uint32_t sequence_in_header(std::string_view buffer) {
    if (buffer.size() < 16) return 0;
    std::uint32_t v = 0;
    for (int i = 12; i < 16; ++i) v = (v << 8) | static_cast<std::uint8_t>(buffer[i]);
    return v;
}

}  // namespace

struct ServerSession::Impl {
    struct Delivery {
        ShortMessage message;
        std::function<void(DeliverResult)> done;
        Clock::time_point sent_at{};
    };

    Impl(asio::io_context& io, tcp::socket s, ServerSessionOptions o,
         std::shared_ptr<ServerSessionHandler> h, std::shared_ptr<asio::ssl::context> tls)
        : strand(asio::make_strand(io)),
          peer(peer_of(s)),
          tls_context(std::move(tls)),
          socket(tls_context ? Connection(std::move(s), *tls_context) : Connection(std::move(s))),
          options(std::move(o)),
          handler(std::move(h)),
          id(next_session_id++),
          wake_writer(strand),
          wake_reader(strand) {}

    ServerSession* owner = nullptr;
    asio::strand<asio::io_context::executor_type> strand;
    const std::string peer;
    std::shared_ptr<asio::ssl::context> tls_context;  // null: plain TCP
    Connection socket;
    ServerSessionOptions options;
    std::shared_ptr<ServerSessionHandler> handler;
    const std::uint64_t id;
    asio::steady_timer wake_writer, wake_reader;

    std::atomic<bool> is_bound{false}, is_closed{false};
    std::atomic<std::size_t> submits_outstanding{0};
    std::optional<BindMode> mode;
    bool bind_pending = false;  // the handler has not answered a bind yet
    std::uint32_t sequence = 0;
    std::deque<std::string> writes;
    // Close once `writes` is empty (after an unbind_resp or a framing nack).
    std::optional<std::string> close_after_flush;
    Clock::time_point flush_started{};
    std::deque<Delivery> deliveries_queued;
    std::map<std::uint32_t, Delivery> deliveries_sent;
    const Clock::time_point opened = Clock::now();
    Clock::time_point last_received = opened;
    std::optional<std::uint32_t> enquire_pending;
    Clock::time_point enquire_sent{};
    std::optional<Clock::time_point> unbind_sent;

    std::uint32_t next_sequence() {
        sequence = sequence >= 0x7FFFFFFF ? 1 : sequence + 1;
        return sequence;
    }

    bool can_submit() const { return mode && *mode != BindMode::kReceiver; }
    bool can_receive() const { return mode && *mode != BindMode::kTransmitter; }

    void send(const Pdu& pdu) {
        if (is_closed) return;
        handler->on_pdu(*owner, PduDirection::kOut, pdu);
        writes.push_back(encode(pdu));
        wake_writer.cancel();
    }

    void close_when_written(std::string why) {
        if (close_after_flush) return;
        close_after_flush = std::move(why);
        flush_started = Clock::now();
        wake_writer.cancel();
    }

    // kOpen/kBound -> kClosed. Fails every delivery still held.
    void close(const std::string& why) {
        if (is_closed.exchange(true)) return;
        is_bound = false;
        error_code ec;
        socket.lower().shutdown(tcp::socket::shutdown_both, ec);
        socket.lower().close(ec);
        writes.clear();
        wake_writer.cancel();
        wake_reader.cancel();
        auto sent = std::move(deliveries_sent);
        auto queued = std::move(deliveries_queued);
        deliveries_sent.clear();
        deliveries_queued.clear();
        for (auto& [seq, d] : sent)
            if (d.done) d.done({true, false, 0, "connection closed: " + why});
        for (auto& d : queued)
            if (d.done) d.done({false, false, 0, "connection closed: " + why});
        handler->on_closed(*owner, why);
    }

    // Sends queued deliver_sm while the window has room.
    void pump_deliveries() {
        const auto now = Clock::now();
        while (!is_closed && !deliveries_queued.empty() &&
               deliveries_sent.size() < options.deliver_window) {
            Delivery d = std::move(deliveries_queued.front());
            deliveries_queued.pop_front();
            const std::uint32_t seq = next_sequence();
            send({command::kDeliverSm, 0, seq, d.message});
            d.sent_at = now;
            deliveries_sent.emplace(seq, std::move(d));
        }
    }

    void answer_submit(std::uint32_t response_id, std::uint32_t seq, SubmitAnswer answer) {
        if (is_closed) return;
        --submits_outstanding;
        MessageIdResp body;
        if (answer.status == status::kOk) body.message_id = std::move(answer.message_id);
        send({response_id, answer.status, seq, std::move(body)});
    }

    SubmitReply reply_for(std::uint32_t response_id, std::uint32_t seq) {
        auto state = std::make_shared<SubmitReply::State>();
        std::weak_ptr<ServerSession> weak = owner->weak_from_this();
        state->send = [weak, response_id, seq](SubmitAnswer answer) {
            auto session = weak.lock();
            if (!session) return;
            asio::post(session->impl_->strand,
                       [session, response_id, seq, answer = std::move(answer)]() mutable {
                           session->impl_->answer_submit(response_id, seq, std::move(answer));
                       });
        };
        return SubmitReply(std::move(state));
    }

    // ---- what the peer sent

    void on_bind(const Pdu& p, BindMode requested) {
        const std::uint32_t response_id = p.command_id | command::kResponse;
        if (mode || bind_pending) {
            send({response_id, status::kAlyBnd, p.sequence_number, BindResp{}});
            return;
        }
        bind_pending = true;
        const auto& b = std::get<Bind>(p.body);
        std::weak_ptr<ServerSession> weak = owner->weak_from_this();
        auto answered = std::make_shared<std::atomic<bool>>(false);
        const std::uint32_t seq = p.sequence_number;
        handler->on_bind_async(
            *owner, {requested, b.system_id, b.password, b.system_type, peer},
            [weak, answered, response_id, seq, requested](std::uint32_t verdict) {
                if (answered->exchange(true)) return;
                auto session = weak.lock();
                if (!session) return;
                asio::post(session->impl_->strand, [session, verdict, response_id, seq, requested] {
                    session->impl_->bind_answered(verdict, response_id, seq, requested);
                });
            });
    }

    void bind_answered(std::uint32_t verdict, std::uint32_t response_id, std::uint32_t seq,
                       BindMode requested) {
        bind_pending = false;
        if (is_closed) return;
        if (verdict != status::kOk) {
            send({response_id, verdict, seq, BindResp{}});
            return;
        }
        mode = requested;  // kOpen -> kBound
        is_bound = true;
        send({response_id, status::kOk, seq,
              BindResp{options.system_id, {int_tlv(tlv::kScInterfaceVersion, 0x34, 1)}}});
    }

    void on_submit(const Pdu& p) {
        const std::uint32_t response_id = p.command_id | command::kResponse;
        if (!can_submit()) {
            send({response_id, status::kInvBndSts, p.sequence_number, MessageIdResp{}});
            return;
        }
        if (submits_outstanding >= options.max_outstanding_submits) {
            send({response_id, status::kThrottled, p.sequence_number, MessageIdResp{}});
            return;
        }
        ++submits_outstanding;
        const ShortMessage message = p.command_id == command::kSubmitSm
                                         ? std::get<ShortMessage>(p.body)
                                         : short_message_of(std::get<DataSm>(p.body));
        handler->on_submit(*owner, message, reply_for(response_id, p.sequence_number));
    }

    void on_delivery_answer(const Pdu& p) {
        auto it = deliveries_sent.find(p.sequence_number);
        if (it == deliveries_sent.end()) return;  // late, or not ours
        auto done = std::move(it->second.done);
        deliveries_sent.erase(it);
        if (done) done({true, true, p.command_status, {}});
        pump_deliveries();
    }

    void on_unreadable(const DecodeError& e) {
        handler->on_unreadable(*owner, e);
        if (e.command_id & command::kResponse) return;  // nothing to answer
        if (e.status == status::kInvCmdId) {
            send({command::kGenericNack, e.status, e.sequence_number, {}});
            return;
        }
        // The command's own response, with an empty body of its kind.
        Pdu answer{e.command_id | command::kResponse, e.status, e.sequence_number, {}};
        if (bind_mode_of(e.command_id))
            answer.body = BindResp{};
        else if (e.command_id == command::kSubmitSm || e.command_id == command::kDataSm ||
                 e.command_id == command::kDeliverSm)
            answer.body = MessageIdResp{};
        else if (e.command_id != command::kEnquireLink && e.command_id != command::kUnbind)
            answer = {command::kGenericNack, e.status, e.sequence_number, {}};
        send(answer);
    }

    void on_pdu(const std::variant<Pdu, DecodeError>& result) {
        last_received = Clock::now();
        if (const auto* e = std::get_if<DecodeError>(&result)) {
            on_unreadable(*e);
            return;
        }
        const auto& p = std::get<Pdu>(result);
        handler->on_pdu(*owner, PduDirection::kIn, p);
        if (const auto requested = bind_mode_of(p.command_id)) {
            on_bind(p, *requested);
            return;
        }
        switch (p.command_id) {
            case command::kSubmitSm:
            case command::kDataSm:
                on_submit(p);
                return;
            case command::kDeliverSm | command::kResponse:
            case command::kGenericNack:
                on_delivery_answer(p);
                return;
            case command::kEnquireLink:
                send({command::kEnquireLink | command::kResponse, 0, p.sequence_number, {}});
                return;
            case command::kEnquireLink | command::kResponse:
                if (enquire_pending == p.sequence_number) enquire_pending.reset();
                return;
            case command::kUnbind:
                send({command::kUnbind | command::kResponse, 0, p.sequence_number, {}});
                close_when_written("the peer unbound");
                return;
            case command::kUnbind | command::kResponse:
                close("unbound");
                return;
            default:
                if (!(p.command_id & command::kResponse))
                    send({command::kGenericNack, status::kInvCmdId, p.sequence_number, {}});
                return;
        }
    }

    // ---- the loops; each keeps the session alive until it ends

    // The TLS handshake (if any), then the reader and the writer; the
    // watch's bind timeout bounds the handshake as it does the bind.
    asio::awaitable<void> open(std::shared_ptr<ServerSession> keep) {
        if (auto* tls = socket.tls()) {
            error_code ec;
            co_await tls->async_handshake(asio::ssl::stream_base::server,
                                          asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                close("TLS: " + ec.message());
                co_return;
            }
        }
        if (is_closed) co_return;
        asio::co_spawn(strand, reader(keep), asio::detached);
        asio::co_spawn(strand, writer(keep), asio::detached);
    }

    asio::awaitable<void> reader(std::shared_ptr<ServerSession> keep) {
        std::string buffer;
        char chunk[kReadChunk];
        while (!is_closed && !close_after_flush) {
            if (writes.size() >= options.max_queued_writes) {
                // The peer is not reading its answers: stop reading its requests.
                error_code ec;
                wake_reader.expires_at(Clock::time_point::max());
                co_await wake_reader.async_wait(asio::redirect_error(asio::use_awaitable, ec));
                continue;
            }
            const auto f = frame(buffer, options.max_pdu_length);
            if (f.length && f.bad_length) {
                const std::uint32_t seq = sequence_in_header(buffer);
                handler->on_unreadable(
                    *owner, {0, seq, status::kInvCmdLen,
                             "command_length " + std::to_string(*f.length) + " out of bounds"});
                send({command::kGenericNack, status::kInvCmdLen, seq, {}});
                close_when_written("unreadable command_length");
                break;
            }
            if (f.length && buffer.size() >= *f.length) {
                const auto result = decode(std::string_view(buffer).substr(0, *f.length));
                buffer.erase(0, *f.length);
                on_pdu(result);
                continue;
            }
            error_code ec;
            const std::size_t n = co_await socket.async_read_some(
                asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                close(ec == asio::error::eof ? "the peer closed the connection"
                                             : "read: " + ec.message());
                break;
            }
            buffer.append(chunk, n);
        }
        (void)keep;
    }

    asio::awaitable<void> writer(std::shared_ptr<ServerSession> keep) {
        while (!is_closed) {
            if (writes.empty()) {
                if (close_after_flush) {
                    close(*close_after_flush);
                    break;
                }
                error_code ec;
                wake_writer.expires_at(Clock::time_point::max());
                co_await wake_writer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
                continue;
            }
            const std::string bytes = take_writes(writes);
            error_code ec;
            co_await asio::async_write(socket, asio::buffer(bytes),
                                       asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                close("write: " + ec.message());
                break;
            }
            if (writes.size() < options.max_queued_writes) wake_reader.cancel();
        }
        (void)keep;
    }

    // Timeouts: the bind, deliveries, keepalive, unbind and the last writes.
    asio::awaitable<void> watch(std::shared_ptr<ServerSession> keep) {
        asio::steady_timer tick(strand);
        while (!is_closed) {
            tick.expires_after(kTick);
            error_code ec;
            co_await tick.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (is_closed) break;
            const auto now = Clock::now();
            if (!mode && now - opened >= options.bind_timeout) {
                close("no bind in time");
                break;
            }
            if (close_after_flush && now - flush_started >= options.response_timeout) {
                close(*close_after_flush);
                break;
            }
            if (unbind_sent && now - *unbind_sent >= options.response_timeout) {
                close("no unbind_resp in time");
                break;
            }
            if (enquire_pending && now - enquire_sent >= options.response_timeout) {
                close("the peer stopped answering enquire_link");
                break;
            }
            expire_deliveries(now);
            if (mode && !enquire_pending && now - last_received >= options.enquire_link_interval &&
                now - enquire_sent >= options.enquire_link_interval) {
                enquire_pending = next_sequence();
                enquire_sent = now;
                send({command::kEnquireLink, 0, *enquire_pending, {}});
            }
        }
        (void)keep;
    }

    void expire_deliveries(Clock::time_point now) {
        bool freed = false;
        for (auto it = deliveries_sent.begin(); it != deliveries_sent.end();) {
            if (now - it->second.sent_at < options.response_timeout) {
                ++it;
                continue;
            }
            auto done = std::move(it->second.done);
            it = deliveries_sent.erase(it);
            freed = true;
            if (done) done({true, false, 0, "no deliver_sm_resp in time"});
        }
        if (freed) pump_deliveries();
    }
};

ServerSession::ServerSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
    impl_->owner = this;
}

ServerSession::~ServerSession() = default;

std::shared_ptr<ServerSession> ServerSession::create(asio::io_context& io, tcp::socket socket,
                                                     ServerSessionOptions options,
                                                     std::shared_ptr<ServerSessionHandler> handler,
                                                     std::shared_ptr<asio::ssl::context> tls) {
    return std::shared_ptr<ServerSession>(new ServerSession(std::make_unique<Impl>(
        io, std::move(socket), std::move(options), std::move(handler), std::move(tls))));
}

void ServerSession::start() {
    auto self = shared_from_this();
    asio::post(impl_->strand, [self] {
        Impl& impl = *self->impl_;
        asio::co_spawn(impl.strand, impl.open(self), asio::detached);
        asio::co_spawn(impl.strand, impl.watch(self), asio::detached);
    });
}

void ServerSession::deliver(ShortMessage message, std::function<void(DeliverResult)> done) {
    auto self = shared_from_this();
    asio::post(impl_->strand, [self, m = std::move(message), done = std::move(done)]() mutable {
        Impl& impl = *self->impl_;
        const char* refused = impl.is_closed        ? "the session is closed"
                              : !impl.can_receive() ? "not bound to receive"
                              : impl.unbind_sent || impl.close_after_flush
                                  ? "the session is closing"
                              : impl.deliveries_queued.size() >= impl.options.max_queued_deliveries
                                  ? "too many deliveries queued"
                                  : nullptr;
        if (refused) {
            if (done) done({false, false, 0, refused});
            return;
        }
        impl.deliveries_queued.push_back({std::move(m), std::move(done), {}});
        impl.pump_deliveries();
    });
}

void ServerSession::stop() {
    auto self = shared_from_this();
    asio::post(impl_->strand, [self] {
        Impl& impl = *self->impl_;
        if (impl.is_closed || impl.unbind_sent) return;
        if (!impl.mode) {
            impl.close("stopped");
            return;
        }
        impl.unbind_sent = Clock::now();
        impl.send({command::kUnbind, 0, impl.next_sequence(), {}});
    });
}

std::uint64_t ServerSession::id() const {
    return impl_->id;
}

const std::string& ServerSession::peer() const {
    return impl_->peer;
}

bool ServerSession::bound() const {
    return impl_->is_bound;
}

bool ServerSession::closed() const {
    return impl_->is_closed;
}

std::size_t ServerSession::outstanding_submits() const {
    return impl_->submits_outstanding;
}

}  // namespace ujumbe::smpp
