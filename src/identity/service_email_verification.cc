// Email verification: a token mailed to the address, stored hashed, spent
// once, valid only while the address is still the user's.

#include "core/crypto.h"
#include "core/log.h"
#include "identity/service.h"
#include "identity/store.h"
#include "identity/tokens.h"

namespace ujumbe::identity {

namespace {

constexpr std::size_t kVerificationTokenBytes = 32;

Error invalid_token() {
    return Error::refusal("token", "INVALID_TOKEN",
                          "This verification token is unknown, already used, expired or for an "
                          "address that changed; ask for a new one.");
}

}  // namespace

void IdentityService::mail_email_verification(const User& user) {
    const Micros now = clock_.now();
    const std::string token = random_token(kVerificationTokenBytes);
    const Micros expires = now + options_.email_verification_ttl;
    auto stored = db_.write([&](db::Connection& c) {
        return store::insert_email_verification(c, token_hash(token), user, now, expires);
    });
    if (!stored) {
        log::warn("email verification not stored",
                  {{"user_id", user.id.value}, {"error", stored.error().message}});
        return;
    }
    if (!ports_.mailer) {
        log::warn("no mailer: email verification not sent", {{"user_id", user.id.value}});
        return;
    }
    Mail mail;
    mail.to = user.email;
    mail.subject = "Verify your email for Ujumbe";
    mail.body = "Please confirm that " + user.email +
                " is your address on Ujumbe.\nIf you did not sign up, ignore this mail.\n\n" +
                console_link("verify-email", token) +
                "To verify:\n"
                "POST /api/v1/auth/verify-email {\"token\": \"" +
                token +
                "\"}\n\n"
                "Verification token: " +
                token + "\nExpires at: " + format_iso8601(expires) + "\n";
    if (auto sent = ports_.mailer->send(mail); !sent)
        log::warn("email verification not sent",
                  {{"user_id", user.id.value}, {"error", sent.error().message}});
}

Result<User> IdentityService::verify_email(const std::string& token) {
    const Micros now = clock_.now();
    return db_.write([&](db::Connection& c) -> Result<User> {
        UJ_ASSIGN(auto user_id, store::spend_email_verification(c, token_hash(token), now));
        if (!user_id) return invalid_token();
        UJ_ASSIGN(auto user, store::find_user(c, *user_id));
        if (!user) return invalid_token();
        if (!user->email_verified_at) {
            user->email_verified_at = now;
            user->updated_at = now;
            UJ_TRY(store::update_user(c, *user));
        }
        // The accounts that waited for this owner get what registration
        // held back (the trial credit), in this transaction.
        UJ_ASSIGN(auto ready, store::end_verification_wait(c, user->id));
        for (const auto& account : ready)
            if (ports_.accounts) UJ_TRY(ports_.accounts->registered(c, account));
        return std::move(*user);
    });
}

Status IdentityService::resend_email_verification(const Principal& who) {
    UJ_ASSIGN(auto user,
              db_.read([&](db::Connection& c) { return store::find_user(c, who.user_id); }));
    if (!user) return Error::not_found("User");
    if (user->email_verified_at)
        return Error::conflict("EMAIL_ALREADY_VERIFIED", "This email is already verified");
    if (int wait = verification_mails_.admit(user->email, clock_.now()); wait > 0)
        return Error::rate_limited(wait);
    mail_email_verification(*user);
    return {};
}

}  // namespace ujumbe::identity
