#pragma once
// Small wrappers over libsodium (randomness, SHA-256, HMAC-SHA256,
// constant-time compare) plus the encodings tokens need.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ujumbe {

void random_fill(void* buf, std::size_t len);
// `bytes` random bytes, base64url-encoded without padding.
std::string random_token(std::size_t bytes);

// FNV-1a, 64 bits: a fast, stable (same on every node and release) spread of
// a text over buckets. Not for secrets.
std::uint64_t stable_hash(std::string_view data);

std::string sha256(std::string_view data);                             // raw 32 bytes
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes
bool constant_time_equal(std::string_view a, std::string_view b);

// SHA-256 of data given in pieces (a file read in chunks).
class Sha256Stream {
public:
    Sha256Stream();
    ~Sha256Stream();
    Sha256Stream(const Sha256Stream&) = delete;
    Sha256Stream& operator=(const Sha256Stream&) = delete;
    void update(std::string_view piece);
    std::string finish();  // raw 32 bytes; once

private:
    struct State;
    std::unique_ptr<State> state_;
};

std::string to_hex(std::string_view raw);
// 64 lower-case hex digits: a SHA-256 as to_hex writes it.
bool is_sha256_hex(std::string_view text);
std::string base64url_encode(std::string_view raw);
// nullopt on characters outside the base64url alphabet or an impossible length.
std::optional<std::string> base64url_decode(std::string_view text);

// Secrets at rest: XSalsa20-Poly1305 (libsodium secretbox) under a key
// derived from `secret` (the server secret), as base64url(nonce || box).
std::string seal_secret(std::string_view secret, std::string_view plaintext);
// nullopt when the text was not sealed under this secret or was altered.
std::optional<std::string> open_secret(std::string_view secret, std::string_view sealed);

}  // namespace ujumbe
