#pragma once
// A gateway over SMPP 3.4: several client sessions (binds) to one SMSC,
// each with its own window; the configured TPS is shared between them.
// Messages are encoded here (GSM 03.38 or UCS-2) and sent as one submit_sm,
// as concatenated parts with a UDH, or as one submit_sm with
// message_payload when the gateway is configured for it. deliver_sm from
// any session is a receipt (matched later by provider id) or an MO message.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "channels/gateway.h"
#include "channels/smpp/receipt.h"
#include "channels/smpp/session.h"
#include "core/result.h"

namespace ujumbe::channels {

struct SmppSettings {
    smpp::SessionOptions session;  // host, port, system_id, password, mode, window, ...
    int binds = 1;                 // sessions in `session.mode`
    int receiver_binds = 0;        // extra receivers (transmitter mode gets 1 by default)
    double tps = 0;                // for the whole gateway; 0: no limit
    std::uint8_t dest_ton = 1, dest_npi = 1;
    bool message_payload = false;  // long messages in one submit_sm with message_payload
    bool registered_delivery = true;
    smpp::IdBase response_ids = smpp::IdBase::kOpaque;
    smpp::IdBase receipt_ids = smpp::IdBase::kOpaque;
    // SMPP over TLS; the SMSC's certificate is checked against tls_ca (PEM)
    // or, when empty, the system's authorities (session.tls holds the context).
    bool tls = false;
    std::string tls_ca;
};

// Reads the gateway's settings (without the password) and secrets
// ({"password": ...}); errors name the field ("settings.port").
Result<SmppSettings> read_smpp_settings(const nlohmann::json& settings,
                                        const nlohmann::json& secrets);
// The settings as stored and shown (never the password).
nlohmann::json smpp_settings_json(const SmppSettings& s);

// True for submit_sm_resp statuses another gateway might not give
// (system error, queue full, throttled, submit failed).
bool is_retryable_status(std::uint32_t command_status);

class SmppGateway final : public Gateway {
public:
    SmppGateway(GatewayId id, SmppSettings settings, boost::asio::io_context& io,
                GatewayListener& listener);
    ~SmppGateway() override;

    const GatewayId& id() const override { return id_; }
    void start() override;
    void stop() override;
    bool available() const override;
    void submit(OutboundSms message, std::function<void(SubmitOutcome)> done) override;
    nlohmann::json status() const override;
    std::size_t capacity() const override { return settings_.session.window * sessions_.size(); }

private:
    class Handler;
    std::vector<smpp::ShortMessage> build_pdus(const OutboundSms& m, std::string* problem) const;
    std::shared_ptr<smpp::Session> pick_session() const;

    GatewayId id_;
    SmppSettings settings_;
    boost::asio::io_context& io_;
    GatewayListener& listener_;
    std::shared_ptr<Handler> handler_;  // shared with the sessions; outlives this
    std::vector<std::shared_ptr<smpp::Session>> sessions_;      // may submit
    std::vector<std::shared_ptr<smpp::Session>> all_sessions_;  // with receivers
    mutable std::atomic<std::size_t> next_{0};
    std::atomic<std::uint64_t> submitted_{0}, failed_{0}, receipts_{0}, inbound_{0};
    // Submits accepted over the last full second, for the live TPS figure.
    mutable std::atomic<std::int64_t> tps_second_{0};
    mutable std::atomic<std::uint64_t> tps_count_{0}, tps_last_{0};
    std::shared_ptr<std::string> last_error_;
    mutable std::mutex error_mutex_;
};

}  // namespace ujumbe::channels
