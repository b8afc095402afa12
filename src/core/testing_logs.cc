// Unit tests log only errors, so test output stays readable.

#include "core/log.h"

namespace {
const bool kQuietLogs = (ujumbe::log::set_level("error"), true);
}  // namespace
