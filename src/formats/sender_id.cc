#include "formats/sender_id.h"

#include <algorithm>
#include <cctype>

namespace ujumbe::formats {
namespace {

bool digit(char c) {
    return c >= '0' && c <= '9';
}

bool letter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// Marks every GSM alphabet has and operators accept in originators.
bool allowed_mark(char c) {
    return c == ' ' || c == '-' || c == '.' || c == '&' || c == '_';
}

constexpr std::size_t kMaxAlphanumeric = 11, kMaxNumeric = 15, kMaxShortCode = 8;

}  // namespace

std::optional<SenderId> parse_sender_id(std::string_view text, std::string* problem) {
    auto fail = [problem](std::string why) -> std::optional<SenderId> {
        if (problem) *problem = std::move(why);
        return std::nullopt;
    };
    if (text.empty()) return fail("A sender id must not be empty.");
    if (text.front() == ' ' || text.back() == ' ')
        return fail("A sender id must not start or end with a space.");
    std::string_view body = text;
    const bool plus = body.front() == '+';
    if (plus) body.remove_prefix(1);
    if (!body.empty() && std::all_of(body.begin(), body.end(), digit)) {
        if (body.size() > kMaxNumeric) return fail("A numeric sender id has at most 15 digits.");
        return SenderId{std::string(body), SenderKind::kNumeric};
    }
    if (plus) return fail("Only a number may start with '+'.");
    if (!std::all_of(text.begin(), text.end(),
                     [](char c) { return digit(c) || letter(c) || allowed_mark(c); }))
        return fail("An alphanumeric sender id has letters, digits, spaces and - . & _ only.");
    if (text.size() > kMaxAlphanumeric)
        return fail("An alphanumeric sender id has at most 11 characters.");
    if (std::none_of(text.begin(), text.end(), letter))
        return fail("An alphanumeric sender id has at least one letter.");
    return SenderId{std::string(text), SenderKind::kAlphanumeric};
}

std::pair<std::uint8_t, std::uint8_t> source_ton_npi(const SenderId& sender) {
    if (sender.kind == SenderKind::kAlphanumeric) return {5, 0};
    if (sender.value.size() <= kMaxShortCode) return {3, 0};
    return {1, 1};
}

}  // namespace ujumbe::formats
