#include "channels/smpp/receipt.h"

#include <algorithm>
#include <cctype>

namespace ujumbe::smpp {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

// The value after "key:" (case-insensitive, at the start or after a space),
// up to the next space; for "text:" the rest of the line.
std::optional<std::string_view> field(std::string_view text, std::string_view key) {
    for (std::size_t at = 0; at + key.size() < text.size() + 1; ++at) {
        if (at > 0 && text[at - 1] != ' ') continue;
        if (!iequals(text.substr(at, key.size()), key)) continue;
        std::size_t begin = at + key.size();
        if (begin >= text.size() || text[begin] != ':') continue;
        ++begin;
        if (key == "text") return text.substr(begin);
        std::size_t end = text.find(' ', begin);
        if (end == std::string_view::npos) end = text.size();
        return text.substr(begin, end - begin);
    }
    return std::nullopt;
}

std::optional<int> small_number(std::optional<std::string_view> v) {
    if (!v || v->empty() || v->size() > 4) return std::nullopt;
    int n = 0;
    for (char ch : *v) {
        if (ch < '0' || ch > '9') return std::nullopt;
        n = n * 10 + (ch - '0');
    }
    return n;
}

// YYMMDDhhmm, YYMMDDhhmmss (or up to 14 digits, the rest ignored) as UTC.
std::optional<Micros> receipt_date(std::optional<std::string_view> v) {
    if (!v || v->size() < 10) return std::nullopt;
    for (char ch : *v)
        if (ch < '0' || ch > '9') return std::nullopt;
    std::string iso = "20";
    iso += v->substr(0, 2);
    iso += '-';
    iso += v->substr(2, 2);
    iso += '-';
    iso += v->substr(4, 2);
    iso += 'T';
    iso += v->substr(6, 2);
    iso += ':';
    iso += v->substr(8, 2);
    iso += ':';
    iso += v->size() >= 12 ? std::string(v->substr(10, 2)) : std::string("00");
    iso += 'Z';
    return parse_iso8601(iso);
}

// YYMMDDhhmm of a UTC instant, from its ISO 8601 form (YYYY-MM-DDThh:mm...).
std::string receipt_date_text(Micros at) {
    const std::string iso = format_iso8601(at);
    if (iso.size() < 16) return "0000000000";
    return iso.substr(2, 2) + iso.substr(5, 2) + iso.substr(8, 2) + iso.substr(11, 2) +
           iso.substr(14, 2);
}

std::string three_digits(int n) {
    n = std::clamp(n, 0, 999);
    std::string out = std::to_string(n);
    return std::string(3 - out.size(), '0') + out;
}

std::string hex_of(std::string_view bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (char ch : bytes) {
        out += digits[static_cast<std::uint8_t>(ch) >> 4];
        out += digits[static_cast<std::uint8_t>(ch) & 0xF];
    }
    return out;
}

// The text of a receipt: short_message, or message_payload when that is empty.
std::optional<Receipt> from_tlvs_or_text(const std::vector<Tlv>& tlvs, std::string_view text) {
    std::optional<Receipt> r = parse_receipt_text(text);
    if (const std::string* id = find_tlv(tlvs, tlv::kReceiptedMessageId)) {
        std::string value = *id;
        if (!value.empty() && value.back() == '\0') value.pop_back();  // a C-Octet string
        if (!value.empty()) {
            if (!r) r = Receipt{};
            r->message_id = std::move(value);
        }
    }
    if (!r) return std::nullopt;
    if (auto state = tlv_int(tlvs, tlv::kMessageState)) {
        r->outcome = outcome_of_state(static_cast<std::uint8_t>(*state));
        if (r->stat.empty()) r->stat = outcome_name(r->outcome);
    }
    if (const std::string* net = find_tlv(tlvs, tlv::kNetworkErrorCode))
        r->network_error = hex_of(*net);
    return r;
}

}  // namespace

std::string format_receipt_text(const ReceiptText& r) {
    constexpr std::size_t kTextOctets = 20;
    return "id:" + r.message_id + " sub:" + three_digits(r.submitted) +
           " dlvrd:" + three_digits(r.delivered) +
           " submit date:" + receipt_date_text(r.submit_date) +
           " done date:" + receipt_date_text(r.done_date) + " stat:" + r.stat +
           " err:" + three_digits(r.err) + " text:" + r.text.substr(0, kTextOctets);
}

const char* outcome_name(ReceiptOutcome o) {
    switch (o) {
        case ReceiptOutcome::kDelivered:
            return "delivered";
        case ReceiptOutcome::kExpired:
            return "expired";
        case ReceiptOutcome::kDeleted:
            return "deleted";
        case ReceiptOutcome::kUndeliverable:
            return "undeliverable";
        case ReceiptOutcome::kRejected:
            return "rejected";
        case ReceiptOutcome::kUnknown:
            return "unknown";
        case ReceiptOutcome::kIntermediate:
            return "intermediate";
    }
    return "unknown";
}

bool is_final(ReceiptOutcome o) {
    return o != ReceiptOutcome::kIntermediate;
}

