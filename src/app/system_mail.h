#pragma once
// The platform's own mail (password resets, invitations, email
// verification): sent through the gateway the operator marked `system` (an
// SMTP relay), otherwise written to the file outbox (<data dir>/outbox) and
// logged, so a server without a relay, `make run` included, still hands a
// new user the link. A mail the relay could not take now (down, 4xx) goes
// to the outbox too: it is never lost; one the relay refused for good (5xx)
// is logged. Sending does not wait for the relay: the mail is queued on the
// gateway's own thread.

#include "identity/file_outbox.h"
#include "identity/mailer.h"
#include "routing/registry.h"

namespace ujumbe::app {

class SystemMail final : public identity::Mailer {
public:
    SystemMail(routing::GatewayRegistry& gateways, identity::FileOutbox& outbox)
        : gateways_(gateways), outbox_(outbox) {}
    Status send(const identity::Mail& mail) override;

private:
    routing::GatewayRegistry& gateways_;
    identity::FileOutbox& outbox_;
};

}  // namespace ujumbe::app
