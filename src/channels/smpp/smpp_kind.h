#pragma once
// SMPP 3.4 client gateways as a gateway kind (see channels/kind.h).

#include <memory>

#include "channels/kind.h"

namespace ujumbe::channels {

std::shared_ptr<const GatewayKind> smpp_kind();

}  // namespace ujumbe::channels
