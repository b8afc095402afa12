#pragma once
// Signed, expiring URLs of media files: whoever holds one may fetch that
// one file until it expires, without a token (a browser's <img>, Meta
// fetching a link). The signature is an HMAC-SHA256, under a key derived
// from the server secret, of the media id and the expiry, so every node
// of one installation checks what any node signed.

#include <optional>
#include <string>

#include "core/clock.h"
#include "media/model.h"

namespace ujumbe::media {

struct SignedUrl {
    std::string url;  // absolute when a public URL is configured, else a path
    Micros expires_at = 0;
};

class MediaUrls {
public:
    // `public_url` ("https://api.example.com", "" for paths only).
    MediaUrls(const std::string& secret, std::string public_url, Micros ttl);

    SignedUrl sign(const MediaId& id, Micros now) const;
    // Whether `expires` (Unix seconds) and `signature` (hex) are what sign()
    // gave for this id and the time has not passed. Constant time.
    bool valid(const MediaId& id, const std::string& expires, const std::string& signature,
               Micros now) const;

private:
    std::string signature(const MediaId& id, std::int64_t expires_s) const;

    std::string key_;
    std::string public_url_;
    Micros ttl_;
};

}  // namespace ujumbe::media
