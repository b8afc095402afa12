#pragma once
// Webhook secrets and the signature every delivery carries:
//   X-Ujumbe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">
// keyed with the whole secret text, one v1 per secret still valid (a
// rotated secret signs beside the new one during its overlap).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ujumbe::webhooks {

// "whsec_" and 32 random bytes, base64url.
std::string new_secret();

std::string signature_header(std::int64_t unix_seconds, std::string_view body,
                             const std::vector<std::string>& secrets);

}  // namespace ujumbe::webhooks
