// The operator's console (`ujumbe admin`): what it does to users and
// memberships directly, outside the sign-in and invitation flows.

#include "core/validate.h"
#include "identity/service.h"
#include "identity/store.h"

namespace ujumbe::identity {

namespace {

Error already_member() {
    return Error::conflict("ALREADY_MEMBER", "That user is a member of the account already");
}

// The user with `email`, created with `password_hash` when there is none.
Result<OperatorUser> user_for(db::Connection& c, const std::string& email, const std::string& name,
                              const std::string& password_hash, const AccountId& home, Micros now) {
    UJ_ASSIGN(auto found, store::find_user_by_email(c, email));
    if (found) return OperatorUser{std::move(*found), false};
    User u = new_user(email, name, password_hash, home, now);
    u.email_verified_at = now;  // the operator vouches for the address
    UJ_TRY(store::insert_user(c, u));
    return OperatorUser{std::move(u), true};
}

Status check_email(const std::string& email) {
    if (!is_valid_email(email)) return Error::invalid("email", "Must be an email address.");
    return {};
}

}  // namespace

Result<Principal> IdentityService::owner_principal(const AccountId& account) {
    return db_.read([&](db::Connection& c) -> Result<Principal> {
        UJ_ASSIGN(auto a, store::find_account(c, account));
        if (!a) return Error::not_found("Account");
        UJ_ASSIGN(auto owners,
                  store::list_members(c, account, {.role = Role::kOwner, .is_active = true},
                                      store::Paged{1, 0}));
        if (owners.first.empty())
            return Error::conflict("NO_OWNER", "The account has no active owner");
        Principal p;
        p.user_id = owners.first.front().user.id;
        p.account_id = a->id;
        p.role = Role::kOwner;
        p.account_type = a->type;
        return p;
    });
}

Result<Principal> IdentityService::platform_principal() {
    UJ_ASSIGN(auto platform,
              db_.read([](db::Connection& c) { return store::find_platform_account(c); }));
    if (!platform) return Error::not_found("Platform account");
    return owner_principal(platform->id);
}

Result<OperatorUser> IdentityService::add_platform_admin(const std::string& email,
                                                         const std::string& name,
                                                         const std::string& password) {
    UJ_TRY(check_email(email));
    UJ_ASSIGN(auto hash, this->hash(password));
    const Micros now = clock_.now();
    return db_.write([&](db::Connection& c) -> Result<OperatorUser> {
        UJ_ASSIGN(auto platform, store::find_platform_account(c));
        if (!platform) {
            platform = new_account(AccountType::kPlatform, "Platform", now);
            UJ_TRY(store::insert_account(c, *platform));
        }
        UJ_ASSIGN(auto added, user_for(c, email, name, hash, platform->id, now));
        UJ_ASSIGN(auto member, store::find_member(c, platform->id, added.user.id));
        if (member) return already_member();
        UJ_TRY(store::insert_membership(c, Membership{platform->id, added.user.id, Role::kOwner,
                                                      true, std::nullopt, now, now}));
        return added;
    });
}

Result<User> IdentityService::reset_admin_password(const std::string& email,
                                                   const std::string& password) {
    UJ_TRY(check_email(email));
    UJ_ASSIGN(auto hash, this->hash(password));
    const Micros now = clock_.now();
    return db_.write([&](db::Connection& c) -> Result<User> {
        UJ_ASSIGN(auto platform, store::find_platform_account(c));
        UJ_ASSIGN(auto user, store::find_user_by_email(c, email));
        if (!platform || !user) return Error::not_found("Platform admin");
        UJ_ASSIGN(auto member, store::find_member(c, platform->id, user->id));
        if (!member || member->membership.role == Role::kAgent)
            return Error::not_found("Platform admin");
        user->password_hash = hash;
        user->is_active = true;
        user->updated_at = now;
        UJ_TRY(store::update_user(c, *user));
        if (!member->membership.is_active) {
            member->membership.is_active = true;
            member->membership.updated_at = now;
            UJ_TRY(store::update_membership(c, member->membership));
        }
        // Whoever held the old password is signed out everywhere.
        UJ_TRY(store::revoke_user_sessions(c, user->id, SessionId{}, now));
        return std::move(*user);
    });
}

Result<OperatorUser> IdentityService::add_member_directly(const AccountId& account,
                                                          const std::string& email,
                                                          const std::string& name, Role role,
                                                          const std::string& password) {
    UJ_TRY(check_email(email));
    UJ_ASSIGN(auto hash, this->hash(password));
    const Micros now = clock_.now();
    return db_.write([&](db::Connection& c) -> Result<OperatorUser> {
        UJ_ASSIGN(auto a, store::find_account(c, account));
        if (!a) return Error::not_found("Account");
        UJ_ASSIGN(auto added, user_for(c, email, name, hash, a->id, now));
        UJ_ASSIGN(auto member, store::find_member(c, a->id, added.user.id));
        if (member) return already_member();
        UJ_TRY(store::insert_membership(
            c, Membership{a->id, added.user.id, role, true, std::nullopt, now, now}));
        return added;
    });
}

}  // namespace ujumbe::identity
