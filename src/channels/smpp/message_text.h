#pragma once
// The text of a submit_sm, deliver_sm or data_sm as one place reads it, for
// the SMPP client (MO messages) and the SMPP server (customers' submits):
// short_message, or the message_payload TLV when short_message is empty;
// the concatenation from a UDH (esm_class UDHI) or the sar_* TLVs; the
// octets decoded to UTF-8 by data_coding.

#include <optional>
#include <string>

#include "channels/smpp/pdu.h"
#include "formats/sms_encoding.h"

namespace ujumbe::smpp {

struct MessageText {
    // UTF-8; nullopt when the coding is binary or unknown.
    std::optional<std::string> text;
    // Set when the message is one part of a concatenated one.
    std::optional<formats::Concatenation> concatenation;
    // A UDH whose length ran past the payload.
    bool bad_udh = false;
};

MessageText read_text(const ShortMessage& m);

}  // namespace ujumbe::smpp
