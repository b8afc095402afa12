#pragma once
// Outgoing mail of the identity module (invitations; later password
// resets). The module only composes mails; how they travel is the
// Mailer's business: a file outbox until SMTP exists.

#include <string>

#include "core/result.h"

namespace ujumbe::identity {

struct Mail {
    std::string to;
    std::string subject;
    std::string body;
};

class Mailer {
public:
    virtual ~Mailer() = default;
    virtual Status send(const Mail& mail) = 0;
};

}  // namespace ujumbe::identity
