#pragma once
// Sender ids (the "from" of an SMS): alphanumeric up to 11 characters (the
// GSM originator limit; letters, digits, space and a few marks, at least
// one letter) or numeric up to 15 digits (an E.164 number without "+", or a
// short code). What a route sends is the SMPP TON/NPI pair of its kind.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ujumbe::formats {

enum class SenderKind { kAlphanumeric, kNumeric };

struct SenderId {
    std::string value;  // as sent: a leading "+" of a number removed
    SenderKind kind = SenderKind::kAlphanumeric;
};

// nullopt with `problem` set when `text` cannot be a sender id.
std::optional<SenderId> parse_sender_id(std::string_view text, std::string* problem);

// SMPP source_addr_ton / source_addr_npi: 5/0 alphanumeric, 1/1 for an
// international number (more than 8 digits), 3/0 for a short code.
std::pair<std::uint8_t, std::uint8_t> source_ton_npi(const SenderId& sender);

}  // namespace ujumbe::formats
