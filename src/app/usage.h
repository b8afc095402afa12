#pragma once
// What billing's usage figures read from the other modules: messages and
// segments sent, members, contacts.

#include "billing/model.h"
#include "contacts/service.h"
#include "identity/service.h"
#include "messaging/service.h"

namespace ujumbe::app {

class ModuleUsage final : public billing::UsageSource {
public:
    ModuleUsage(messaging::MessagingService& messaging, identity::IdentityService& identity,
                contacts::ContactsService& contacts)
        : messaging_(messaging), identity_(identity), contacts_(contacts) {}

    Result<Messages> messages(const AccountId& account, Micros from, Micros until,
                              Micros day_start) override;
    Result<std::int64_t> users(const AccountId& account) override;
    Result<std::int64_t> contacts(const AccountId& account) override;

private:
    messaging::MessagingService& messaging_;
    identity::IdentityService& identity_;
    contacts::ContactsService& contacts_;
};

}  // namespace ujumbe::app
