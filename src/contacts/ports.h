#pragma once
// What the contacts module asks of the modules around it, connected once by
// the app (app/modules.cc); a port left empty is not asked.

#include <cstdint>

#include "core/ids.h"
#include "core/result.h"

namespace ujumbe::contacts {

// The plan limit on contacts, owned by billing.
class ContactPolicy {
public:
    virtual ~ContactPolicy() = default;
    // Asked before a new contact is created (and before an import starts)
    // with the account's contact count; an error refuses it.
    virtual Status check_contact_limit(const AccountId& account, std::int64_t current) = 0;
};

// Whoever runs queued imports (contacts::Importer), told when one is queued.
class ImportSignal {
public:
    virtual ~ImportSignal() = default;
    virtual void import_queued() = 0;
};

struct ContactsPorts {
    ContactPolicy* limits = nullptr;
    ImportSignal* imports = nullptr;  // without one, imports wait for the runner's poll
};

}  // namespace ujumbe::contacts
