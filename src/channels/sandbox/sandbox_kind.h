#pragma once
// The sandbox as a gateway kind (see channels/kind.h).

#include <memory>

#include "channels/kind.h"

namespace ujumbe::channels {

std::shared_ptr<const GatewayKind> sandbox_kind();

}  // namespace ujumbe::channels
