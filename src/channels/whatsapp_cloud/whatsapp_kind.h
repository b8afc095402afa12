#pragma once
// The "whatsapp" gateway kind: an account's WhatsApp Cloud API number. The
// conversations module makes one per connected channel (decision 0036);
// routing sends an account's WhatsApp messages through its own.

#include <memory>

#include "channels/kind.h"

namespace ujumbe::channels {

std::shared_ptr<const GatewayKind> whatsapp_kind();

}  // namespace ujumbe::channels
