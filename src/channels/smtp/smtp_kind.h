#pragma once

#include <memory>

#include "channels/kind.h"

namespace ujumbe::channels {

// Kind "smtp": an SMTP relay for channel email (smtp/smtp_gateway.h).
std::shared_ptr<const GatewayKind> smtp_kind();

}  // namespace ujumbe::channels
