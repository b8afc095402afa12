#include "smpp_server/service.h"

#include "core/address_blocks.h"
#include "core/crypto.h"
#include "core/ids.h"
#include "smpp_server/store.h"

namespace ujumbe::smpp_server {

namespace {

constexpr int kMaxFailures = 5;
constexpr Micros kFailureWindow = 60 * kMicrosPerSecond;
constexpr std::size_t kMaxTracked = 10000;  // (system_id, address) pairs with failures
// SMPP passwords are C-Octet strings of at most 8 characters.
constexpr std::size_t kPasswordLength = 8;

std::string new_password() {
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    std::string out;
    while (out.size() < kPasswordLength) {
        unsigned char byte = 0;
        random_fill(&byte, 1);
        // Rejection sampling keeps every character equally likely.
        if (byte >= 256 - 256 % kAlphabet.size()) continue;
        out += kAlphabet[byte % kAlphabet.size()];
    }
    return out;
}

// 1-15 printable ASCII characters without spaces (a C-Octet String of 16).
bool valid_system_id(const std::string& s) {
    if (s.empty() || s.size() > 15) return false;
    for (char ch : s)
        if (ch <= ' ' || ch > '~') return false;
    return true;
}

Error system_id_taken() {
    return Error::conflict("SYSTEM_ID_TAKEN", "Another SMPP account has this system_id.");
}

}  // namespace

bool valid_allow_entry(const std::string& entry) {
    return entry.size() <= 64 && parse_address_block(entry).has_value();
}

bool address_allowed(const std::vector<std::string>& allowed, const std::string& address) {
    return address_in_blocks(allowed, address);
}

SmppAccountsService::SmppAccountsService(db::Database& db, Clock& clock, std::string secret,
                                         std::function<bool(const AccountId&)> account_active,
                                         std::function<void(const SmppAccountId&)> changed)
    : db_(db),
      clock_(clock),
      secret_(std::move(secret)),
      account_active_(std::move(account_active)),
      changed_(std::move(changed)) {}

Status SmppAccountsService::check_manager(const Principal& who) const {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins manage SMPP accounts");
    return {};
}

Result<IssuedCredential> SmppAccountsService::create(const Principal& who,
                                                     const SmppAccountInput& in) {
    UJ_TRY(check_manager(who));
    if (!in.system_id || !valid_system_id(*in.system_id))
        return Error::invalid("system_id", "1 to 15 printable characters without spaces.");
    SmppAccount a;
    const Micros now = clock_.now();
    a.id = SmppAccountId{new_uuid_v7(now)};
    a.account_id = who.account_id;
    a.user_id = who.user_id;
    a.system_id = *in.system_id;
    a.binds = in.binds.value_or(
        std::vector<BindKind>{BindKind::kTransmitter, BindKind::kReceiver, BindKind::kTransceiver});
    a.allowed_ips = in.allowed_ips.value_or(std::vector<std::string>{});
    a.throughput = in.throughput.value_or(100);
    a.is_active = in.is_active.value_or(true);
    a.created_at = a.updated_at = now;
    IssuedCredential issued{a, new_password()};
    const std::string sealed = seal_secret(secret_, issued.password);
    UJ_TRY(db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto existing, store::find_by_system_id(c, a.system_id));
        if (existing) return system_id_taken();
        return store::insert_account(c, a, sealed);
    }));
    return issued;
}

Result<db::Listing<SmppAccount>> SmppAccountsService::list(const Principal& who,
                                                           const db::Paged& page) {
    UJ_TRY(check_manager(who));
    return db_.read(
        [&](db::Connection& c) { return store::list_accounts(c, who.visible_accounts(), page); });
}

Result<SmppAccount> SmppAccountsService::get(const Principal& who, const SmppAccountId& id) {
    UJ_TRY(check_manager(who));
    UJ_ASSIGN(auto found, db_.read([&](db::Connection& c) {
        return store::find_account(c, who.visible_accounts(), id);
    }));
    if (!found) return Error::not_found("SMPP account");
    return std::move(found->account);
}

Result<SmppAccount> SmppAccountsService::update(const Principal& who, const SmppAccountId& id,
                                                const SmppAccountInput& in) {
    UJ_TRY(check_manager(who));
    if (in.system_id && !valid_system_id(*in.system_id))
        return Error::invalid("system_id", "1 to 15 printable characters without spaces.");
    auto updated = db_.write([&](db::Connection& c) -> Result<SmppAccount> {
        UJ_ASSIGN(auto found, store::find_account(c, who.visible_accounts(), id));
        if (!found) return Error::not_found("SMPP account");
        SmppAccount a = std::move(found->account);
        if (in.system_id && *in.system_id != a.system_id) {
            UJ_ASSIGN(auto other, store::find_by_system_id(c, *in.system_id));
            if (other) return system_id_taken();
            a.system_id = *in.system_id;
        }
        if (in.binds) a.binds = *in.binds;
        if (in.allowed_ips) a.allowed_ips = *in.allowed_ips;
        if (in.throughput) a.throughput = *in.throughput;
        if (in.is_active) a.is_active = *in.is_active;
        a.updated_at = clock_.now();
        UJ_ASSIGN(bool updated, store::update_account(c, a));
        if (!updated) return Error::not_found("SMPP account");
        return a;
    });
    if (updated && changed_) changed_(id);
    return updated;
}

