// Two-factor sign-in (TOTP, RFC 6238): a secret made and sealed here,
// confirmed by a first code; ten single-use recovery codes kept as keyed
// hashes; a password sign-in of such a user answers a short-lived challenge
// that POST /auth/login/2fa spends with a code. Codes are single-use: a
// step once used (or an earlier one) never signs in again.

#include "core/crypto.h"
#include "core/log.h"
#include "identity/service.h"
#include "identity/store.h"
#include "identity/tokens.h"
#include "identity/totp.h"

namespace ujumbe::identity {

namespace {

constexpr std::size_t kSecretBytes = 20;  // 160 bits, as RFC 4226 recommends
constexpr int kRecoveryCodes = 10;
constexpr Micros kChallengeTtl = 5 * 60 * kMicrosPerSecond;

Error session_required() {
    return Error::forbidden("Sign in with your password to change two-factor sign-in",
                            "SESSION_REQUIRED");
}

Error invalid_code(const char* field = "code") {
    return Error::refusal(field, "INVALID_CODE", "This code is wrong, used or out of date.");
}

// "abcde-fghij": 50 random bits in base32, lower case, easy to type.
std::string new_recovery_code() {
    std::string raw(7, '\0');
    random_fill(raw.data(), raw.size());
    std::string code = totp::base32_encode(raw).substr(0, 10);
    for (auto& ch : code) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return code.substr(0, 5) + "-" + code.substr(5);
}

// What a person typed, as stored: lower case, no dashes or spaces.
std::string normalized_recovery_code(const std::string& typed) {
    std::string out;
    for (unsigned char ch : typed)
        if (ch != '-' && ch != ' ') out += static_cast<char>(std::tolower(ch));
    return out;
}

std::int64_t step_now(Micros now) {
    return totp::step_of(now / kMicrosPerSecond);
}

}  // namespace

std::string IdentityService::recovery_code_hash(const UserId& user, const std::string& code) const {
    return to_hex(hmac_sha256(options_.server_secret,
                              "recovery:" + user.value + ":" + normalized_recovery_code(code)));
}

Result<TwoFactorSetup> IdentityService::begin_two_factor(const Principal& who) {
    if (who.api_key_id) return session_required();
    UJ_ASSIGN(auto user,
              db_.read([&](db::Connection& c) { return store::find_user(c, who.user_id); }));
    if (!user) return Error::not_found("User");
    if (user->totp_enabled_at)
        return Error::conflict("TWO_FACTOR_ENABLED",
                               "Two-factor sign-in is on; turn it off first to start again");
    std::string secret(kSecretBytes, '\0');
    random_fill(secret.data(), secret.size());
    UJ_TRY(db_.write([&](db::Connection& c) {
        return store::set_pending_totp(c, user->id, seal_secret(options_.server_secret, secret));
    }));
    return TwoFactorSetup{totp::base32_encode(secret),
                          totp::otpauth_uri("Ujumbe", user->email, secret)};
}

Result<std::optional<std::string>> IdentityService::open_totp_secret(const store::TwoFactor& tf) {
    if (!tf.sealed_secret) return std::optional<std::string>{};
    auto secret = open_secret(options_.server_secret, *tf.sealed_secret);
    if (!secret) return Error::internal("a two-factor secret does not open");
    return std::optional<std::string>(std::move(*secret));
}

Result<std::vector<std::string>> IdentityService::confirm_two_factor(const Principal& who,
                                                                     const std::string& code,
                                                                     const std::string& ip) {
    if (who.api_key_id) return session_required();
    const Micros now = clock_.now();
    UJ_ASSIGN(auto user,
              db_.read([&](db::Connection& c) { return store::find_user(c, who.user_id); }));
    if (!user) return Error::not_found("User");
    if (int wait = throttle_.retry_after(user->email, ip, now); wait > 0)
        return Error::rate_limited(wait);
    std::vector<std::string> codes;
    for (int i = 0; i < kRecoveryCodes; ++i) codes.push_back(new_recovery_code());
    auto confirmed = db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto tf, store::find_two_factor(c, user->id));
        if (tf.enabled_at)
            return Error::conflict("TWO_FACTOR_ENABLED", "Two-factor sign-in is already on");
        UJ_ASSIGN(auto secret, open_totp_secret(tf));
        if (!secret)
            return Error::precondition("TWO_FACTOR_NOT_STARTED",
                                       "Start with POST /auth/2fa/setup to get a secret");
        const auto step = totp::matching_step(*secret, code, step_now(now));
        if (!step) return invalid_code();
        UJ_TRY(store::enable_two_factor(c, user->id, now, *step));
        std::vector<std::string> hashes;
        for (const auto& rc : codes) hashes.push_back(recovery_code_hash(user->id, rc));
        return store::replace_recovery_codes(c, user->id, hashes, now);
    });
    if (!confirmed) {
        if (confirmed.error().error_code == "INVALID_CODE")
            throttle_.record_failure(user->email, ip, now);
        return confirmed.error();
    }
    return codes;
}

