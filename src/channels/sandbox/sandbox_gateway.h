#pragma once
// The sandbox gateway: takes every message at once and, after a configured
// delay, reports a receipt per part, delivered for a configured share of
// messages and failed with one of the configured codes otherwise (a
// receipt the listener cannot take now comes again a second later). Which
// messages fail is decided by a hash of the message id, so a run repeats.
// For `make run`, demos and tests; it sends nothing anywhere.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "channels/gateway.h"
#include "core/result.h"

namespace ujumbe::channels {

struct SandboxSettings {
    std::int64_t delivered_per_million = 1'000'000;  // delivery_ratio 0..1 in millionths
    std::int64_t receipt_delay_ms = 200;             // -1: no receipts
    std::string failure_status = "undelivered";      // undelivered | expired | rejected
    std::vector<std::string> failure_codes = {"001"};
};

// Reads and checks the gateway's `settings` object; errors name the field
// (prefixed "settings.").
Result<SandboxSettings> read_sandbox_settings(const nlohmann::json& settings);
nlohmann::json sandbox_settings_json(const SandboxSettings& s);

class SandboxGateway final : public Gateway {
public:
    SandboxGateway(GatewayId id, SandboxSettings settings, boost::asio::io_context& io,
                   GatewayListener& listener);

    const GatewayId& id() const override { return id_; }
    void start() override {}
    void stop() override { stopped_ = true; }
    bool available() const override { return !stopped_; }
    void submit(OutboundSms message, std::function<void(SubmitOutcome)> done) override;
    nlohmann::json status() const override;
    std::size_t capacity() const override { return 10'000; }

    // True when the message with this id is one the sandbox delivers.
    bool delivers(const std::string& message_id) const;

private:
    // Gives the listener a receipt, again later when it cannot take it now.
    void report(ReceiptReport receipt);

    GatewayId id_;
    SandboxSettings settings_;
    boost::asio::io_context& io_;
    GatewayListener& listener_;
    std::string id_prefix_;
    std::atomic<bool> stopped_{false};
    std::atomic<std::uint64_t> next_id_{1}, submitted_{0}, receipts_{0};
};

}  // namespace ujumbe::channels
