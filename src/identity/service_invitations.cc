// Invitations: the only way into an existing account. The inviter learns
// nothing about the invitee; the invitee joins by accepting, signed in or
// by the mailed token. Only acceptance creates a membership.

#include "core/crypto.h"
#include "core/log.h"
#include "core/utf8.h"
#include "identity/service.h"
#include "identity/store.h"
#include "identity/tokens.h"

namespace ujumbe::identity {

namespace {

constexpr std::size_t kTokenBytes = 32;

Error session_required() {
    return Error::forbidden("Sign in with your password to manage your invitations",
                            "SESSION_REQUIRED");
}

Error already_member() {
    Error e = Error::conflict("ALREADY_MEMBER", "This user is already in the account");
    e.errors["email"].push_back("This user is already in the account.");
    return e;
}

Error invalid_token() {
    return Error::invalid("token", "This invitation is not valid (used, revoked or unknown).");
}

Error expired() {
    return Error::precondition("INVITATION_EXPIRED",
                               "This invitation has expired; ask for it to be sent again");
}

// Names typed by others go into a mail to a third party: cut short.
std::string short_text(const std::string& text, std::size_t max_chars = 80) {
    auto points = decode_utf8(text);
    if (!points) return {};
    std::string out;
    for (std::size_t i = 0; i < points->size() && i < max_chars; ++i)
        append_utf8(out, (*points)[i]);
    return points->size() > max_chars ? out + "..." : out;
}

Status check_pending(const Invitation& inv, Micros now) {
    if (inv.status != invitation_status::kPending)
        return Error::invalid_status(inv.status, {invitation_status::kPending});
    if (inv.expires_at <= now) return expired();
    return {};
}

}  // namespace

std::string IdentityService::console_link(std::string_view page, const std::string& token) const {
    if (options_.public_url.empty()) return {};
    return "Open " + options_.public_url + "/" + std::string(page) + "?token=" + token + "\n\n";
}

Status IdentityService::mail_invitation(const Invitation& inv, const std::string& token,
                                        const std::string& inviter_name,
                                        const std::string& account_name) {
    if (!ports_.mailer) {
        log::warn("no mailer: invitation not sent", {{"invitation_id", inv.id}});
        return {};
    }
    Mail mail;
    mail.to = inv.email;
    mail.subject = "You are invited to join " + short_text(account_name) + " on Ujumbe";
    mail.body = short_text(inviter_name) + " invited you to join " + short_text(account_name) +
                " as " + std::string(role_name(inv.role)) + ".\n\n" +
                console_link("accept-invite", token) +
                "Already a Ujumbe user? Sign in and accept it among your invitations\n"
                "(POST /api/v1/invitations/" +
                inv.id.value +
                "/accept).\n\n"
                "New to Ujumbe? Choose your name and password when accepting:\n"
                "POST /api/v1/auth/invite/accept {\"token\": \"" +
                token +
                "\", \"name\": ..., \"password\": ...}\n\n"
                "Invitation id: " +
                inv.id.value + "\nInvitation token: " + token +
                "\nExpires at: " + format_iso8601(inv.expires_at) + "\n";
    return ports_.mailer->send(mail);
}

Result<IssuedInvitation> IdentityService::invite(const Principal& who, const NewMember& in) {
    UJ_TRY(check_manager(who));
    if (in.role == Role::kOwner && who.role != Role::kOwner)
        return Error::forbidden("Only an owner may add an owner");
    const Micros now = clock_.now();
    IssuedInvitation out;
    out.token = random_token(kTokenBytes);
    std::string inviter, account_name;
    UJ_ASSIGN(out.invitation, db_.write([&](db::Connection& c) -> Result<Invitation> {
        // Membership of the caller's own account is no secret to them.
        UJ_ASSIGN(auto user, store::find_user_by_email(c, in.email));
        if (user) {
            UJ_ASSIGN(auto member, store::find_member(c, who.account_id, user->id));
            if (member) return already_member();
        }
        UJ_ASSIGN(auto me, store::find_user(c, who.user_id));
        inviter = me ? me->name : "Someone";
        UJ_ASSIGN(auto account, store::find_account(c, who.account_id));
        if (!account) return Error::not_found("Account");
        account_name = account->name;
        UJ_ASSIGN(auto pending, store::find_pending_invitation(c, who.account_id, in.email));
        Invitation inv = pending ? std::move(*pending) : Invitation{};
        inv.name = in.name;
        inv.role = in.role;
        inv.max_messages_per_day = in.max_messages_per_day;
        inv.invited_by = who.user_id;
        inv.token_hash = token_hash(out.token);
        inv.updated_at = now;
        inv.expires_at = now + options_.invitation_ttl;
        if (pending) {
            UJ_TRY(store::update_invitation(c, who.account_id, inv));
            return inv;
        }
        inv.id = InvitationId{new_uuid_v7(now)};
        inv.account_id = who.account_id;
        inv.email = in.email;
        inv.created_at = now;
        UJ_TRY(store::insert_invitation(c, inv));
        return inv;
    }));
    UJ_TRY(mail_invitation(out.invitation, out.token, inviter, account_name));
    return out;
}

Result<Listing<Invitation>> IdentityService::list_invitations(
    const Principal& who, const std::optional<std::string>& status, Page page) {
    UJ_TRY(check_manager(who));
    UJ_ASSIGN(auto rows, db_.read([&](db::Connection& c) {
        return store::list_invitations(c, who.account_id, status,
                                       store::Paged{page.limit, page.offset});
    }));
    return Listing<Invitation>{std::move(rows.first), rows.second};
}

Result<Invitation> IdentityService::revoke_invitation(const Principal& who,
                                                      const InvitationId& id) {
    UJ_TRY(check_manager(who));
    if (!is_uuid(id.value)) return Error::not_found("Invitation");
    return db_.write([&](db::Connection& c) -> Result<Invitation> {
        UJ_ASSIGN(auto inv, store::find_invitation(c, who.account_id, id));
        if (!inv) return Error::not_found("Invitation");
        if (inv->status != invitation_status::kPending)
            return Error::invalid_status(inv->status, {invitation_status::kPending});
        inv->status = invitation_status::kRevoked;
        inv->updated_at = clock_.now();
        UJ_TRY(store::update_invitation(c, who.account_id, *inv));
        return std::move(*inv);
    });
}

Result<IssuedInvitation> IdentityService::resend_invitation(const Principal& who,
                                                            const InvitationId& id) {
    UJ_TRY(check_manager(who));
    if (!is_uuid(id.value)) return Error::not_found("Invitation");
    const Micros now = clock_.now();
    IssuedInvitation out;
    out.token = random_token(kTokenBytes);
    std::string inviter, account_name;
    UJ_ASSIGN(out.invitation, db_.write([&](db::Connection& c) -> Result<Invitation> {
        UJ_ASSIGN(auto inv, store::find_invitation(c, who.account_id, id));
        if (!inv) return Error::not_found("Invitation");
        // An expired invitation may be sent again; a finished one may not.
        if (inv->status != invitation_status::kPending)
            return Error::invalid_status(inv->status, {invitation_status::kPending});
        if (inv->role == Role::kOwner && who.role != Role::kOwner)
            return Error::forbidden("Only an owner may add an owner");
        UJ_ASSIGN(auto me, store::find_user(c, who.user_id));
        inviter = me ? me->name : "Someone";
        UJ_ASSIGN(auto account, store::find_account(c, who.account_id));
        if (!account) return Error::not_found("Account");
        account_name = account->name;
        inv->token_hash = token_hash(out.token);
        inv->expires_at = now + options_.invitation_ttl;
        inv->updated_at = now;
        UJ_TRY(store::update_invitation(c, who.account_id, *inv));
        return std::move(*inv);
    }));
    UJ_TRY(mail_invitation(out.invitation, out.token, inviter, account_name));
    return out;
}

Result<std::vector<Invitation>> IdentityService::my_invitations(const Principal& who) {
    if (who.api_key_id) return session_required();
    const Micros now = clock_.now();
    return db_.read([&](db::Connection& c) -> Result<std::vector<Invitation>> {
        UJ_ASSIGN(auto user, store::find_user(c, who.user_id));
        if (!user) return Error::not_found("User");
        return store::invitations_for_email(c, user->email, now);
    });
}

Status IdentityService::join(db::Connection& c, const Invitation& inv, const UserId& user,
                             Micros now) {
    UJ_ASSIGN(auto member, store::find_member(c, inv.account_id, user));
    if (member) return already_member();
    if (ports_.accounts) {
        UJ_ASSIGN(auto members, store::list_members(c, inv.account_id, {}, {1, 0}));
        UJ_TRY(ports_.accounts->check_member_limit(inv.account_id, members.second));
    }
    return store::insert_membership(
        c, Membership{inv.account_id, user, inv.role, true, inv.max_messages_per_day, now, now});
}

Result<Invitation> IdentityService::accept_invitation(const Principal& who,
                                                      const InvitationId& id) {
    if (who.api_key_id) return session_required();
    if (!is_uuid(id.value)) return Error::not_found("Invitation");
    const Micros now = clock_.now();
    return db_.write([&](db::Connection& c) -> Result<Invitation> {
        UJ_ASSIGN(auto user, store::find_user(c, who.user_id));
        if (!user) return Error::not_found("User");
        UJ_ASSIGN(auto inv, store::find_invitation_for_email(c, id, user->email));
        if (!inv) return Error::not_found("Invitation");
        UJ_TRY(check_pending(*inv, now));
        UJ_TRY(join(c, *inv, user->id, now));
        inv->status = invitation_status::kAccepted;
        inv->updated_at = now;
        UJ_TRY(store::update_invitation(c, inv->account_id, *inv));
        return std::move(*inv);
    });
}

Result<Invitation> IdentityService::decline_invitation(const Principal& who,
                                                       const InvitationId& id) {
    if (who.api_key_id) return session_required();
    if (!is_uuid(id.value)) return Error::not_found("Invitation");
    const Micros now = clock_.now();
    return db_.write([&](db::Connection& c) -> Result<Invitation> {
        UJ_ASSIGN(auto user, store::find_user(c, who.user_id));
        if (!user) return Error::not_found("User");
        UJ_ASSIGN(auto inv, store::find_invitation_for_email(c, id, user->email));
        if (!inv) return Error::not_found("Invitation");
        if (inv->status != invitation_status::kPending)
            return Error::invalid_status(inv->status, {invitation_status::kPending});
        inv->status = invitation_status::kDeclined;
        inv->updated_at = now;
        UJ_TRY(store::update_invitation(c, inv->account_id, *inv));
        return std::move(*inv);
    });
}

Result<AuthResult> IdentityService::accept_invitation_token(const InviteAcceptance& in,
                                                            const std::string& ip) {
    const std::string hashed_token = token_hash(in.token);
    const Micros started = clock_.now();
    // Check the token before spending a password hash on it.
    UJ_ASSIGN(auto found, db_.read([&](db::Connection& c) {
        return store::find_invitation_by_token(c, hashed_token);
    }));
    if (!found || found->status != invitation_status::kPending) return invalid_token();
    if (found->expires_at <= started) return expired();
    UJ_ASSIGN(auto existing, db_.read([&](db::Connection& c) {
        return store::find_user_by_email(c, found->email);
    }));
    std::string hashed_password;
    if (existing) {
        // Someone who already has a user proves it with their password, as
        // at login (same throttle); a token never sets a password.
        if (int wait = throttle_.retry_after(found->email, ip, started); wait > 0)
            return Error::rate_limited(wait);
        UJ_ASSIGN(bool verified, verify(existing->password_hash, in.password));
        if (!verified) {
            throttle_.record_failure(found->email, ip, started);
            return Error::unauthenticated("INVALID_CREDENTIALS", "Invalid email or password");
        }
        throttle_.record_success(found->email, ip);
        if (!existing->is_active)
            return Error::unauthenticated("USER_INACTIVE", "This user is deactivated");
        // The answer is a signed-in session: a password alone must not open
        // one for a user who signs in with two factors.
        if (existing->totp_enabled_at)
            return Error::forbidden(
                "This user signs in with two factors: sign in, then accept the invitation "
                "among your invitations (POST /api/v1/invitations/{id}/accept)",
                "TWO_FACTOR_REQUIRED");
    } else {
        if (!in.name && !found->name)
            return Error::invalid("name", "Required: the invitation names nobody.");
        UJ_ASSIGN(hashed_password, hash(in.password));
    }
    const Micros now = clock_.now();
    return db_.write([&](db::Connection& c) -> Result<AuthResult> {
        UJ_ASSIGN(auto inv, store::find_invitation_by_token(c, hashed_token));
        if (!inv || inv->status != invitation_status::kPending) return invalid_token();
        if (inv->expires_at <= now) return expired();
        UJ_ASSIGN(auto account, store::find_account(c, inv->account_id));
        if (!account) return invalid_token();
        if (account->status != "active")
            return Error::forbidden("That account is suspended", "ACCOUNT_SUSPENDED");
        UJ_ASSIGN(auto user, store::find_user_by_email(c, inv->email));
        if (user.has_value() != existing.has_value())
            return Error::conflict("CONFLICT", "The user changed; try again");
        if (!user) {
            User fresh = new_user(inv->email, in.name ? *in.name : *inv->name, hashed_password,
                                  account->id, now);
            fresh.email_verified_at = now;  // the token came to this address
            UJ_TRY(store::insert_user(c, fresh));
            user = std::move(fresh);
        }
        UJ_TRY(join(c, *inv, user->id, now));
        inv->status = invitation_status::kAccepted;
        inv->updated_at = now;
        UJ_TRY(store::update_invitation(c, inv->account_id, *inv));
        user->last_account_id = account->id;
        user->last_login_at = now;
        UJ_TRY(store::update_user(c, *user));
        return open_session(c, std::move(*user), *account, inv->role, ip);
    });
}

}  // namespace ujumbe::identity
