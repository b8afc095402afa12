#pragma once
// SMPP 3.4 PDUs (PROTOCOLS.md section 1): the values a client sends and
// receives, their encoding to bytes and their decoding from bytes that came
// off a socket. The decoder trusts nothing: every length is checked, and a
// PDU it cannot read yields the command_status to answer it with.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ujumbe::smpp {

namespace command {
inline constexpr std::uint32_t kResponse = 0x80000000;
inline constexpr std::uint32_t kGenericNack = 0x80000000;
inline constexpr std::uint32_t kBindReceiver = 0x00000001;
inline constexpr std::uint32_t kBindTransmitter = 0x00000002;
inline constexpr std::uint32_t kQuerySm = 0x00000003;
inline constexpr std::uint32_t kSubmitSm = 0x00000004;
inline constexpr std::uint32_t kDeliverSm = 0x00000005;
inline constexpr std::uint32_t kUnbind = 0x00000006;
inline constexpr std::uint32_t kReplaceSm = 0x00000007;
inline constexpr std::uint32_t kCancelSm = 0x00000008;
inline constexpr std::uint32_t kBindTransceiver = 0x00000009;
inline constexpr std::uint32_t kOutbind = 0x0000000B;
inline constexpr std::uint32_t kEnquireLink = 0x00000015;
inline constexpr std::uint32_t kSubmitMulti = 0x00000021;
inline constexpr std::uint32_t kAlertNotification = 0x00000102;
inline constexpr std::uint32_t kDataSm = 0x00000103;
}  // namespace command

const char* command_name(std::uint32_t command_id);  // "submit_sm_resp", or "unknown"

namespace status {
inline constexpr std::uint32_t kOk = 0x00;
inline constexpr std::uint32_t kInvMsgLen = 0x01;
inline constexpr std::uint32_t kInvCmdLen = 0x02;
inline constexpr std::uint32_t kInvCmdId = 0x03;
inline constexpr std::uint32_t kInvBndSts = 0x04;
inline constexpr std::uint32_t kAlyBnd = 0x05;
inline constexpr std::uint32_t kSysErr = 0x08;
inline constexpr std::uint32_t kInvSrcAdr = 0x0A;
inline constexpr std::uint32_t kInvDstAdr = 0x0B;
inline constexpr std::uint32_t kBindFail = 0x0D;
inline constexpr std::uint32_t kInvPaswd = 0x0E;
inline constexpr std::uint32_t kInvSysId = 0x0F;
inline constexpr std::uint32_t kMsgQFul = 0x14;
inline constexpr std::uint32_t kSubmitFail = 0x45;
inline constexpr std::uint32_t kThrottled = 0x58;
inline constexpr std::uint32_t kRxTAppn = 0x64;
inline constexpr std::uint32_t kRxRAppn = 0x65;
inline constexpr std::uint32_t kInvTlvStream = 0xC0;
inline constexpr std::uint32_t kInvParLen = 0xC2;
inline constexpr std::uint32_t kUnknownErr = 0xFF;
}  // namespace status

const char* status_name(std::uint32_t command_status);  // "ESME_RTHROTTLED", or "unknown"

namespace tlv {
inline constexpr std::uint16_t kReceiptedMessageId = 0x001E;
inline constexpr std::uint16_t kUserMessageReference = 0x0204;
inline constexpr std::uint16_t kSarMsgRefNum = 0x020C;
inline constexpr std::uint16_t kSarTotalSegments = 0x020E;
inline constexpr std::uint16_t kSarSegmentSeqnum = 0x020F;
inline constexpr std::uint16_t kScInterfaceVersion = 0x0210;
inline constexpr std::uint16_t kNetworkErrorCode = 0x0423;
inline constexpr std::uint16_t kMessagePayload = 0x0424;
inline constexpr std::uint16_t kMessageState = 0x0427;
}  // namespace tlv

struct Tlv {
    std::uint16_t tag = 0;
    std::string value;
    bool operator==(const Tlv&) const = default;
};

// The value of the first TLV with `tag`, if any.
const std::string* find_tlv(const std::vector<Tlv>& tlvs, std::uint16_t tag);
// Integer TLVs (1, 2 or 4 octets, big-endian); nullopt when absent or of
// another size.
std::optional<std::uint32_t> tlv_int(const std::vector<Tlv>& tlvs, std::uint16_t tag);
Tlv int_tlv(std::uint16_t tag, std::uint32_t value, int octets);

// The three kinds of bind: what the ESME may send and receive.
enum class BindMode { kTransmitter, kReceiver, kTransceiver };
const char* bind_mode_name(BindMode mode);  // "transmitter", "receiver", "transceiver"
std::uint32_t bind_command(BindMode mode);  // command::kBindTransmitter, ...
// The bind a command id asks for; nullopt for any other command.
std::optional<BindMode> bind_mode_of(std::uint32_t command_id);

// bind_transmitter / bind_receiver / bind_transceiver.
struct Bind {
    std::string system_id, password, system_type;
    std::uint8_t interface_version = 0x34;
    std::uint8_t addr_ton = 0, addr_npi = 0;
    std::string address_range;
    bool operator==(const Bind&) const = default;
};

