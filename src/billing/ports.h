#pragma once
// What the billing module asks of the modules around it, connected once by
// the app (app/modules.cc); a port left empty is not asked.

#include <cstdint>

#include "core/clock.h"
#include "core/ids.h"
#include "core/result.h"

namespace ujumbe::billing {

// Counts other modules keep (messages, members, contacts), for usage;
// without one, usage shows spend only.
class UsageSource {
public:
    virtual ~UsageSource() = default;
    struct Messages {
        std::int64_t messages = 0, segments = 0, today = 0;
    };
    virtual Result<Messages> messages(const AccountId& account, Micros from, Micros until,
                                      Micros day_start) = 0;
    virtual Result<std::int64_t> users(const AccountId& account) = 0;
    virtual Result<std::int64_t> contacts(const AccountId& account) = 0;
};

struct BillingPorts {
    UsageSource* usage = nullptr;
};

}  // namespace ujumbe::billing
