#include "identity/tokens.h"

#include <nlohmann/json.hpp>

#include "core/crypto.h"
#include "core/json.h"

namespace ujumbe::identity {

namespace {

using json = nlohmann::json;

// base64url of {"alg":"HS256","typ":"JWT"}
constexpr std::string_view kHeader = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

Error invalid(std::string why) {
    return Error::unauthenticated("INVALID_TOKEN", "Invalid access token: " + std::move(why));
}

bool get_string(const json& j, const char* name, std::string& out) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_string()) return false;
    out = it->get<std::string>();
    return !out.empty();
}

bool get_int(const json& j, const char* name, std::int64_t& out) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_number_integer()) return false;
    out = it->get<std::int64_t>();
    return true;
}

}  // namespace

std::string jwt_signing_key(std::string_view server_secret) {
    return hmac_sha256(server_secret, "ujumbe.jwt.v1");
}

std::string sign_access_token(const AccessClaims& c, std::string_view key) {
    const json payload = {{"sub", c.sub}, {"acc", c.acc}, {"role", c.role}, {"sid", c.sid},
                          {"jti", c.jti}, {"iat", c.iat}, {"exp", c.exp}};
    std::string token(kHeader);
    token += '.';
    token += base64url_encode(payload.dump());
    const std::string signature = hmac_sha256(key, token);
    token += '.';
    token += base64url_encode(signature);
    return token;
}

Result<AccessClaims> verify_access_token(std::string_view token, std::string_view key,
                                         std::int64_t now_s) {
    if (token.size() > 4096) return invalid("too long");
    const auto first = token.find('.');
    const auto second = first == token.npos ? token.npos : token.find('.', first + 1);
    if (second == token.npos || token.find('.', second + 1) != token.npos)
        return invalid("not a JWT");
    const auto header_b64 = token.substr(0, first);
    if (header_b64 != kHeader) {
        // Decode only to tell the caller why; anything but HS256 is refused.
        auto header = base64url_decode(header_b64);
        JsonParseProblem problem;
        json h = header ? parse_json_bounded(*header, problem) : json();
        if (h.is_object() && h.contains("alg") && h["alg"] != "HS256")
            return invalid("algorithm not allowed");
        if (!h.is_object() || h.value("alg", "") != "HS256") return invalid("bad header");
    }
    const auto signature = base64url_decode(token.substr(second + 1));
    if (!signature) return invalid("bad signature encoding");
    const std::string expected = hmac_sha256(key, token.substr(0, second));
    if (!constant_time_equal(*signature, expected)) return invalid("bad signature");
    const auto payload = base64url_decode(token.substr(first + 1, second - first - 1));
    if (!payload) return invalid("bad payload encoding");
    JsonParseProblem problem;
    const json p = parse_json_bounded(*payload, problem);
    if (!p.is_object()) return invalid("bad payload");
    AccessClaims c;
    if (!get_string(p, "sub", c.sub) || !get_string(p, "acc", c.acc) ||
        !get_string(p, "role", c.role) || !get_string(p, "sid", c.sid) ||
        !get_string(p, "jti", c.jti) || !get_int(p, "iat", c.iat) || !get_int(p, "exp", c.exp))
        return invalid("missing claims");
    if (now_s >= c.exp) return Error::unauthenticated("TOKEN_EXPIRED", "Access token has expired");
    return c;
}

std::string new_refresh_token() {
    return random_token(32);
}

std::string new_api_key() {
    return "uj_" + random_token(24);
}

std::string token_hash(std::string_view token) {
    return to_hex(sha256(token));
}

}  // namespace ujumbe::identity