// bind_*_resp: absent body on a failed bind reads as empty.
struct BindResp {
    std::string system_id;
    std::vector<Tlv> tlvs;
    bool operator==(const BindResp&) const = default;
};

// submit_sm and deliver_sm (the same fields).
struct ShortMessage {
    std::string service_type;
    std::uint8_t source_addr_ton = 0, source_addr_npi = 0;
    std::string source_addr;
    std::uint8_t dest_addr_ton = 0, dest_addr_npi = 0;
    std::string destination_addr;
    std::uint8_t esm_class = 0, protocol_id = 0, priority_flag = 0;
    std::string schedule_delivery_time, validity_period;
    std::uint8_t registered_delivery = 0, replace_if_present_flag = 0, data_coding = 0,
                 sm_default_msg_id = 0;
    std::string short_message;  // at most 254 octets; longer text goes in message_payload
    std::vector<Tlv> tlvs;
    bool operator==(const ShortMessage&) const = default;
};

inline constexpr std::uint8_t kEsmUdhi = 0x40;
inline constexpr std::uint8_t kEsmMessageTypeMask = 0x3C;
inline constexpr std::uint8_t kEsmDeliveryReceipt = 0x04;

// submit_sm_resp, deliver_sm_resp, data_sm_resp: a message id and TLVs. An
// error answer without a body reads as empty.
struct MessageIdResp {
    std::string message_id;
    std::vector<Tlv> tlvs;
    bool operator==(const MessageIdResp&) const = default;
};

struct DataSm {
    std::string service_type;
    std::uint8_t source_addr_ton = 0, source_addr_npi = 0;
    std::string source_addr;
    std::uint8_t dest_addr_ton = 0, dest_addr_npi = 0;
    std::string destination_addr;
    std::uint8_t esm_class = 0, registered_delivery = 0, data_coding = 0;
    std::vector<Tlv> tlvs;
    bool operator==(const DataSm&) const = default;
};

// A data_sm read as the submit_sm / deliver_sm fields it shares (its text,
// if any, stays in the message_payload TLV).
ShortMessage short_message_of(const DataSm& d);

struct QuerySm {
    std::string message_id;
    std::uint8_t source_addr_ton = 0, source_addr_npi = 0;
    std::string source_addr;
    bool operator==(const QuerySm&) const = default;
};

struct QuerySmResp {
    std::string message_id, final_date;
    std::uint8_t message_state = 0, error_code = 0;
    bool operator==(const QuerySmResp&) const = default;
};

struct CancelSm {
    std::string service_type, message_id;
    std::uint8_t source_addr_ton = 0, source_addr_npi = 0;
    std::string source_addr;
    std::uint8_t dest_addr_ton = 0, dest_addr_npi = 0;
    std::string destination_addr;
    bool operator==(const CancelSm&) const = default;
};

struct Outbind {
    std::string system_id, password;
    bool operator==(const Outbind&) const = default;
};

struct AlertNotification {
    std::uint8_t source_addr_ton = 0, source_addr_npi = 0;
    std::string source_addr;
    std::uint8_t esme_addr_ton = 0, esme_addr_npi = 0;
    std::string esme_addr;
    std::vector<Tlv> tlvs;
    bool operator==(const AlertNotification&) const = default;
};

// Header-only PDUs (enquire_link(_resp), unbind(_resp), generic_nack,
// cancel_sm_resp) carry std::monostate.
using Body = std::variant<std::monostate, Bind, BindResp, ShortMessage, MessageIdResp, DataSm,
                          QuerySm, QuerySmResp, CancelSm, Outbind, AlertNotification>;

struct Pdu {
    std::uint32_t command_id = 0;
    std::uint32_t command_status = 0;
    std::uint32_t sequence_number = 0;
    Body body;
    bool operator==(const Pdu&) const = default;
};

// The wire form. The body must be the kind command_id calls for.
std::string encode(const Pdu& pdu);

// Largest PDU accepted by default: a 64 KiB message_payload and the rest.
inline constexpr std::uint32_t kMaxPduLength = 65536 + 1024;

// Framing: how long the PDU at the front of `buffer` is, once its 4-octet
// length is in (nullopt before that). A length under 16 or over `max` loses
// the framing: answer generic_nack ESME_RINVCMDLEN and close.
struct Frame {
    std::optional<std::uint32_t> length;
    bool bad_length = false;
};
Frame frame(std::string_view buffer, std::uint32_t max = kMaxPduLength);

// A PDU that could not be read: the status to answer (generic_nack for an
// unknown command, else the command's response) and why.
struct DecodeError {
    std::uint32_t command_id = 0, sequence_number = 0;
    std::uint32_t status = status::kSysErr;
    std::string reason;
};

// Decodes exactly one whole PDU (as framed by frame()).
std::variant<Pdu, DecodeError> decode(std::string_view bytes);

// Takes the encoded PDUs at the front of `writes` for one socket write: at
// least one, and more while they total under `most` bytes, so that a busy
// session makes one system call for many PDUs. REQUIRES: !writes.empty().
std::string take_writes(std::deque<std::string>& writes, std::size_t most = 64 * 1024);

}  // namespace ujumbe::smpp
