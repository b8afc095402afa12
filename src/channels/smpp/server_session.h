#pragma once
// One accepted SMPP connection seen from the SMSC side (PROTOCOLS.md 1.4,
// 1.7): answers binds by asking its handler, hands submit_sm and data_sm to
// the handler and sends the answer the handler gives later (from any
// thread), sends deliver_sm (receipts, MO) through a window of its own,
// keeps the link alive and closes a peer that stops answering. Both the
// `ujumbe smsc` simulator and an SMPP server for customers sit on it.
//
// States, and the function that makes each transition:
//
//   kOpen --bind accepted (on_bind)--> kBound --unbind, stop(), error--> kClosed
//     |                                                                   ^
//     +--- no bind within bind_timeout, unreadable frame, stop() ---------+
//
// Invariants:
// 1. submit_sm and data_sm reach the handler only on a transmitter or
//    transceiver bind; before a bind or on a receiver bind they get
//    ESME_RINVBNDSTS. A second bind gets ESME_RALYBND.
// 2. At most max_outstanding_submits submits wait for their SubmitReply;
//    more get ESME_RTHROTTLED without reaching the handler.
// 3. At most deliver_window deliver_sm are unanswered; up to
//    max_queued_deliveries more wait their turn; each `done` runs once.
// 4. A frame length under 16 or over max_pdu_length gets generic_nack
//    ESME_RINVCMDLEN and the connection closes once that is written.
// 5. Reading pauses while max_queued_writes answers wait to be written, so
//    a peer that sends without reading cannot make the session hold more.
// 6. Every member lives on one strand: deliver(), stop() and SubmitReply
//    may be called from any thread; handler callbacks and `done` run on the
//    strand and must not block.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "channels/smpp/pdu.h"

namespace boost::asio::ssl {
class context;
}

namespace ujumbe::smpp {

struct ServerSessionOptions {
    std::string system_id = "ujumbe";  // the SMSC's name in bind_resp
    std::uint32_t max_pdu_length = kMaxPduLength;
    // Submits handed to the handler and not answered yet, per session.
    std::size_t max_outstanding_submits = 100;
    // deliver_sm sent and not answered yet; and how many more may wait.
    std::size_t deliver_window = 10;
    std::size_t max_queued_deliveries = 10000;
    // Answers waiting to be written before reading pauses.
    std::size_t max_queued_writes = 1024;
    // From connect to an accepted bind (the session_init_timer).
    std::chrono::milliseconds bind_timeout{30000};
    // Nothing received for this long: send enquire_link.
    std::chrono::milliseconds enquire_link_interval{30000};
    // Longest wait for any answer (deliver_sm_resp, enquire_link_resp,
    // unbind_resp) and for the last bytes to go out before closing.
    std::chrono::milliseconds response_timeout{10000};
};

struct BindRequest {
    BindMode mode = BindMode::kTransceiver;
    std::string system_id, password, system_type;
    std::string peer;  // "address:port"
};

// The handler's answer to a submit_sm or data_sm.
struct SubmitAnswer {
    std::uint32_t status = status::kOk;
    std::string message_id;  // sent only with status kOk
};

// Sends the answer to one submit_sm or data_sm. Copies share one answer:
// the first call counts, later ones do nothing. Callable from any thread;
// does nothing once the session closed. If every copy is destroyed without
// a call, the peer gets ESME_RSYSERR, so a lost reply never holds a slot.
class SubmitReply {
public:
    struct State;
    explicit SubmitReply(std::shared_ptr<State> state);
    void operator()(SubmitAnswer answer) const;

private:
    std::shared_ptr<State> state_;
};

struct DeliverResult {
    bool sent = false;         // written: the peer may have it even unanswered
    bool answered = false;     // a deliver_sm_resp (or generic_nack) came back
    std::uint32_t status = 0;  // its command_status
    std::string error;         // why there is no answer
};

enum class PduDirection { kIn, kOut };
const char* direction_name(PduDirection d);  // "in" | "out"

class ServerSession;

// What the owner of the SMSC side decides. Called on the session's strand.
// A handler that keeps its session must keep a weak_ptr: the session owns
// the handler.
class ServerSessionHandler {
public:
    virtual ~ServerSessionHandler() = default;
    // The command_status of the bind_resp: kOk accepts; kBindFail,
    // kInvPaswd, kInvSysId refuse (the peer may try again).
    virtual std::uint32_t on_bind(ServerSession& session, const BindRequest& request) = 0;
    // For a handler that must not decide on the strand (a database read):
    // calls `answer` once, now or later, from any thread, with what on_bind
    // would return. Until then the session is not bound, and another bind
    // gets ESME_RALYBND. By default, on_bind's answer at once.
    virtual void on_bind_async(ServerSession& session, const BindRequest& request,
                               std::function<void(std::uint32_t)> answer) {
        answer(on_bind(session, request));
    }
    // A submit_sm, or a data_sm read as one. REQUIRES: `reply` is called
    // once, now or later, from any thread.
    virtual void on_submit(ServerSession& session, const ShortMessage& message,
                           SubmitReply reply) = 0;
    // Every PDU read or written, for logs.
    virtual void on_pdu(ServerSession&, PduDirection, const Pdu&) {}
    // A PDU that could not be read (answered as `error` says).
    virtual void on_unreadable(ServerSession&, const DecodeError&) {}
    // Once, when the connection is gone.
    virtual void on_closed(ServerSession&, const std::string& /*why*/) {}
};

class ServerSession : public std::enable_shared_from_this<ServerSession> {
public:
    // `socket` is connected; the session runs on a strand of `io`. With
    // `tls`, the client's TLS handshake comes first (within bind_timeout).
    static std::shared_ptr<ServerSession> create(
        boost::asio::io_context& io, boost::asio::ip::tcp::socket socket,
        ServerSessionOptions options, std::shared_ptr<ServerSessionHandler> handler,
        std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
    ~ServerSession();
    ServerSession(const ServerSession&) = delete;
    ServerSession& operator=(const ServerSession&) = delete;

    void start();
    // Queues a deliver_sm; `done` runs on the strand with the outcome. Fails
    // at once (sent=false) unless bound as receiver or transceiver.
    void deliver(ShortMessage message, std::function<void(DeliverResult)> done);
    // Sends unbind when bound and closes on its answer (or after
    // response_timeout); closes at once otherwise.
    void stop();

    std::uint64_t id() const;                 // unique in the process, for logs
    const std::string& peer() const;          // "address:port"
    bool bound() const;                       // any thread
    bool closed() const;                      // any thread
    std::size_t outstanding_submits() const;  // any thread

private:
    struct Impl;
    explicit ServerSession(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ujumbe::smpp
