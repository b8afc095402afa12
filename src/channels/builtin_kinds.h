#pragma once
// The gateway kinds this build ships, for the app to register at start.

#include "channels/kind.h"

namespace ujumbe::channels {

void add_builtin_kinds(KindRegistry& kinds);

}  // namespace ujumbe::channels
