#pragma once
// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA1,
// 6 digits, 30-second steps, as every authenticator app reads them from an
// otpauth:// URI. Pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ujumbe::identity::totp {

inline constexpr std::int64_t kStepSeconds = 30;
inline constexpr int kDigits = 6;

// RFC 4648 base32 without padding (what otpauth:// URIs carry).
std::string base32_encode(std::string_view raw);
// nullopt on a character outside the alphabet (spaces and case are forgiven).
std::optional<std::string> base32_decode(std::string_view text);

// The step a Unix time falls in.
inline std::int64_t step_of(std::int64_t unix_seconds) {
    return unix_seconds / kStepSeconds;
}
// The code of `step` for `key` (raw bytes), zero-padded to `digits`.
std::string code_at(std::string_view key, std::int64_t step, int digits = kDigits);

// The step within ±`window` of `now_step` whose code is `code`, if any
// (constant-time comparison of each candidate).
std::optional<std::int64_t> matching_step(std::string_view key, std::string_view code,
                                          std::int64_t now_step, int window = 1);

// otpauth://totp/<issuer>:<account>?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30
std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view key);

}  // namespace ujumbe::identity::totp
