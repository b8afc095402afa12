// The caller's account and the child accounts of resellers and the platform.

#include "identity/passwords.h"
#include "identity/service.h"
#include "identity/store.h"

namespace ujumbe::identity {

namespace {

store::Paged paged(Page p) {
    return store::Paged{p.limit, p.offset};
}

Error username_taken() {
    Error e = Error::conflict("USERNAME_TAKEN", "This business username is already taken");
    e.errors["business_username"].push_back("This business username is already taken.");
    return e;
}

// Applies the fields present in `u`; checks a new username is free.
Status apply_update(db::Connection& c, Account& a, const AccountUpdate& u) {
    if (u.business_username && u.business_username != a.business_username) {
        UJ_ASSIGN(bool taken, store::username_taken(c, *u.business_username, a.id));
        if (taken) return username_taken();
        a.business_username = *u.business_username;
    }
    if (u.name) a.name = *u.name;
    if (u.business_name) a.business_name = *u.business_name;
    if (u.business_type) a.business_type = *u.business_type;
    if (u.contact_email) a.contact_email = *u.contact_email;
    if (u.contact_phone) a.contact_phone = *u.contact_phone;
    if (u.country) a.country = *u.country;
    if (u.default_country) a.default_country = *u.default_country;
    if (u.reseller_details) {
        if (a.type != AccountType::kReseller)
            return Error::invalid("reseller_details",
                                  "Only reseller accounts have reseller details.");
        a.reseller_details = *u.reseller_details;
    }
    if (u.clear_max_messages_per_day) a.max_messages_per_day.reset();
    if (u.max_messages_per_day) a.max_messages_per_day = *u.max_messages_per_day;
    return {};
}

}  // namespace

Status IdentityService::check_manager(const Principal& who) const {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins may do this");
    return {};
}

Result<Account> IdentityService::current_account(const Principal& who) {
    UJ_ASSIGN(auto account,
              db_.read([&](db::Connection& c) { return store::find_account(c, who.account_id); }));
    if (!account) return Error::not_found("Account");
    return std::move(*account);
}

Result<SendProfile> IdentityService::send_profile(const Principal& who) {
    const auto key = std::make_pair(who.account_id.value, who.user_id.value);
    if (who.settings_epoch)
        if (auto cached = send_profiles_.find(key, *who.settings_epoch)) return std::move(*cached);
    return db_.read([&](db::Connection& c) -> Result<SendProfile> {
        // A principal built without a credential check reads the epoch here.
        std::int64_t epoch = 0;
        if (who.settings_epoch) {
            epoch = *who.settings_epoch;
        } else {
            UJ_ASSIGN(epoch, db::settings_epoch(c));
            if (auto cached = send_profiles_.find(key, epoch)) return std::move(*cached);
        }
        UJ_ASSIGN(auto account, store::find_account(c, who.account_id));
        if (!account) return Error::not_found("Account");
        if (account->awaiting_verification && options_.require_email_verification)
            return Error::forbidden(
                "Verify your email address first: this account sends nothing until its owner "
                "does (POST /api/v1/auth/verify-email with the mailed token)",
                "EMAIL_NOT_VERIFIED");
        SendProfile out{std::move(*account), std::nullopt};
        UJ_ASSIGN(auto member, store::find_member(c, who.account_id, who.user_id));
        if (member) out.user_max_messages_per_day = member->membership.max_messages_per_day;
        send_profiles_.keep(key, epoch, out);
        return out;
    });
}

Result<Account> IdentityService::platform_account() {
    UJ_ASSIGN(auto account,
              db_.read([&](db::Connection& c) { return store::find_platform_account(c); }));
    if (!account) return Error::not_found("Account");
    return std::move(*account);
}

Result<Account> IdentityService::account_by_id(const AccountId& id) {
    UJ_ASSIGN(auto account,
              db_.read([&](db::Connection& c) { return store::find_account(c, id); }));
    if (!account) return Error::not_found("Account");
    return std::move(*account);
}

Result<Account> IdentityService::update_current_account(const Principal& who,
                                                        const AccountUpdate& update) {
    UJ_TRY(check_manager(who));
    if (update.max_messages_per_day || update.clear_max_messages_per_day)
        return Error::forbidden("The daily message cap is set by the parent account");
    if (update.require_2fa && who.role != Role::kOwner)
        return Error::forbidden("Only an owner may require two-factor sign-in");
    return db_.write([&](db::Connection& c) -> Result<Account> {
        UJ_ASSIGN(auto account, store::find_account(c, who.account_id));
        if (!account) return Error::not_found("Account");
        UJ_TRY(apply_update(c, *account, update));
        if (update.require_2fa && *update.require_2fa && !account->require_2fa) {
            // An owner who has not set it up would lock themselves in setup.
            UJ_ASSIGN(auto me, store::find_user(c, who.user_id));
            if (!me || !me->totp_enabled_at)
                return Error::refusal("require_2fa", "TWO_FACTOR_DISABLED",
                                      "Turn on your own two-factor sign-in first.");
        }
        if (update.require_2fa) account->require_2fa = *update.require_2fa;
        account->updated_at = clock_.now();
        UJ_TRY(store::update_account(c, *account));
        return std::move(*account);
    });
}

// The child account `id` when the caller may manage it: the platform admin
// any non-platform account, a reseller only its own clients. Else 404.
Result<Account> IdentityService::access_child(db::Connection& c, const Principal& who,
                                              const AccountId& id) {
    if (!is_uuid(id.value)) return Error::not_found("Account");
    UJ_ASSIGN(auto account, store::find_account(c, id));
    if (!account || account->type == AccountType::kPlatform) return Error::not_found("Account");
    const bool mine = account->parent_id && *account->parent_id == who.account_id;
    if (!mine && !who.is_platform_admin()) return Error::not_found("Account");
    return std::move(*account);
}

namespace {
Status check_parent(const Principal& who) {
    if (who.account_type == AccountType::kBusiness)
        return Error::forbidden("Business accounts have no child accounts");
    if (!who.can_manage()) return Error::forbidden("Only owners and admins may do this");
    return {};
}
}  // namespace

Result<CreatedChild> IdentityService::create_child(const Principal& who, const ChildInput& in) {
    UJ_TRY(check_parent(who));
    if (in.account_type == AccountType::kReseller && !who.is_platform_admin())
        return Error::forbidden("Only the platform creates reseller accounts");
    if (in.account_type != AccountType::kReseller && !in.reseller_details.is_null())
        return Error::invalid("reseller_details", "Only reseller accounts have reseller details.");
    UJ_ASSIGN(auto hash, this->hash(in.owner_password));
    const Micros now = clock_.now();
    return db_.write([&](db::Connection& c) -> Result<CreatedChild> {
        UJ_ASSIGN(bool taken, store::username_taken(c, in.business_username, AccountId{}));
        if (taken) return username_taken();
        UJ_ASSIGN(bool email_used, store::email_taken(c, in.owner_email, UserId{}));
        if (email_used) {
            Error e = Error::conflict("EMAIL_TAKEN", "A user with this email already exists");
            e.errors["owner.email"].push_back("A user with this email already exists.");
            return e;
        }
        Account a = new_account(in.account_type, in.business_name, now);
        a.parent_id = who.account_id;
        a.business_username = in.business_username;
        a.business_type = in.business_type;
        a.contact_email = in.contact_email;
        a.contact_phone = in.contact_phone;
        a.country = in.country;
        a.reseller_details = in.reseller_details;
        a.max_messages_per_day = in.max_messages_per_day;
        UJ_TRY(store::insert_account(c, a));
        User owner = new_user(in.owner_email, in.owner_name, hash, a.id, now);
        UJ_TRY(store::insert_user(c, owner));
        UJ_TRY(store::insert_membership(
            c, Membership{a.id, owner.id, Role::kOwner, true, std::nullopt, now, now}));
        return CreatedChild{std::move(a), std::move(owner)};
    });
}

Result<Listing<Account>> IdentityService::list_children(const Principal& who, const ChildQuery& q,
                                                        Page page) {
    UJ_TRY(check_parent(who));
    store::ChildFilter f;
    f.parent_id = who.account_id;
    f.search = q.search;
    f.status = q.status;
    f.type = q.type;
    UJ_ASSIGN(auto rows,
              db_.read([&](db::Connection& c) { return store::list_children(c, f, paged(page)); }));
    return Listing<Account>{std::move(rows.first), rows.second};
}

Result<Listing<RegisteredAccount>> IdentityService::list_accounts(const Principal& who,
                                                                  const ChildQuery& q, Page page) {
    if (!who.is_platform_admin()) return Error::forbidden("Only the platform admin lists accounts");
    store::ChildFilter f;  // no parent: every non-platform account
    f.search = q.search;
    f.status = q.status;
    f.type = q.type;
    return db_.read([&](db::Connection& c) -> Result<Listing<RegisteredAccount>> {
        UJ_ASSIGN(auto rows, store::list_children(c, f, paged(page)));
        Listing<RegisteredAccount> out{{}, rows.second};
        constexpr Micros kDay = 24 * 3600 * kMicrosPerSecond;
        for (auto& a : rows.first) {
            RegisteredAccount r{std::move(a), 0};
            if (r.account.registered_ip) {
                // The UTC day of the registration: trial-credit farming shows
                // as many accounts from one address in one day.
                const Micros day = r.account.created_at - r.account.created_at % kDay;
                UJ_ASSIGN(r.registrations_that_day,
                          store::count_registrations(c, *r.account.registered_ip, day, day + kDay));
            }
            out.items.push_back(std::move(r));
        }
        return out;
    });
}

Result<Account> IdentityService::get_child(const Principal& who, const AccountId& id) {
    UJ_TRY(check_parent(who));
    return db_.read([&](db::Connection& c) { return access_child(c, who, id); });
}

Result<Account> IdentityService::update_child(const Principal& who, const AccountId& id,
                                              const AccountUpdate& update) {
    UJ_TRY(check_parent(who));
    return db_.write([&](db::Connection& c) -> Result<Account> {
        UJ_ASSIGN(auto account, access_child(c, who, id));
        UJ_TRY(apply_update(c, account, update));
        account.updated_at = clock_.now();
        UJ_TRY(store::update_account(c, account));
        return account;
    });
}

Result<Account> IdentityService::set_child_status(const Principal& who, const AccountId& id,
                                                  const std::string& status) {
    UJ_TRY(check_parent(who));
    return db_.write([&](db::Connection& c) -> Result<Account> {
        UJ_ASSIGN(auto account, access_child(c, who, id));
        if (account.status == status)
            return Error::invalid_status(account.status,
                                         {status == "active" ? "suspended" : "active"});
        account.status = status;
        account.updated_at = clock_.now();
        UJ_TRY(store::update_account(c, account));
        return account;
    });
}

}  // namespace ujumbe::identity
