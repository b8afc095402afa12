#pragma once
// A live HTTP SMS provider: each message is one request (the provider
// splits long text itself), at most `concurrency` in flight and `tps` a
// second; the answer becomes the part's outcome; the provider's callbacks
// become receipts and inbound messages for the listener.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "channels/gateway.h"
#include "channels/http_client.h"
#include "channels/http_provider/provider.h"
#include "channels/request_tally.h"

namespace ujumbe::channels {

class HttpGateway final : public Gateway {
public:
    HttpGateway(GatewayId id, ProviderSettings settings, boost::asio::io_context& io,
                GatewayListener& listener);
    ~HttpGateway() override;

    const GatewayId& id() const override { return id_; }
    void start() override;
    void stop() override;
    bool available() const override { return started_ && !stopped_; }
    void submit(OutboundSms message, std::function<void(SubmitOutcome)> done) override;
    std::size_t capacity() const override;
    nlohmann::json status() const override;
    Result<std::size_t> on_callback(const ProviderCallback& cb) override;

private:
    struct Pending {
        OutboundSms message;
        std::function<void(SubmitOutcome)> done;
    };
    // Sends what the limits allow now; on the strand.
    void pump();
    void send(Pending p);

    const GatewayId id_;
    const ProviderSettings settings_;
    boost::asio::io_context& io_;
    GatewayListener& listener_;
    boost::asio::strand<boost::asio::io_context::executor_type> strand_;
    boost::asio::steady_timer refill_;
    std::shared_ptr<HttpClient> client_;
    std::atomic<bool> started_{false}, stopped_{false};

    // On the strand.
    std::deque<Pending> queue_;
    std::size_t in_flight_ = 0;
    double tokens_ = 0;
    std::chrono::steady_clock::time_point refilled_{};
    bool refill_waiting_ = false;

    // Figures for status(), any thread.
    RequestTally tally_;
    std::atomic<std::uint64_t> reports_{0};
};

}  // namespace ujumbe::channels
