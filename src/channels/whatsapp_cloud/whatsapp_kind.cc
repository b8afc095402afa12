#include <utility>  // before Asio (g++ 12)

#include "channels/whatsapp_cloud/whatsapp_kind.h"

#include "channels/whatsapp_cloud/whatsapp_gateway.h"

namespace ujumbe::channels {

namespace {

using json = nlohmann::json;

class WhatsAppKind final : public GatewayKind {
public:
    std::string_view name() const override { return "whatsapp"; }
    std::vector<std::string> secret_fields() const override { return {"access_token"}; }
    Result<json> canonical_settings(const json& settings, const json& secrets) const override {
        UJ_ASSIGN(auto s, whatsapp::read_number_settings(settings, secrets));
        return whatsapp::number_settings_json(s);
    }
    Result<std::shared_ptr<Gateway>> create(const GatewaySpec& spec, boost::asio::io_context& io,
                                            GatewayListener&) const override {
        UJ_ASSIGN(auto s, whatsapp::read_number_settings(spec.settings, spec.secrets));
        return std::shared_ptr<Gateway>(std::make_shared<whatsapp::NumberGateway>(spec.id, s, io));
    }
    // Asks the Graph API for the number with the token (nothing is sent).
    json probe(const GatewaySpec& spec, boost::asio::io_context& io) const override {
        auto s = whatsapp::read_number_settings(spec.settings, spec.secrets);
        if (!s) return {{"ok", false}, {"detail", s.error().message}};
        whatsapp::GraphClient graph(io, s->graph);
        auto answer = graph.phone_number(s->phone_number_id, s->access_token);
        if (const auto* e = std::get_if<whatsapp::GraphError>(&answer))
            return {{"ok", false}, {"detail", e->message}, {"code", e->code}};
        const auto& p = std::get<whatsapp::PhoneNumberProfile>(answer);
        return {{"ok", true},
                {"detail", "the Graph API knows " + p.display_phone_number},
                {"quality_rating", p.quality_rating}};
    }
};

}  // namespace

std::shared_ptr<const GatewayKind> whatsapp_kind() {
    return std::make_shared<WhatsAppKind>();
}

}  // namespace ujumbe::channels
