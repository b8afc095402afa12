#pragma once
// The SMPP server customers bind to (UJUMBE_SMPP_LISTEN, docs/smpp-server.md):
// a listener whose sessions check binds against SMPP accounts, turn
// submit_sm and data_sm into sends through the same accept path as
// POST /messages (charging, caps, consent, sender ids), and answer each
// submit only after its message is committed. Concatenated submits are
// joined into one message first. Throughput is held to each SMPP account's
// rate (ESME_RTHROTTLED past it). Sessions bound to receive are listed for
// the delivery pump (receipts and inbound messages).
//
// Threads: the sessions run on the endpoint's own I/O threads; sends are
// batched per SMPP account and run on worker threads, since the accept path
// blocks on its commit.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "channels/smpp/server.h"
#include "core/clock.h"
#include "core/result.h"
#include "messaging/service.h"
#include "smpp_server/deliveries.h"
#include "smpp_server/service.h"

namespace ujumbe::smpp_server {

struct EndpointOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 2775;  // 0: any free port
    std::size_t max_sessions = 256;
    // Per session: submits unanswered at once (a customer's window) before
    // ESME_RTHROTTLED, and the deliver_sm window.
    smpp::ServerSessionOptions session{
        .system_id = "ujumbe", .max_outstanding_submits = 1000, .deliver_window = 100};
    // Parts of concatenated submits wait this long for the rest.
    Micros reassembly_age = 60 * kMicrosPerSecond;
    std::size_t reassembly_messages = 1000;  // per session
    std::size_t batch = 1000;                // submits per accept call
    std::size_t io_threads = 2;
    std::size_t workers = 2;
    // Set: customers connect over TLS only (core/tls.h).
    std::shared_ptr<TlsCredentials> tls;
};

// "host:port" (the port may be 0) into the options' host and port.
Status parse_listen(const std::string& listen, EndpointOptions& options);

class Endpoint final : public ReceiverDirectory {
public:
    Endpoint(EndpointOptions options, Clock& clock, SmppAccountsService& accounts,
             messaging::MessagingService& messaging, Deliveries& deliveries);
    ~Endpoint() override;
    Endpoint(const Endpoint&) = delete;
    Endpoint& operator=(const Endpoint&) = delete;

    // Listens, and starts the I/O threads, the workers and the delivery pump.
    Status start();
    // Unbinds every session and stops every thread; idempotent.
    void stop();
    std::uint16_t port() const;
    // Ends the sessions bound with this SMPP account (it changed or is gone;
    // they may bind again under the new rules).
    void drop_sessions(const SmppAccountId& account);

    std::vector<SmppAccountId> accounts_with_receivers() const override;
    std::vector<std::shared_ptr<smpp::ServerSession>> receivers(
        const SmppAccountId& account) const override;

private:
    class Handler;
    struct Submit {
        std::shared_ptr<const SmppAccount> account;
        messaging::SendRequest request;
        int receipts = 0;  // registered_delivery & 3
        std::vector<smpp::SubmitReply> replies;
    };

    // Takes one submit (a rate token) for `account`; false when over its rate.
    bool take_token(const SmppAccount& account);
    void queue(Submit submit);
    void work();
    void run_batch(std::vector<Submit>& batch);
    void bound(const SmppAccount& account, std::weak_ptr<smpp::ServerSession> session);
    void sweep();

    EndpointOptions options_;
    Clock& clock_;
    SmppAccountsService& accounts_;
    messaging::MessagingService& messaging_;
    Deliveries& deliveries_;

    boost::asio::io_context io_;
    boost::asio::thread_pool binds_{2};  // bind checks read the database
    std::shared_ptr<smpp::Server> server_;
    std::vector<std::thread> io_threads_, workers_;
    bool started_ = false;
    std::atomic<bool> stopped_{false};

    std::mutex queue_mutex_;
    std::condition_variable queue_ready_;
    std::deque<Submit> queue_;
    bool stopping_ = false;

    struct Bucket {
        double tokens = 0;
        Micros at = 0;
    };
    std::mutex buckets_mutex_;
    std::map<std::string, Bucket> buckets_;  // per SMPP account

    mutable std::mutex receivers_mutex_;
    // Receiving sessions per SMPP account (closed ones pruned when read).
    std::map<std::string, std::vector<std::weak_ptr<smpp::ServerSession>>> receivers_;
    std::mutex handlers_mutex_;
    std::vector<std::weak_ptr<Handler>> handlers_;  // for the reassembly timer
};

}  // namespace ujumbe::smpp_server