Status IdentityService::disable_two_factor(const Principal& who, const std::string& password,
                                           const std::string& code, const std::string& ip) {
    if (who.api_key_id) return session_required();
    UJ_ASSIGN(auto user,
              db_.read([&](db::Connection& c) { return store::find_user(c, who.user_id); }));
    if (!user) return Error::not_found("User");
    if (!user->totp_enabled_at)
        return Error::conflict("TWO_FACTOR_DISABLED", "Two-factor sign-in is off");
    UJ_TRY(check_current_password(*user, password, ip));
    const Micros now = clock_.now();
    auto disabled = db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(bool passed, second_factor(c, *user, code, now));
        if (!passed) return invalid_code();
        return store::disable_two_factor(c, user->id);
    });
    if (!disabled && disabled.error().error_code == "INVALID_CODE")
        throttle_.record_failure(user->email, ip, now);
    return disabled;
}

Result<std::int64_t> IdentityService::recovery_codes_left(const Principal& who) {
    return db_.read([&](db::Connection& c) { return store::recovery_codes_left(c, who.user_id); });
}

Result<bool> IdentityService::second_factor(db::Connection& c, const User& user,
                                            const std::string& code, Micros now) {
    // Six digits are a TOTP code; anything else may be a recovery code.
    if (code.size() == static_cast<std::size_t>(totp::kDigits) &&
        code.find_first_not_of("0123456789") == std::string::npos) {
        UJ_ASSIGN(auto tf, store::find_two_factor(c, user.id));
        UJ_ASSIGN(auto secret, open_totp_secret(tf));
        if (!secret || !tf.enabled_at) return false;
        const auto step = totp::matching_step(*secret, code, step_now(now));
        if (!step) return false;
        return store::use_totp_step(c, user.id, *step);
    }
    return store::spend_recovery_code(c, user.id, recovery_code_hash(user.id, code), now);
}

Result<std::string> IdentityService::open_login_challenge(const User& user,
                                                          const std::optional<std::string>& account,
                                                          Micros now) {
    const std::string token = random_token(32);
    store::LoginChallenge ch{user.id, std::nullopt};
    if (account) ch.account_id = AccountId{*account};
    UJ_TRY(db_.write([&](db::Connection& c) {
        return store::insert_login_challenge(c, token_hash(token), ch, now, now + kChallengeTtl);
    }));
    return token;
}

Result<AuthResult> IdentityService::login_two_factor(const std::string& challenge,
                                                     const std::string& code,
                                                     const std::string& ip) {
    const Micros now = clock_.now();
    const std::string hashed = token_hash(challenge);
    UJ_ASSIGN(auto ch, db_.read([&](db::Connection& c) {
        return store::live_login_challenge(c, hashed, now);
    }));
    if (!ch)
        return Error::unauthenticated("INVALID_CHALLENGE",
                                      "This sign-in expired or was finished; sign in again");
    UJ_ASSIGN(auto user,
              db_.read([&](db::Connection& c) { return store::find_user(c, ch->user_id); }));
    if (!user) return Error::unauthenticated("INVALID_CHALLENGE", "Sign in again");
    if (int wait = throttle_.retry_after(user->email, ip, now); wait > 0)
        return Error::rate_limited(wait);
    UJ_ASSIGN(bool passed, db_.write([&](db::Connection& c) -> Result<bool> {
        UJ_ASSIGN(bool ok, second_factor(c, *user, code, now));
        if (!ok) return false;
        return store::spend_login_challenge(c, hashed, now);
    }));
    if (!passed) {
        throttle_.record_failure(user->email, ip, now);
        return Error::unauthenticated("INVALID_CODE", "This code is wrong, used or out of date");
    }
    throttle_.record_success(user->email, ip);
    std::optional<std::string> account;
    if (ch->account_id) account = ch->account_id->value;
    return finish_login(std::move(*user), account, ip);
}

}  // namespace ujumbe::identity
