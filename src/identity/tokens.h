#pragma once
// Access tokens: HS256 JWTs with the claims of SPEC.md 3.1 plus `sid`, the
// session they belong to (so logout and password changes revoke them at
// once). Pure functions: bytes in, claims out.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace ujumbe::identity {

struct AccessClaims {
    std::string sub;       // user id
    std::string acc;       // active account id
    std::string role;      // owner, admin, agent or platform_admin
    std::string sid;       // session id
    std::string jti;       // token id
    std::int64_t iat = 0;  // seconds since the epoch
    std::int64_t exp = 0;
};

// The HMAC key for JWTs, derived from the server secret.
std::string jwt_signing_key(std::string_view server_secret);

std::string sign_access_token(const AccessClaims& claims, std::string_view key);

// Verifies the signature (HS256 only: "none" and every other alg are
// refused), the shape of every claim and the expiry. Errors are 401s:
// INVALID_TOKEN or TOKEN_EXPIRED.
Result<AccessClaims> verify_access_token(std::string_view token, std::string_view key,
                                         std::int64_t now_s);

// Opaque secrets: refresh tokens and API keys, and the hash stored for them.
std::string new_refresh_token();
std::string new_api_key();                       // "uj_" + 32 base64url characters
std::string token_hash(std::string_view token);  // hex SHA-256

}  // namespace ujumbe::identity
