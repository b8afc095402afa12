#include <utility>  // before Asio (g++ 12)

#include "channels/http_provider/http_kind.h"

#include <future>

#include "channels/http_provider/http_gateway.h"

namespace ujumbe::channels {

namespace {

using json = nlohmann::json;

class HttpKind final : public GatewayKind {
public:
    std::string_view name() const override { return "http"; }
    std::vector<std::string> secret_fields() const override {
        return {"password", "token", "api_key", "hook_secret"};
    }
    Result<json> canonical_settings(const json& settings, const json& secrets) const override {
        UJ_ASSIGN(auto s, read_provider_settings(settings, secrets));
        return provider_settings_json(s);
    }
    Result<std::shared_ptr<Gateway>> create(const GatewaySpec& spec, boost::asio::io_context& io,
                                            GatewayListener& listener) const override {
        UJ_ASSIGN(auto s, read_provider_settings(spec.settings, spec.secrets));
        return std::shared_ptr<Gateway>(std::make_shared<HttpGateway>(spec.id, s, io, listener));
    }
    // Reaches the provider's host (no message is sent): connects, and for
    // https completes the TLS handshake, with a HEAD of the API's URL.
    json probe(const GatewaySpec& spec, boost::asio::io_context& io) const override {
        auto s = read_provider_settings(spec.settings, spec.secrets);
        if (!s) return {{"ok", false}, {"detail", s.error().message}};
        auto client = HttpClient::create(
            io, {.timeout = std::chrono::milliseconds(std::min(s->timeout_ms, 10000))});
        auto promise = std::make_shared<std::promise<HttpAnswer>>();
        auto answer = promise->get_future();
        HttpRequest head;
        head.method = "HEAD";
        head.url = provider_request(*s, {}).url;
        client->send(std::move(head),
                     [promise](HttpAnswer a) { promise->set_value(std::move(a)); });
        if (answer.wait_for(std::chrono::seconds(15)) != std::future_status::ready)
            return {{"ok", false}, {"detail", "no answer in time"}};
        const auto a = answer.get();
        client->close();
        if (!a.answered) return {{"ok", false}, {"detail", a.error}};
        return {{"ok", true},
                {"detail", "the provider answered HTTP " + std::to_string(a.status)},
                {"http_status", a.status}};
    }
};

}  // namespace

std::shared_ptr<const GatewayKind> http_kind() {
    return std::make_shared<HttpKind>();
}

}  // namespace ujumbe::channels
