#include "media/urls.h"

#include <charconv>
#include <cstdint>

#include "core/crypto.h"

namespace ujumbe::media {

MediaUrls::MediaUrls(const std::string& secret, std::string public_url, Micros ttl)
    : key_(hmac_sha256(secret, "ujumbe media urls")),
      public_url_(std::move(public_url)),
      ttl_(ttl) {
    while (!public_url_.empty() && public_url_.back() == '/') public_url_.pop_back();
}

std::string MediaUrls::signature(const MediaId& id, std::int64_t expires_s) const {
    return to_hex(hmac_sha256(key_, id.value + "\n" + std::to_string(expires_s)));
}

SignedUrl MediaUrls::sign(const MediaId& id, Micros now) const {
    SignedUrl out;
    // Whole seconds, rounded up so a URL never lives shorter than the ttl.
    const std::int64_t expires_s = (now + ttl_ + kMicrosPerSecond - 1) / kMicrosPerSecond;
    out.expires_at = expires_s * kMicrosPerSecond;
    out.url = public_url_ + "/api/v1/media/" + id.value +
              "/content?expires=" + std::to_string(expires_s) +
              "&signature=" + signature(id, expires_s);
    return out;
}

bool MediaUrls::valid(const MediaId& id, const std::string& expires,
                      const std::string& signature_hex, Micros now) const {
    std::int64_t expires_s = 0;
    const auto [end, ec] =
        std::from_chars(expires.data(), expires.data() + expires.size(), expires_s);
    if (ec != std::errc() || end != expires.data() + expires.size() || expires_s <= 0 ||
        expires_s > INT64_MAX / kMicrosPerSecond)
        return false;
    const bool signed_here = constant_time_equal(signature(id, expires_s), signature_hex);
    return signed_here && now < expires_s * kMicrosPerSecond;
}

}  // namespace ujumbe::media
