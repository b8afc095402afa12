#pragma once
// Delivery receipts (PROTOCOLS.md 1.8): a deliver_sm (or data_sm) whose
// esm_class says "receipt". The TLVs receipted_message_id and message_state
// are read first, the de-facto "id:... stat:... err:..." text otherwise.
// Message ids come in hex or decimal depending on the SMSC; matching needs
// one canonical form for both sides.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/delivery_status.h"
#include "channels/smpp/pdu.h"
#include "core/clock.h"

namespace ujumbe::smpp {

enum class ReceiptOutcome {
    kDelivered,
    kExpired,
    kDeleted,
    kUndeliverable,
    kRejected,
    kUnknown,       // UNKNOWN, or a stat nobody documents: final, failed
    kIntermediate,  // ENROUTE, ACCEPTD, BUFFRED...: not final
};

const char* outcome_name(ReceiptOutcome o);  // "delivered", "expired", ...
bool is_final(ReceiptOutcome o);
// The part status a receipt gives (PROTOCOLS.md 1.8): deleted and unknown
// count as undelivered, intermediate ones leave the part submitted.
channels::DeliveryStatus delivery_status_of(ReceiptOutcome o);

struct Receipt {
    std::string message_id;  // as the SMSC wrote it
    std::string stat;        // e.g. "DELIVRD"; from message_state when only TLVs came
    ReceiptOutcome outcome = ReceiptOutcome::kUnknown;
    std::optional<std::string> err;                // the text's err: field
    std::optional<std::string> network_error;      // network_error_code TLV, as hex
    std::optional<int> submitted, delivered;       // sub: and dlvrd:
    std::optional<Micros> submit_date, done_date;  // read as UTC
};

// esm_class message type 0x04 (receipt) or 0x20 (intermediate notification).
bool is_receipt(std::uint8_t esm_class);

ReceiptOutcome outcome_of_stat(std::string_view stat);
ReceiptOutcome outcome_of_state(std::uint8_t message_state);

// The receipt in a deliver_sm body, or nullopt when it carries none (no id).
std::optional<Receipt> parse_receipt(const ShortMessage& m);
std::optional<Receipt> parse_receipt(const DataSm& d);
// The text form alone; nullopt without an id: field.
std::optional<Receipt> parse_receipt_text(std::string_view text);

// The Appendix B text an SMSC writes into a receipt it sends:
// "id:ID sub:001 dlvrd:001 submit date:YYMMDDhhmm done date:YYMMDDhhmm
// stat:DELIVRD err:000 text:...". Counts and err are written with three
// digits (clamped to 0..999); text is cut to its first 20 octets.
struct ReceiptText {
    std::string message_id;
    int submitted = 1, delivered = 1;
    Micros submit_date = 0, done_date = 0;  // UTC
    std::string stat = "DELIVRD";
    int err = 0;
    std::string text;
};
std::string format_receipt_text(const ReceiptText& r);

// How a route writes message ids: as opaque strings, or as numbers in hex or
// decimal. Numbers are compared in one form: decimal without leading zeros,
// of any length (20-digit ids overflow 64 bits).
enum class IdBase { kOpaque, kHex, kDecimal };
std::optional<std::string> canonical_message_id(std::string_view id, IdBase base);

}  // namespace ujumbe::smpp
