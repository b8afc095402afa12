#pragma once
// A live SMTP relay as a gateway of channel email: one connection, kept
// open and reused, driven by the gateway's own thread (libcurl blocks), at
// most `rate` mails a second. Each message is one mail; the relay's reply
// is its outcome: 250 accepted, 4xx retried later, 5xx final. After a
// connection failure the gateway rests a few seconds (not available) so
// the pipeline waits or fails over instead of hammering a dead relay.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "channels/gateway.h"
#include "channels/request_tally.h"
#include "channels/smtp/smtp_client.h"

namespace ujumbe::channels::smtp {

struct GatewaySettings {
    ServerSettings server;
    std::string from_address, from_name;
    double rate = 20;  // mails a second
    // The platform's own mail (password resets, invitations) goes out here.
    bool system = false;
};

// Reads settings and secrets as stored or sent by the admin; errors name
// the field ("settings.host").
Result<GatewaySettings> read_settings(const nlohmann::json& settings,
                                      const nlohmann::json& secrets);
nlohmann::json settings_json(const GatewaySettings& s);

// Outcome of one mail as the pipeline reads it.
PartOutcome mail_outcome(const SendResult& r, const std::string& provider_id);

class SmtpGateway final : public Gateway {
public:
    SmtpGateway(GatewayId id, GatewaySettings settings);
    ~SmtpGateway() override;

    const GatewayId& id() const override { return id_; }
    void start() override;
    void stop() override;
    bool available() const override;
    void submit(OutboundSms message, std::function<void(SubmitOutcome)> done) override;
    std::size_t capacity() const override { return kCapacity; }
    nlohmann::json status() const override;

private:
    static constexpr std::size_t kCapacity = 64;
    struct Pending {
        OutboundSms message;
        std::function<void(SubmitOutcome)> done;
    };
    void run();
    PartOutcome send_one(const OutboundSms& m, SmtpClient& client);

    const GatewayId id_;
    const GatewaySettings settings_;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Pending> queue_;
    bool started_ = false, stopping_ = false;
    std::atomic<std::int64_t> resting_until_ms_{0};
    RequestTally tally_;
};

}  // namespace ujumbe::channels::smtp
