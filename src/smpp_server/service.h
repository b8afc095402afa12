#pragma once
// SMPP accounts: the credentials an account's systems bind to the SMPP
// server with (system_id and a password shown once), what each may do
// (binds, addresses, throughput), and the check a bind goes through.
// Owners and admins manage their account's; the platform admin sees all.

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/principal.h"
#include "core/result.h"
#include "db/database.h"
#include "db/store_support.h"
#include "smpp_server/model.h"

namespace ujumbe::smpp_server {

// Why a bind is refused, in the terms of its bind_resp.
enum class BindRefusal {
    kUnknownSystemId,  // ESME_RINVSYSID
    kWrongPassword,    // ESME_RINVPASWD
    kNotAllowed,       // ESME_RBINDFAIL: inactive, bind kind, address, throttled
};

struct BindCheck {
    std::optional<SmppAccount> account;  // set when the bind may go on
    BindRefusal refusal = BindRefusal::kNotAllowed;
    std::string why;  // for the log, never for the peer
};

class SmppAccountsService {
public:
    // `secret` seals the passwords; `account_active` tells whether the
    // account may send now (not suspended).
    // `changed` hears of an SMPP account updated or deleted (its bound
    // sessions are ended).
    SmppAccountsService(db::Database& db, Clock& clock, std::string secret,
                        std::function<bool(const AccountId&)> account_active,
                        std::function<void(const SmppAccountId&)> changed = {});

    Result<IssuedCredential> create(const Principal& who, const SmppAccountInput& in);
    Result<db::Listing<SmppAccount>> list(const Principal& who, const db::Paged& page);
    Result<SmppAccount> get(const Principal& who, const SmppAccountId& id);
    Result<SmppAccount> update(const Principal& who, const SmppAccountId& id,
                               const SmppAccountInput& in);
    Status remove(const Principal& who, const SmppAccountId& id);
    // A new password; the old one stops working at once (bound sessions stay).
    Result<IssuedCredential> reset_password(const Principal& who, const SmppAccountId& id);
    // Deliveries waiting for the account's receivers.
    Result<std::int64_t> pending_deliveries(const Principal& who, const SmppAccountId& id);

    // A bind from `address` (no port). Five failures for one system_id from
    // one address within a minute refuse its binds from there for a minute.
    BindCheck check_bind(const std::string& system_id, const std::string& password,
                         const std::string& address, BindKind kind);

private:
    Status check_manager(const Principal& who) const;
    bool throttled(const std::string& key, Micros now);
    void count_failure(const std::string& key, Micros now);

    db::Database& db_;
    Clock& clock_;
    std::string secret_;
    std::function<bool(const AccountId&)> account_active_;
    std::function<void(const SmppAccountId&)> changed_;
    std::mutex failures_mutex_;
    // "system_id|address" -> (failures, first failure)
    std::map<std::string, std::pair<int, Micros>> failures_;
};

// Whether `address` is in one of `allowed` (addresses and CIDR blocks,
// IPv4 or IPv6); an empty list allows every address.
bool address_allowed(const std::vector<std::string>& allowed, const std::string& address);
// Whether `entry` is an address or a CIDR block address_allowed reads.
bool valid_allow_entry(const std::string& entry);

}  // namespace ujumbe::smpp_server
