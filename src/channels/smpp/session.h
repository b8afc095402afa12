#pragma once
// One SMPP client session (ESME side): connects, binds as transmitter,
// receiver or transceiver, keeps a window of outstanding submit_sm matched
// by sequence number, paces submits with a token bucket, pauses after
// ESME_RTHROTTLED / ESME_RMSGQFUL and sends the same PDU again, answers
// enquire_link and sends its own (a peer that stops answering is dead),
// hands deliver_sm to its handler, and reconnects with back-off; over TCP
// or TLS. All of it
// runs on the io_context given; submit() may be called from any thread.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "channels/smpp/pdu.h"

namespace boost::asio::ssl {
class context;
}

namespace ujumbe::smpp {

struct SessionOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 2775;
    std::string system_id, password, system_type;
    BindMode mode = BindMode::kTransceiver;
    std::size_t window = 10;  // submit_sm awaiting their response
    double tps = 0;           // submits per second; 0: no limit
    std::chrono::milliseconds enquire_link_interval{30000};
    std::chrono::milliseconds response_timeout{10000};  // a request unanswered this long
    std::chrono::milliseconds throttle_pause{1000};     // after THROTTLED / MSGQFUL
    std::chrono::milliseconds reconnect_min{500}, reconnect_max{30000};
    // Set: SMPP over TLS, the SMSC's certificate checked by this context
    // and against `host` (core/tls.h); null: plain TCP.
    std::shared_ptr<boost::asio::ssl::context> tls;
};

enum class SessionState { kConnecting, kBound, kStopped };
const char* session_state_name(SessionState s);

struct SubmitResult {
    // True once the PDU was written: the SMSC may have it even without an
    // answer (timed_out or the connection dropped), so a retry elsewhere
    // could send it twice. False: it never left, safe to route elsewhere.
    bool sent = false;
    bool answered = false;     // a submit_sm_resp (or generic_nack) came back
    std::uint32_t status = 0;  // its command_status
    std::string message_id;    // on success
    std::string error;         // why there is no answer
};

class SessionHandler {
public:
    virtual ~SessionHandler() = default;
    // A deliver_sm (receipt or MO) or data_sm body from the SMSC. The
    // response goes out when `respond` is called (from any thread, once)
    // with its command_status: a receipt is acknowledged once it is stored.
    using Respond = std::function<void(std::uint32_t command_status)>;
    virtual void on_deliver(const ShortMessage& message, Respond respond) = 0;
    virtual void on_state(SessionState, const std::string& /*detail*/) {}
};

class Session : public std::enable_shared_from_this<Session> {
public:
    // The session keeps `handler` alive as long as any of its work runs.
    static std::shared_ptr<Session> create(boost::asio::io_context& io, SessionOptions options,
                                           std::shared_ptr<SessionHandler> handler);
    // `handler` must outlive every callback of the session (tests).
    static std::shared_ptr<Session> create(boost::asio::io_context& io, SessionOptions options,
                                           SessionHandler& handler);
    ~Session();

    void start();
    // Unbinds (when bound), closes, and fails what is queued with sent=false.
    void stop();
    // Queues a submit_sm; `done` runs on the io_context with the outcome.
    void submit(ShortMessage message, std::function<void(SubmitResult)> done);

    SessionState state() const;
    std::size_t outstanding() const;  // written, not yet answered

private:
    struct Impl;
    explicit Session(std::unique_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

}  // namespace ujumbe::smpp
