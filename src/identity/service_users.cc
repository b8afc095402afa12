// Users of the caller's account: membership, roles, activation.

#include "identity/service.h"
#include "identity/store.h"

namespace ujumbe::identity {

namespace {

Error last_owner() {
    return Error::precondition("LAST_OWNER", "An account needs at least one active owner");
}

}  // namespace

Result<Member> IdentityService::access_member(db::Connection& c, const Principal& who,
                                              const UserId& id) {
    if (!is_uuid(id.value)) return Error::not_found("User");
    UJ_ASSIGN(auto member, store::find_member(c, who.account_id, id));
    if (!member) return Error::not_found("User");
    return std::move(*member);
}

// Rules for changing a member: managers only; only an owner touches an
// owner; nobody deactivates or removes themselves (`self_allowed` is for
// role changes); the last active owner stays.
Status IdentityService::check_can_change(db::Connection& c, const Principal& who,
                                         const Member& target, bool removes_owner,
                                         bool self_allowed) {
    UJ_TRY(check_manager(who));
    if (!self_allowed && target.user.id == who.user_id)
        return Error::precondition("SELF_CHANGE_FORBIDDEN",
                                   "You cannot change your own membership this way");
    if (target.membership.role == Role::kOwner && who.role != Role::kOwner)
        return Error::forbidden("Only an owner may change an owner");
    if (removes_owner && target.membership.role == Role::kOwner && target.membership.is_active) {
        UJ_ASSIGN(auto owners, store::count_active_owners(c, who.account_id));
        if (owners <= 1) return last_owner();
    }
    return {};
}

Result<Listing<Member>> IdentityService::list_members(const Principal& who, const MemberQuery& q,
                                                      Page page) {
    store::MemberFilter f{q.search, q.role, q.is_active};
    UJ_ASSIGN(auto rows, db_.read([&](db::Connection& c) {
        return store::list_members(c, who.account_id, f, store::Paged{page.limit, page.offset});
    }));
    return Listing<Member>{std::move(rows.first), rows.second};
}

Result<Member> IdentityService::get_member(const Principal& who, const UserId& id) {
    return db_.read([&](db::Connection& c) { return access_member(c, who, id); });
}

Result<Member> IdentityService::update_member(const Principal& who, const UserId& id,
                                              const MemberUpdate& u) {
    UJ_TRY(check_manager(who));
    if (u.role == Role::kOwner && who.role != Role::kOwner)
        return Error::forbidden("Only an owner may make someone an owner");
    return db_.write([&](db::Connection& c) -> Result<Member> {
        UJ_ASSIGN(auto target, access_member(c, who, id));
        const bool role_change = u.role && *u.role != target.membership.role;
        UJ_TRY(check_can_change(c, who, target,
                                role_change && target.membership.role == Role::kOwner,
                                /*self_allowed=*/true));
        if (u.name && *u.name != target.user.name) {
            // A user's name is theirs across accounts: an account may rename
            // only users who belong to it alone.
            UJ_ASSIGN(auto accounts, store::memberships_of(c, target.user.id));
            if (accounts.size() > 1 && target.user.id != who.user_id)
                return Error::forbidden(
                    "This user belongs to other accounts too; only they can change their name");
            target.user.name = *u.name;
            target.user.updated_at = clock_.now();
            UJ_TRY(store::update_user(c, target.user));
        }
        if (u.role) target.membership.role = *u.role;
        if (u.clear_max_messages_per_day) target.membership.max_messages_per_day.reset();
        if (u.max_messages_per_day)
            target.membership.max_messages_per_day = *u.max_messages_per_day;
        target.membership.updated_at = clock_.now();
        UJ_TRY(store::update_membership(c, target.membership));
        return target;
    });
}

Result<Member> IdentityService::set_member_active(const Principal& who, const UserId& id,
                                                  bool active) {
    return db_.write([&](db::Connection& c) -> Result<Member> {
        UJ_ASSIGN(auto target, access_member(c, who, id));
        UJ_TRY(check_can_change(c, who, target, !active, /*self_allowed=*/false));
        if (target.membership.is_active == active)
            return Error::invalid_status(active ? "active" : "inactive",
                                         {active ? "inactive" : "active"});
        target.membership.is_active = active;
        target.membership.updated_at = clock_.now();
        UJ_TRY(store::update_membership(c, target.membership));
        return target;
    });
}

Status IdentityService::remove_member(const Principal& who, const UserId& id) {
    return db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto target, access_member(c, who, id));
        UJ_TRY(check_can_change(c, who, target, true, /*self_allowed=*/false));
        UJ_TRY(store::revoke_member_sessions(c, who.account_id, id, clock_.now()));
        return store::delete_membership(c, who.account_id, id);
    });
}

}  // namespace ujumbe::identity
