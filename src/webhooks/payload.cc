#include "webhooks/payload.h"

#include "core/dates.h"
#include "core/utf8.h"

namespace ujumbe::webhooks {

std::string event_body(const std::string& id, std::string_view type, Micros created_at,
                       const AccountId& account, const nlohmann::json& data) {
    const nlohmann::json body = {{"id", id},
                                 {"type", type},
                                 {"created_at", format_iso8601(created_at)},
                                 {"account_id", account.value},
                                 {"data", data}};
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string response_excerpt(std::string_view body) {
    constexpr std::size_t kMax = 256;
    std::size_t end = std::min(body.size(), kMax);
    // A cut inside a character backs off to its first byte (at most three
    // back, and only to a byte that starts a character of several).
    if (end < body.size() && (static_cast<unsigned char>(body[end]) & 0xC0) == 0x80)
        for (std::size_t back = 1; back <= 3 && back <= end; ++back) {
            const auto byte = static_cast<unsigned char>(body[end - back]);
            if (byte >= 0xC0) {
                end -= back;
                break;
            }
            if ((byte & 0xC0) != 0x80) break;
        }
    const std::string_view cut = body.substr(0, end);
    std::string out;
    out.reserve(cut.size());
    const auto points = decode_utf8(cut);
    if (!points) {
        // Not text: printable ASCII is kept, every other byte is '?'.
        for (char ch : cut) {
            const auto byte = static_cast<unsigned char>(ch);
            out +=
                (byte >= 0x20 && byte < 0x7F) || ch == '\t' || ch == '\n' || ch == '\r' ? ch : '?';
        }
        return out;
    }
    for (char32_t cp : *points) {
        const bool control = (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
                             (cp >= 0x7F && cp <= 0x9F);  // DEL and the C1 controls
        if (control)
            out += '?';
        else
            append_utf8(out, cp);
    }
    return out;
}

}  // namespace ujumbe::webhooks
