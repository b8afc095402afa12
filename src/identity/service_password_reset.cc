// Password resets: a token mailed to the user, stored hashed, spent once.

#include "core/crypto.h"
#include "core/log.h"
#include "identity/service.h"
#include "identity/store.h"
#include "identity/tokens.h"

namespace ujumbe::identity {

namespace {

constexpr std::size_t kResetTokenBytes = 32;

Error invalid_token() {
    return Error::refusal("token", "INVALID_TOKEN",
                          "This reset token is unknown, already used or expired; ask for a new "
                          "one.");
}

}  // namespace

Status IdentityService::request_password_reset(const std::string& email, const std::string& ip) {
    const Micros now = clock_.now();
    if (int wait = reset_requests_.admit(ip, now); wait > 0) return Error::rate_limited(wait);
    // Past its limit an address gets no more mail, and the same answer.
    if (reset_mails_.admit(email, now) > 0) return {};
    UJ_ASSIGN(auto user,
              db_.read([&](db::Connection& c) { return store::find_user_by_email(c, email); }));
    if (!user || !user->is_active) return {};
    const std::string token = random_token(kResetTokenBytes);
    const Micros expires = now + options_.password_reset_ttl;
    UJ_TRY(db_.write([&](db::Connection& c) {
        return store::insert_password_reset(c, token_hash(token), user->id, now, expires);
    }));
    if (!ports_.mailer) {
        log::warn("no mailer: password reset not sent", {{"user_id", user->id}});
        return {};
    }
    Mail mail;
    mail.to = user->email;
    mail.subject = "Reset your Ujumbe password";
    mail.body = "Someone asked to reset the password of your Ujumbe user " + user->email +
                ".\nIf it was not you, ignore this mail: your password stays as it is.\n\n" +
                console_link("reset-password", token) +
                "To choose a new password:\n"
                "POST /api/v1/auth/password/reset/confirm {\"token\": \"" +
                token +
                "\", \"password\": ...}\n\n"
                "Reset token: " +
                token + "\nExpires at: " + format_iso8601(expires) +
                "\nEvery signed-in session of yours ends when the password changes.\n";
    return ports_.mailer->send(mail);
}

Status IdentityService::reset_password(const std::string& token, const std::string& password) {
    // Not throttled: a token is 256 random bits, and only a live one costs
    // a password hash.
    const Micros now = clock_.now();
    const std::string hashed = token_hash(token);
    UJ_ASSIGN(auto user_id, db_.read([&](db::Connection& c) {
        return store::live_password_reset(c, hashed, now);
    }));
    if (!user_id) return invalid_token();
    UJ_ASSIGN(auto hash, this->hash(password));
    return db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto spent, store::spend_password_resets(c, *user_id, hashed, now));
        if (!spent) return invalid_token();
        UJ_ASSIGN(auto user, store::find_user(c, *user_id));
        if (!user) return invalid_token();
        user->password_hash = hash;
        user->updated_at = now;
        UJ_TRY(store::update_user(c, *user));
        // No session is kept: every device signs in again.
        return store::revoke_user_sessions(c, *user_id, SessionId{}, now);
    });
}

}  // namespace ujumbe::identity
