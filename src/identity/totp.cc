#include "identity/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>

#include "core/crypto.h"

namespace ujumbe::identity::totp {

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// Percent-encodes everything but unreserved characters (RFC 3986).
std::string uri_escape(std::string_view text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace

std::string base32_encode(std::string_view raw) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (unsigned char c : raw) {
        buffer = (buffer << 8) | c;
        bits += 8;
        while (bits >= 5) {
            out += kAlphabet[(buffer >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
    return out;
}

std::optional<std::string> base32_decode(std::string_view text) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char ch : text) {
        if (ch == ' ' || ch == '=') continue;
        const char upper = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        const auto at = kAlphabet.find(upper);
        if (at == std::string_view::npos) return std::nullopt;
        buffer = (buffer << 5) | static_cast<std::uint32_t>(at);
        bits += 5;
        if (bits >= 8) {
            out += static_cast<char>((buffer >> (bits - 8)) & 0xff);
            bits -= 8;
        }
    }
    return out;
}

std::string code_at(std::string_view key, std::int64_t step, int digits) {
    unsigned char counter[8];
    for (int i = 7; i >= 0; --i) {
        counter[i] = static_cast<unsigned char>(step & 0xff);
        step >>= 8;
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), counter, sizeof counter, mac,
         &mac_len);
    const int offset = mac[mac_len - 1] & 0x0f;
    const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                                 (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                                 (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                                 static_cast<std::uint32_t>(mac[offset + 3]);
    std::uint32_t modulus = 1;
    for (int i = 0; i < digits; ++i) modulus *= 10;
    std::string code = std::to_string(binary % modulus);
    return std::string(static_cast<std::size_t>(digits) - code.size(), '0') + code;
}

std::optional<std::int64_t> matching_step(std::string_view key, std::string_view code,
                                          std::int64_t now_step, int window) {
    if (code.size() != static_cast<std::size_t>(kDigits)) return std::nullopt;
    std::optional<std::int64_t> found;
    for (std::int64_t step = now_step - window; step <= now_step + window; ++step)
        if (constant_time_equal(code_at(key, step), code) && !found) found = step;
    return found;
}

std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view key) {
    return "otpauth://totp/" + uri_escape(issuer) + ":" + uri_escape(account) +
           "?secret=" + base32_encode(key) + "&issuer=" + uri_escape(issuer) +
           "&algorithm=SHA1&digits=6&period=30";
}

}  // namespace ujumbe::identity::totp
