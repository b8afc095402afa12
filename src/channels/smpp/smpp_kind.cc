#include <utility>  // before Asio (g++ 12)

#include "channels/smpp/smpp_kind.h"

#include <future>
#include <mutex>

#include "channels/smpp/smpp_gateway.h"

namespace ujumbe::channels {

namespace {

using json = nlohmann::json;

// A session that binds once to tell whether it can.
class BindProbe final : public smpp::SessionHandler {
public:
    void on_deliver(const smpp::ShortMessage&, Respond respond) override {
        // Nothing is matched here: have it delivered again to the live gateway.
        respond(smpp::status::kRxTAppn);
    }
    void on_state(smpp::SessionState state, const std::string& detail) override {
        std::lock_guard lock(mutex_);
        if (answered_) return;
        if (state == smpp::SessionState::kBound) {
            answered_ = true;
            promise_.set_value({true, "bound"});
        } else if (!detail.empty()) {
            answered_ = true;
            promise_.set_value({false, detail});
        }
    }
    std::future<std::pair<bool, std::string>> future() { return promise_.get_future(); }

private:
    std::mutex mutex_;
    bool answered_ = false;
    std::promise<std::pair<bool, std::string>> promise_;
};

class SmppKind final : public GatewayKind {
public:
    std::string_view name() const override { return "smpp"; }
    std::vector<std::string> secret_fields() const override { return {"password"}; }
    Result<json> canonical_settings(const json& settings, const json& secrets) const override {
        UJ_ASSIGN(auto s, read_smpp_settings(settings, secrets));
        return smpp_settings_json(s);
    }
    Result<std::shared_ptr<Gateway>> create(const GatewaySpec& spec, boost::asio::io_context& io,
                                            GatewayListener& listener) const override {
        UJ_ASSIGN(auto settings, read_smpp_settings(spec.settings, spec.secrets));
        return std::shared_ptr<Gateway>(
            std::make_shared<SmppGateway>(spec.id, settings, io, listener));
    }
    json probe(const GatewaySpec& spec, boost::asio::io_context& io) const override {
        auto settings = read_smpp_settings(spec.settings, spec.secrets);
        if (!settings) return {{"ok", false}, {"detail", settings.error().message}};
        auto options = settings->session;
        options.reconnect_min = options.reconnect_max = std::chrono::milliseconds(60'000);
        auto probe = std::make_shared<BindProbe>();
        auto answer = probe->future();
        auto session = smpp::Session::create(io, options, probe);
        session->start();
        const auto limit = std::min<std::chrono::milliseconds>(
            options.response_timeout + std::chrono::milliseconds(5000),
            std::chrono::milliseconds(20000));
        std::pair<bool, std::string> outcome{false, "no answer within the response timeout"};
        if (answer.wait_for(limit) == std::future_status::ready) outcome = answer.get();
        session->stop();
        return {{"ok", outcome.first},
                {"bind_mode", spec.settings.value("bind_mode", "transceiver")},
                {"detail", outcome.second}};
    }
};

}  // namespace

std::shared_ptr<const GatewayKind> smpp_kind() {
    return std::make_shared<SmppKind>();
}

}  // namespace ujumbe::channels
