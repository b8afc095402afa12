#include "channels/sandbox/sandbox_kind.h"

#include "channels/sandbox/sandbox_gateway.h"

namespace ujumbe::channels {

namespace {

using json = nlohmann::json;

class SandboxKind final : public GatewayKind {
public:
    std::string_view name() const override { return "sandbox"; }
    Result<json> canonical_settings(const json& settings, const json&) const override {
        UJ_ASSIGN(auto s, read_sandbox_settings(settings));
        return sandbox_settings_json(s);
    }
    json default_settings() const override { return sandbox_settings_json({}); }
    Result<std::shared_ptr<Gateway>> create(const GatewaySpec& spec, boost::asio::io_context& io,
                                            GatewayListener& listener) const override {
        UJ_ASSIGN(auto settings, read_sandbox_settings(spec.settings));
        return std::shared_ptr<Gateway>(
            std::make_shared<SandboxGateway>(spec.id, settings, io, listener));
    }
    json probe(const GatewaySpec&, boost::asio::io_context&) const override {
        return {{"ok", true}, {"detail", "The sandbox takes every message and sends nothing."}};
    }
};

}  // namespace

std::shared_ptr<const GatewayKind> sandbox_kind() {
    return std::make_shared<SandboxKind>();
}

}  // namespace ujumbe::channels