channels::DeliveryStatus delivery_status_of(ReceiptOutcome o) {
    using channels::DeliveryStatus;
    switch (o) {
        case ReceiptOutcome::kDelivered:
            return DeliveryStatus::kDelivered;
        case ReceiptOutcome::kExpired:
            return DeliveryStatus::kExpired;
        case ReceiptOutcome::kRejected:
            return DeliveryStatus::kRejected;
        case ReceiptOutcome::kDeleted:
        case ReceiptOutcome::kUndeliverable:
        case ReceiptOutcome::kUnknown:
            return DeliveryStatus::kUndelivered;
        case ReceiptOutcome::kIntermediate:
            return DeliveryStatus::kSubmitted;
    }
    return DeliveryStatus::kUndelivered;
}

bool is_receipt(std::uint8_t esm_class) {
    const auto type = esm_class & kEsmMessageTypeMask;
    return type == kEsmDeliveryReceipt || type == 0x20;
}

ReceiptOutcome outcome_of_stat(std::string_view stat) {
    if (iequals(stat, "DELIVRD")) return ReceiptOutcome::kDelivered;
    if (iequals(stat, "EXPIRED")) return ReceiptOutcome::kExpired;
    if (iequals(stat, "DELETED")) return ReceiptOutcome::kDeleted;
    if (iequals(stat, "UNDELIV")) return ReceiptOutcome::kUndeliverable;
    if (iequals(stat, "REJECTD")) return ReceiptOutcome::kRejected;
    for (const char* pending : {"ENROUTE", "ACCEPTD", "ACKED", "BUFFRED", "BUFFERD"})
        if (iequals(stat, pending)) return ReceiptOutcome::kIntermediate;
    return ReceiptOutcome::kUnknown;
}

ReceiptOutcome outcome_of_state(std::uint8_t state) {
    switch (state) {
        case 1:
            return ReceiptOutcome::kIntermediate;  // ENROUTE
        case 2:
            return ReceiptOutcome::kDelivered;
        case 3:
            return ReceiptOutcome::kExpired;
        case 4:
            return ReceiptOutcome::kDeleted;
        case 5:
            return ReceiptOutcome::kUndeliverable;
        case 6:
            return ReceiptOutcome::kIntermediate;  // ACCEPTED
        case 8:
            return ReceiptOutcome::kRejected;
        default:
            return ReceiptOutcome::kUnknown;
    }
}

std::optional<Receipt> parse_receipt_text(std::string_view text) {
    // Stop at the first NUL: some SMSCs pad the text.
    if (auto nul = text.find('\0'); nul != std::string_view::npos) text = text.substr(0, nul);
    auto id = field(text, "id");
    if (!id || id->empty()) return std::nullopt;
    Receipt r;
    r.message_id = std::string(*id);
    if (auto stat = field(text, "stat")) {
        r.stat = std::string(*stat);
        r.outcome = outcome_of_stat(*stat);
    }
    if (auto err = field(text, "err"); err && !err->empty()) r.err = std::string(*err);
    r.submitted = small_number(field(text, "sub"));
    r.delivered = small_number(field(text, "dlvrd"));
    r.submit_date = receipt_date(field(text, "submit date"));
    r.done_date = receipt_date(field(text, "done date"));
    return r;
}

std::optional<Receipt> parse_receipt(const ShortMessage& m) {
    std::string_view text = m.short_message;
    if (text.empty())
        if (const std::string* payload = find_tlv(m.tlvs, tlv::kMessagePayload)) text = *payload;
    return from_tlvs_or_text(m.tlvs, text);
}

std::optional<Receipt> parse_receipt(const DataSm& d) {
    const std::string* payload = find_tlv(d.tlvs, tlv::kMessagePayload);
    return from_tlvs_or_text(d.tlvs, payload ? std::string_view(*payload) : std::string_view());
}

std::optional<std::string> canonical_message_id(std::string_view id, IdBase base) {
    if (id.empty()) return std::nullopt;
    if (base == IdBase::kOpaque) return std::string(id);
    // Decimal digits, least significant first, grown digit by digit.
    std::vector<std::uint8_t> decimal{0};
    const unsigned radix = base == IdBase::kHex ? 16 : 10;
    for (char ch : id) {
        unsigned digit;
        if (ch >= '0' && ch <= '9')
            digit = static_cast<unsigned>(ch - '0');
        else if (radix == 16 && ch >= 'a' && ch <= 'f')
            digit = static_cast<unsigned>(ch - 'a' + 10);
        else if (radix == 16 && ch >= 'A' && ch <= 'F')
            digit = static_cast<unsigned>(ch - 'A' + 10);
        else
            return std::nullopt;
        unsigned carry = digit;
        for (auto& d : decimal) {
            const unsigned v = d * radix + carry;
            d = static_cast<std::uint8_t>(v % 10);
            carry = v / 10;
        }
        while (carry) {
            decimal.push_back(static_cast<std::uint8_t>(carry % 10));
            carry /= 10;
        }
    }
    while (decimal.size() > 1 && decimal.back() == 0) decimal.pop_back();
    std::string out;
    for (auto it = decimal.rbegin(); it != decimal.rend(); ++it)
        out += static_cast<char>('0' + *it);
    return out;
}

}  // namespace ujumbe::smpp
