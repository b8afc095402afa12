#include "channels/smtp/mime.h"

#include <sodium.h>

#include <ctime>

#include "core/crypto.h"

namespace ujumbe::channels::smtp {

namespace {

std::string base64(std::string_view raw) {
    std::string out(sodium_base64_encoded_len(raw.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                      raw.size(), sodium_base64_VARIANT_ORIGINAL);
    out.resize(out.size() - 1);  // the terminating NUL
    return out;
}

// Base64 in lines of 76 characters, each ending in CRLF.
std::string base64_lines(std::string_view raw) {
    const std::string encoded = base64(raw);
    std::string out;
    out.reserve(encoded.size() + encoded.size() / 76 * 2 + 2);
    for (std::size_t i = 0; i < encoded.size(); i += 76) {
        out.append(encoded, i, 76);
        out += "\r\n";
    }
    return out;
}

bool printable_ascii(const std::string& text) {
    for (unsigned char c : text)
        if (c < 0x20 || c > 0x7e) return false;
    return true;
}

// Whole UTF-8 sequences of at most `max` bytes from `at` (a cut never
// splits a character, so each encoded word decodes on its own).
std::size_t utf8_chunk(const std::string& text, std::size_t at, std::size_t max) {
    std::size_t end = std::min(text.size(), at + max);
    if (end == text.size()) return end - at;
    while (end > at && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
    return end > at ? end - at : std::min(max, text.size() - at);
}

std::string rfc5322_date(Micros now) {
    const std::time_t seconds = static_cast<std::time_t>(now / kMicrosPerSecond);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return buf;
}

std::string address_field(const std::string& name, const std::string& address) {
    if (name.empty()) return address;
    std::string shown = header_text(name);
    // A plain name goes quoted (it may hold commas or dots); an encoded one
    // must not be.
    if (!shown.starts_with("=?")) {
        std::string quoted = "\"";
        for (char c : shown) {
            if (c == '"' || c == '\\') quoted += '\\';
            quoted += c;
        }
        shown = quoted + "\"";
    }
    return shown + " <" + address + ">";
}

std::string domain_of(const std::string& address) {
    const auto at = address.rfind('@');
    return at == std::string::npos ? "localhost" : address.substr(at + 1);
}

std::string text_part(const std::string& type, const std::string& body) {
    return "Content-Type: " + type +
           "; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64_lines(body);
}

}  // namespace

bool is_email_address(const std::string& text) {
    if (text.empty() || text.size() > 254) return false;
    const auto at = text.find('@');
    if (at == 0 || at == std::string::npos || at + 1 >= text.size() ||
        text.find('@', at + 1) != std::string::npos || at > 64)
        return false;
    for (unsigned char c : text) {
        if (c <= 0x20 || c >= 0x7f) return false;
        if (std::string_view("<>()[]\\,;:\"").find(static_cast<char>(c)) != std::string_view::npos)
            return false;
    }
    const std::string domain = text.substr(at + 1);
    return !domain.starts_with('.') && !domain.ends_with('.') &&
           domain.find("..") == std::string::npos;
}

std::string header_text(const std::string& text) {
    if (printable_ascii(text)) return text;
    // Control characters never reach a header, encoded or not.
    std::string clean;
    for (unsigned char c : text)
        if (c >= 0x20 && c != 0x7f) clean += static_cast<char>(c);
    if (printable_ascii(clean)) return clean;
    std::string out;
    for (std::size_t at = 0; at < clean.size();) {
        const std::size_t n = utf8_chunk(clean, at, 45);
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + base64(std::string_view(clean).substr(at, n)) + "?=";
        at += n;
    }
    return out;
}

std::string compose(const Email& email, Micros now) {
    std::string out;
    out += "From: " + address_field(email.from_name, email.from_address) + "\r\n";
    out += "To: " + email.to + "\r\n";
    out += "Subject: " + header_text(email.subject) + "\r\n";
    out += "Date: " + rfc5322_date(now) + "\r\n";
    if (!email.message_id.empty())
        out += "Message-ID: <" + header_text(email.message_id) + "@" +
               domain_of(email.from_address) + ">\r\n";
    for (const auto& [name, value] : email.headers) {
        // Names are ours; values may carry what a user typed.
        out += header_text(name) + ": " + header_text(value) + "\r\n";
    }
    out += "MIME-Version: 1.0\r\n";
    if (email.html.empty()) return out + text_part("text/plain", email.text);
    const std::string boundary = "=_" + random_token(18);
    out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
    out += "--" + boundary + "\r\n" + text_part("text/plain", email.text);
    out += "--" + boundary + "\r\n" + text_part("text/html", email.html);
    out += "--" + boundary + "--\r\n";
    return out;
}

}  // namespace ujumbe::channels::smtp
