#include <utility>  // before Asio (g++ 12)

#include "channels/smtp/smtp_kind.h"

#include "channels/smtp/smtp_gateway.h"

namespace ujumbe::channels {

namespace {

using json = nlohmann::json;

class SmtpKind final : public GatewayKind {
public:
    std::string_view name() const override { return "smtp"; }
    std::vector<std::string> secret_fields() const override { return {"password"}; }
    Result<json> canonical_settings(const json& settings, const json& secrets) const override {
        UJ_ASSIGN(auto s, smtp::read_settings(settings, secrets));
        return smtp::settings_json(s);
    }
    Result<std::shared_ptr<Gateway>> create(const GatewaySpec& spec, boost::asio::io_context&,
                                            GatewayListener&) const override {
        UJ_ASSIGN(auto s, smtp::read_settings(spec.settings, spec.secrets));
        return std::shared_ptr<Gateway>(std::make_shared<smtp::SmtpGateway>(spec.id, s));
    }
    // Greets the relay (STARTTLS and AUTH as set) and says NOOP: no mail.
    json probe(const GatewaySpec& spec, boost::asio::io_context&) const override {
        auto s = smtp::read_settings(spec.settings, spec.secrets);
        if (!s) return {{"ok", false}, {"detail", s.error().message}};
        auto server = s->server;
        server.timeout = std::min(server.timeout, std::chrono::seconds(10));
        smtp::SmtpClient client(server);
        const auto r = client.check();
        if (!r.accepted) return {{"ok", false}, {"detail", r.error}, {"smtp_code", r.code}};
        return {{"ok", true},
                {"detail", "the relay accepted the greeting" +
                               std::string(server.username.empty() ? "" : " and the login")},
                {"smtp_code", r.code}};
    }
};

}  // namespace

std::shared_ptr<const GatewayKind> smtp_kind() {
    return std::make_shared<SmtpKind>();
}

}  // namespace ujumbe::channels
