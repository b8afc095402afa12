#pragma once
// The "http" gateway kind: SMS through an HTTP provider's API
// (docs/http-providers.md), with presets for common provider shapes.

#include <memory>

#include "channels/kind.h"

namespace ujumbe::channels {

std::shared_ptr<const GatewayKind> http_kind();

}  // namespace ujumbe::channels
