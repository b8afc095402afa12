#include <utility>  // before Asio (g++ 12)

#include "app/system_mail.h"

#include "channels/email_content.h"
#include "core/log.h"

namespace ujumbe::app {

namespace {

// The mail's own fields are secrets (tokens): the log names its subject.
Status to_outbox(identity::FileOutbox& outbox, const identity::Mail& mail, const char* why) {
    auto written = outbox.send(mail);
    if (written)
        log::info("system mail written to the outbox", {{"subject", mail.subject}, {"why", why}});
    return written;
}

}  // namespace

Status SystemMail::send(const identity::Mail& mail) {
    auto gateway = gateways_.system_gateway();
    if (!gateway) return to_outbox(outbox_, mail, "no system mail gateway");
    if (!gateway->available()) return to_outbox(outbox_, mail, "the system mail gateway is down");
    channels::OutboundSms out;
    out.message_id = MessageId{new_uuid_v7()};
    out.to = mail.to;
    out.body = mail.body;
    out.content = channels::email_content_json({.subject = mail.subject});
    const GatewayId gateway_id = gateway->id();
    gateway->submit(
        std::move(out), [&outbox = outbox_, mail, gateway_id](channels::SubmitOutcome outcome) {
            const auto& part = outcome.parts.at(0);
            if (part.accepted) {
                log::info("system mail sent", {{"subject", mail.subject},
                                               {"gateway_id", gateway_id.value},
                                               {"provider_id", part.provider_id}});
                return;
            }
            if (part.retryable) {
                log::warn("system mail not taken by the relay",
                          {{"gateway_id", gateway_id.value}, {"error", part.error_code}});
                if (auto kept = to_outbox(outbox, mail, "the relay did not take it"); !kept)
                    log::error("system mail lost", {{"error", kept.error().message}});
                return;
            }
            log::error("system mail refused", {{"gateway_id", gateway_id.value},
                                               {"error", part.error_code},
                                               {"detail", part.error_message}});
        });
    return {};
}

}  // namespace ujumbe::app