Status SmppAccountsService::remove(const Principal& who, const SmppAccountId& id) {
    UJ_TRY(check_manager(who));
    UJ_ASSIGN(bool deleted, db_.write([&](db::Connection& c) {
        return store::delete_account(c, who.visible_accounts(), id);
    }));
    if (!deleted) return Error::not_found("SMPP account");
    if (changed_) changed_(id);
    return {};
}

Result<IssuedCredential> SmppAccountsService::reset_password(const Principal& who,
                                                             const SmppAccountId& id) {
    UJ_TRY(check_manager(who));
    IssuedCredential issued;
    issued.password = new_password();
    const std::string sealed = seal_secret(secret_, issued.password);
    UJ_TRY(db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto found, store::find_account(c, who.visible_accounts(), id));
        if (!found) return Error::not_found("SMPP account");
        issued.account = std::move(found->account);
        issued.account.updated_at = clock_.now();
        UJ_ASSIGN(bool set, store::set_password(c, id, sealed, issued.account.updated_at));
        if (!set) return Error::not_found("SMPP account");
        return {};
    }));
    return issued;
}

Result<std::int64_t> SmppAccountsService::pending_deliveries(const Principal& who,
                                                             const SmppAccountId& id) {
    UJ_TRY(get(who, id));
    return db_.read([&](db::Connection& c) { return store::count_deliveries(c, id); });
}

bool SmppAccountsService::throttled(const std::string& key, Micros now) {
    std::lock_guard lock(failures_mutex_);
    auto it = failures_.find(key);
    if (it == failures_.end()) return false;
    if (now - it->second.second >= kFailureWindow) {
        failures_.erase(it);
        return false;
    }
    return it->second.first >= kMaxFailures;
}

void SmppAccountsService::count_failure(const std::string& key, Micros now) {
    std::lock_guard lock(failures_mutex_);
    // Bounded: past this many, expired windows go, then the oldest one.
    if (failures_.size() >= kMaxTracked && !failures_.count(key)) {
        for (auto it = failures_.begin(); it != failures_.end();)
            it = now - it->second.second >= kFailureWindow ? failures_.erase(it) : std::next(it);
        if (failures_.size() >= kMaxTracked)
            failures_.erase(std::min_element(
                failures_.begin(), failures_.end(),
                [](const auto& a, const auto& b) { return a.second.second < b.second.second; }));
    }
    auto& entry = failures_[key];
    if (entry.first == 0 || now - entry.second >= kFailureWindow) entry = {0, now};
    ++entry.first;
}

BindCheck SmppAccountsService::check_bind(const std::string& system_id, const std::string& password,
                                          const std::string& address, BindKind kind) {
    const Micros now = clock_.now();
    const std::string key = system_id + "|" + address;
    BindCheck out;
    if (throttled(key, now)) {
        out.why = "too many failed binds";
        return out;
    }
    auto found =
        db_.read([&](db::Connection& c) { return store::find_by_system_id(c, system_id); });
    if (!found) {
        out.why = "store: " + found.error().message;
        return out;
    }
    if (!*found) {
        count_failure(key, now);
        out.refusal = BindRefusal::kUnknownSystemId;
        out.why = "unknown system_id";
        return out;
    }
    const auto& stored = **found;
    const auto opened = open_secret(secret_, stored.sealed_password);
    if (!opened || !constant_time_equal(*opened, password)) {
        count_failure(key, now);
        out.refusal = BindRefusal::kWrongPassword;
        out.why = "wrong password";
        return out;
    }
    const auto& a = stored.account;
    if (!a.is_active) {
        out.why = "the SMPP account is not active";
        return out;
    }
    if (std::find(a.binds.begin(), a.binds.end(), kind) == a.binds.end()) {
        out.why = std::string("a ") + bind_name(kind) + " bind is not allowed";
        return out;
    }
    if (!address_allowed(a.allowed_ips, address)) {
        out.why = "address " + address + " is not allowed";
        return out;
    }
    if (account_active_ && !account_active_(a.account_id)) {
        out.why = "the account is not active";
        return out;
    }
    out.account = a;
    return out;
}

}  // namespace ujumbe::smpp_server
