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
    // Back off to the start of a character so the cut splits none.
    if (end < body.size())
        while (end > 0 && (static_cast<unsigned char>(body[end]) & 0xC0) == 0x80) --end;
    const std::string_view cut = body.substr(0, end);
    const bool text = decode_utf8(cut).has_value();
    std::string out;
    out.reserve(cut.size());
    for (char ch : cut) {
        const auto byte = static_cast<unsigned char>(ch);
        const bool control = byte < 0x20 && ch != '\t' && ch != '\n' && ch != '\r';
        out += control || (!text && byte >= 0x7F) ? '?' : ch;
    }
    return out;
}

}  // namespace ujumbe::webhooks
