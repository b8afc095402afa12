#pragma once
// What the identity module asks of the modules around it. The app connects
// each port once, when it builds the modules (app/modules.cc); a port left
// empty is simply not asked (tests of identity alone).

#include <cstdint>

#include "core/ids.h"
#include "core/result.h"
#include "db/connection.h"
#include "identity/mailer.h"
#include "identity/model.h"

namespace ujumbe::identity {

// Account rules owned by the plans and wallets above identity (billing).
class AccountPolicy {
public:
    virtual ~AccountPolicy() = default;
    // Runs in the transaction that creates a self-registered account (the
    // trial credit); its failure fails the registration.
    virtual Status registered(db::Connection& c, const Account& account) = 0;
    // Asked before a member is added, with the account's member count; an
    // error refuses the member (plan limits).
    virtual Status check_member_limit(const AccountId& account, std::int64_t current) = 0;
};

struct IdentityPorts {
    // Invitations and, later, password resets; without one, mails are
    // logged as not sent.
    Mailer* mailer = nullptr;
    AccountPolicy* accounts = nullptr;
};

}  // namespace ujumbe::identity
