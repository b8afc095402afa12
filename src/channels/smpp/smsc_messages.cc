#include "channels/smpp/smsc_messages.h"

#include <cctype>
#include <cstdio>

#include "channels/smpp/receipt.h"
#include "formats/sms_encoding.h"

namespace ujumbe::smpp {
namespace {

constexpr std::uint8_t kStateDelivered = 2;
constexpr std::uint8_t kStateUndeliverable = 5;

// The message_state TLV value of a receipt's stat: (SMPP 3.4, 5.2.28).
std::uint8_t state_of_stat(std::string_view stat) {
    if (stat == "DELIVRD") return kStateDelivered;
    if (stat == "EXPIRED") return 3;
    if (stat == "DELETED") return 4;
    if (stat == "ACCEPTD") return 6;
    if (stat == "REJECTD") return 8;
    if (stat == "UNKNOWN") return 7;
    return kStateUndeliverable;
}
constexpr std::uint8_t kNetworkTypeGsm = 3;
constexpr std::size_t kReceiptTextChars = 20;

// FNV-1a: a stable hash (std::hash may differ between builds).
std::uint64_t stable_hash(std::string_view s) {
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char ch : s) {
        h ^= ch;
        h *= 1099511628211ull;
    }
    return h;
}

// The first characters of the submitted text, printable ASCII only, for text:.
std::string text_excerpt(const ShortMessage& submit) {
    std::string_view payload = submit.short_message;
    if (submit.esm_class & kEsmUdhi) {
        const auto split = formats::split_udh(payload);
        if (!split) return {};
        payload = split->text;
    }
    const auto text = formats::decode_text(payload, submit.data_coding);
    if (!text) return {};
    std::string out;
    for (unsigned char ch : *text) {
        if (out.size() == kReceiptTextChars) break;
        if ((ch & 0xC0) == 0x80) continue;  // the rest of a character already shown as '.'
        out += (ch >= 0x20 && ch < 0x7F) ? static_cast<char>(ch) : '.';
    }
    return out;
}

// TON/NPI of an address: international digits, or alphanumeric.
}  // namespace

void set_address(const std::string& address, std::string& out, std::uint8_t& ton,
                 std::uint8_t& npi) {
    const bool digits = address.find_first_not_of("+0123456789") == std::string::npos;
    if (digits) {
        out = address.starts_with('+') ? address.substr(1) : address;
        ton = 1;
        npi = 1;
    } else {
        out = address;
        ton = 5;
        npi = 0;
    }
}

std::string simulator_message_id(std::uint64_t n, channels::SmscIdFormat format) {
    if (format == channels::SmscIdFormat::kDecimal) return std::to_string(n);
    char hex[17];
    std::snprintf(hex, sizeof hex, "%08llX", static_cast<unsigned long long>(n));
    return hex;
}

bool reported_failed(std::string_view message_id, double failure_ratio) {
    if (failure_ratio <= 0) return false;
    if (failure_ratio >= 1) return true;
    constexpr std::uint64_t kScale = 1'000'000;
    return static_cast<double>(stable_hash(message_id) % kScale) <
           failure_ratio * static_cast<double>(kScale);
}

ShortMessage receipt_message(const ShortMessage& submit, const ReceiptFacts& facts) {
    ShortMessage r;
    r.source_addr_ton = submit.dest_addr_ton;
    r.source_addr_npi = submit.dest_addr_npi;
    r.source_addr = submit.destination_addr;
    r.dest_addr_ton = submit.source_addr_ton;
    r.dest_addr_npi = submit.source_addr_npi;
    r.destination_addr = submit.source_addr;
    r.esm_class = kEsmDeliveryReceipt;
    r.data_coding = 0;
    ReceiptText text;
    text.message_id = facts.message_id;
    text.submitted = 1;
    text.delivered = facts.delivered ? 1 : 0;
    text.submit_date = facts.submitted;
    text.done_date = facts.done;
    text.stat = !facts.stat.empty() ? facts.stat : facts.delivered ? "DELIVRD" : "UNDELIV";
    text.err = facts.delivered ? 0 : facts.error;
    text.text = text_excerpt(submit);
    r.short_message = format_receipt_text(text);
    r.tlvs.push_back({tlv::kReceiptedMessageId, facts.message_id + '\0'});
    r.tlvs.push_back(int_tlv(tlv::kMessageState, state_of_stat(text.stat), 1));
    if (!facts.delivered) {
        std::string network(1, static_cast<char>(kNetworkTypeGsm));
        network += static_cast<char>((facts.error >> 8) & 0xFF);
        network += static_cast<char>(facts.error & 0xFF);
        r.tlvs.push_back({tlv::kNetworkErrorCode, network});
    }
    return r;
}

std::vector<ShortMessage> mo_messages(const channels::MoCommand& mo, std::uint8_t reference) {
    ShortMessage base;
    set_address(mo.from, base.source_addr, base.source_addr_ton, base.source_addr_npi);
    set_address(mo.to, base.destination_addr, base.dest_addr_ton, base.dest_addr_npi);
    const auto encoded = formats::encode_sms(mo.text);
    std::vector<ShortMessage> out;
    if (!encoded) return out;
    base.data_coding = formats::data_coding_of(encoded->encoding);
    const std::size_t total = encoded->parts.size();
    for (std::size_t i = 0; i < total; ++i) {
        ShortMessage part = base;
        if (total == 1) {
            part.short_message = encoded->parts[i];
        } else {
            part.esm_class = kEsmUdhi;
            part.short_message = formats::concat_udh(reference, static_cast<std::uint8_t>(total),
                                                     static_cast<std::uint8_t>(i + 1)) +
                                 encoded->parts[i];
        }
        out.push_back(std::move(part));
    }
    return out;
}

}  // namespace ujumbe::smpp
