#include "webhooks/signing.h"

#include "core/crypto.h"

namespace ujumbe::webhooks {

std::string new_secret() {
    return "whsec_" + random_token(32);
}

std::string signature_header(std::int64_t unix_seconds, std::string_view body,
                             const std::vector<std::string>& secrets) {
    const std::string t = std::to_string(unix_seconds);
    std::string signed_text;
    signed_text.reserve(t.size() + 1 + body.size());
    signed_text.append(t).append(".").append(body);
    std::string header = "t=" + t;
    for (const auto& secret : secrets) header += ",v1=" + to_hex(hmac_sha256(secret, signed_text));
    return header;
}

}  // namespace ujumbe::webhooks
