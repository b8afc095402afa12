#pragma once
// What the SMSC simulator writes: its message ids, which messages it
// reports as failed, and the deliver_sm of a receipt or an MO message.
// Pure functions of their inputs, so a run with the same inputs repeats.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "channels/smpp/pdu.h"
#include "channels/smsc_simulator.h"
#include "core/clock.h"

namespace ujumbe::smpp {

// The id of the simulator's nth message: "17", or "00000011" in hex.
std::string simulator_message_id(std::uint64_t n, channels::SmscIdFormat format);

// Whether the message with `message_id` is reported undelivered: true for
// about `failure_ratio` of all ids, always the same answer for one id.
bool reported_failed(std::string_view message_id, double failure_ratio);

// An address field: a number ("+255...", "255...") as digits with TON 1,
// NPI 1 (international, E.164); anything else alphanumeric (TON 5, NPI 0).
void set_address(const std::string& address, std::string& out, std::uint8_t& ton,
                 std::uint8_t& npi);

struct ReceiptFacts {
    std::string message_id;
    bool delivered = true;
    int error = 0;  // err: of a failed one
    Micros submitted = 0, done = 0;
    // The stat: written ("EXPIRED", "REJECTD", ...); empty: DELIVRD or
    // UNDELIV as `delivered` says.
    std::string stat;
};

// The receipt of `submit` (PROTOCOLS.md 1.8): from its destination to its
// source, esm_class 0x04, the Appendix B text and the receipted_message_id,
// message_state (and for a failure network_error_code) TLVs.
ShortMessage receipt_message(const ShortMessage& submit, const ReceiptFacts& facts);

// The deliver_sm of an MO text: one, or UDH-concatenated parts with
// `reference`. GSM 03.38 when every character fits, UCS-2 otherwise.
// REQUIRES: mo passed parse_smsc_line (valid UTF-8, at most 255 parts).
std::vector<ShortMessage> mo_messages(const channels::MoCommand& mo, std::uint8_t reference);

}  // namespace ujumbe::smpp
