#include "core/validate.h"

#include <algorithm>
#include <cctype>

namespace ujumbe {

namespace {

bool valid_domain(std::string_view domain) {
    if (domain.empty() || domain.size() > 253) return false;
    std::size_t start = 0;
    std::string_view last;
    while (true) {
        const auto dot = domain.find('.', start);
        const auto label =
            domain.substr(start, dot == std::string_view::npos ? domain.npos : dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
            return false;
        for (unsigned char c : label)
            if (!std::isalnum(c) && c != '-') return false;
        last = label;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    if (last.size() < 2 || start == 0) return false;  // needs a dot and a real TLD
    for (unsigned char c : last)
        if (!std::isalpha(c)) return false;
    return true;
}

}  // namespace

bool is_valid_email(std::string_view email) {
    if (email.size() > 254) return false;
    const auto at = email.find('@');
    if (at == std::string_view::npos || at == 0 || at > 64 ||
        email.find('@', at + 1) != std::string_view::npos)
        return false;
    const auto local = email.substr(0, at);
    if (local.front() == '.' || local.back() == '.' || local.find("..") != local.npos) return false;
    for (unsigned char c : local)
        if (c <= 0x20 || c >= 0x7f || c == '(' || c == ')' || c == ',' || c == ':' || c == ';' ||
            c == '<' || c == '>' || c == '[' || c == ']' || c == '\\' || c == '"')
            return false;
    return valid_domain(email.substr(at + 1));
}

bool is_country_code(std::string_view code) {
    return code.size() == 2 && std::isupper(static_cast<unsigned char>(code[0])) &&
           std::isupper(static_cast<unsigned char>(code[1]));
}

bool is_clean_text(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t len;
        std::uint32_t cp;
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) return false;
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > text.size()) return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are invalid.
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return false;
        i += len;
    }
    return true;
}

std::size_t utf8_length(std::string_view text) {
    std::size_t n = 0;
    for (unsigned char c : text)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

bool all_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string ascii_upper(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

}  // namespace ujumbe
