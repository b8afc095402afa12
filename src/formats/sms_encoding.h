#pragma once
// SMS text encoding (PROTOCOLS.md section 2): GSM 03.38 7-bit with its
// extension table when every character fits, UCS-2 (UTF-16BE, surrogate
// pairs allowed) otherwise; the count of units and parts, the split into
// parts that never cuts an escape pair, a surrogate pair or a grapheme
// cluster, the concatenation UDH, and decoding of received texts.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ujumbe::formats {

enum class Encoding { kGsm7, kUcs2 };

const char* encoding_name(Encoding e);  // "gsm7" | "ucs2"

// SMPP data_coding of each encoding: 0x00 (SMSC default alphabet) and 0x08.
std::uint8_t data_coding_of(Encoding e);

// Reference size of the concatenation UDH: 8-bit (IEI 0x00, 153/67 units a
// part) or 16-bit (IEI 0x08, 152/66).
enum class ReferenceSize { k8Bit, k16Bit };

struct SegmentCount {
    Encoding encoding = Encoding::kGsm7;
    std::size_t units = 0;     // septets (GSM) or UTF-16 code units (UCS-2)
    std::size_t segments = 0;  // 1 for an empty text
};

struct EncodedSms {
    Encoding encoding = Encoding::kGsm7;
    std::size_t units = 0;
    // Each part's payload without UDH: unpacked septets (one per octet) for
    // GSM, UTF-16BE for UCS-2. One element when the text fits one SMS.
    std::vector<std::string> parts;
};

// nullopt when `utf8` is not valid UTF-8.
std::optional<SegmentCount> count_segments(std::string_view utf8,
                                           ReferenceSize ref = ReferenceSize::k8Bit);
std::optional<EncodedSms> encode_sms(std::string_view utf8,
                                     ReferenceSize ref = ReferenceSize::k8Bit);

// The concatenation UDH (with its length octet) for part `part` (1-based) of
// `total`: 05 00 03 ref total part, or 06 08 04 refhi reflo total part.
std::string concat_udh(std::uint16_t reference, std::uint8_t total, std::uint8_t part,
                       ReferenceSize ref = ReferenceSize::k8Bit);

// Received text to UTF-8 by SMPP data_coding: 0x00 and 0xF0-0xF3, 0xF8-0xFB
// (GSM 03.38 unpacked septets; an escape the table lacks shows its basic
// character), 0x01 (ASCII), 0x03 (Latin-1), 0x08 (UTF-16BE; a lone surrogate
// becomes '?'). nullopt for binary (0x02, 0x04, 8-bit class) or other codings.
std::optional<std::string> decode_text(std::string_view bytes, std::uint8_t data_coding);

// The concatenation fields of a received UDH (IEI 0x00 or 0x08).
struct Concatenation {
    int reference = 0;
    int total = 1;
    int part = 1;
};

// Splits a payload that starts with a UDH (esm_class UDHI) into the text
// after it and its concatenation element, if any. nullopt when the UDH
// length runs past the payload.
struct UdhSplit {
    std::string_view text;
    std::optional<Concatenation> concatenation;
};
std::optional<UdhSplit> split_udh(std::string_view payload);

}  // namespace ujumbe::formats
