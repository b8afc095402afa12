#include "channels/smpp/pdu.h"

#include <type_traits>

namespace ujumbe::smpp {
namespace {

// ---- writing

struct Writer {
    std::string out;
    void u8(std::uint8_t v) { out += static_cast<char>(v); }
    void u16(std::uint16_t v) {
        u8(static_cast<std::uint8_t>(v >> 8));
        u8(static_cast<std::uint8_t>(v));
    }
    void u32(std::uint32_t v) {
        u16(static_cast<std::uint16_t>(v >> 16));
        u16(static_cast<std::uint16_t>(v));
    }
    void cstr(std::string_view s) {
        out += s;
        out += '\0';
    }
    void tlvs(const std::vector<Tlv>& list) {
        for (const auto& t : list) {
            u16(t.tag);
            u16(static_cast<std::uint16_t>(t.value.size()));
            out += t.value;
        }
    }
};

void write_body(Writer&, const std::monostate&) {}
void write_body(Writer& w, const Bind& b) {
    w.cstr(b.system_id);
    w.cstr(b.password);
    w.cstr(b.system_type);
    w.u8(b.interface_version);
    w.u8(b.addr_ton);
    w.u8(b.addr_npi);
    w.cstr(b.address_range);
}
void write_body(Writer& w, const BindResp& b) {
    w.cstr(b.system_id);
    w.tlvs(b.tlvs);
}
void write_body(Writer& w, const ShortMessage& m) {
    w.cstr(m.service_type);
    w.u8(m.source_addr_ton);
    w.u8(m.source_addr_npi);
    w.cstr(m.source_addr);
    w.u8(m.dest_addr_ton);
    w.u8(m.dest_addr_npi);
    w.cstr(m.destination_addr);
    w.u8(m.esm_class);
    w.u8(m.protocol_id);
    w.u8(m.priority_flag);
    w.cstr(m.schedule_delivery_time);
    w.cstr(m.validity_period);
    w.u8(m.registered_delivery);
    w.u8(m.replace_if_present_flag);
    w.u8(m.data_coding);
    w.u8(m.sm_default_msg_id);
    w.u8(static_cast<std::uint8_t>(m.short_message.size()));
    w.out += m.short_message;
    w.tlvs(m.tlvs);
}
void write_body(Writer& w, const MessageIdResp& r) {
    w.cstr(r.message_id);
    w.tlvs(r.tlvs);
}
void write_body(Writer& w, const DataSm& d) {
    w.cstr(d.service_type);
    w.u8(d.source_addr_ton);
    w.u8(d.source_addr_npi);
    w.cstr(d.source_addr);
    w.u8(d.dest_addr_ton);
    w.u8(d.dest_addr_npi);
    w.cstr(d.destination_addr);
    w.u8(d.esm_class);
    w.u8(d.registered_delivery);
    w.u8(d.data_coding);
    w.tlvs(d.tlvs);
}
void write_body(Writer& w, const QuerySm& q) {
    w.cstr(q.message_id);
    w.u8(q.source_addr_ton);
    w.u8(q.source_addr_npi);
    w.cstr(q.source_addr);
}
void write_body(Writer& w, const QuerySmResp& q) {
    w.cstr(q.message_id);
    w.cstr(q.final_date);
    w.u8(q.message_state);
    w.u8(q.error_code);
}
void write_body(Writer& w, const CancelSm& c) {
    w.cstr(c.service_type);
    w.cstr(c.message_id);
    w.u8(c.source_addr_ton);
    w.u8(c.source_addr_npi);
    w.cstr(c.source_addr);
    w.u8(c.dest_addr_ton);
    w.u8(c.dest_addr_npi);
    w.cstr(c.destination_addr);
}
void write_body(Writer& w, const Outbind& o) {
    w.cstr(o.system_id);
    w.cstr(o.password);
}
void write_body(Writer& w, const AlertNotification& a) {
    w.u8(a.source_addr_ton);
    w.u8(a.source_addr_npi);
    w.cstr(a.source_addr);
    w.u8(a.esme_addr_ton);
    w.u8(a.esme_addr_npi);
    w.cstr(a.esme_addr);
    w.tlvs(a.tlvs);
}

// ---- reading

// Reads fields off a body; the first failure sticks (status and reason) and
// every later read returns empty values.
class Reader {
public:
    explicit Reader(std::string_view data) : data_(data) {}

    bool ok() const { return !failed_; }
    bool at_end() const { return pos_ >= data_.size(); }
    std::uint32_t status() const { return status_; }
    const std::string& reason() const { return reason_; }

    std::uint8_t u8(const char* field) {
        if (!need(1, field)) return 0;
        return static_cast<std::uint8_t>(data_[pos_++]);
    }
    std::uint16_t u16(const char* field) {
        const std::uint16_t hi = u8(field);
        return static_cast<std::uint16_t>((hi << 8) | u8(field));
    }
    // A C-Octet string of at most `max` octets with its NUL.
    std::string cstr(const char* field, std::size_t max,
                     std::uint32_t bad_status = status::kInvCmdLen) {
        if (failed_) return {};
        const auto end = data_.find('\0', pos_);
        if (end == std::string_view::npos) {
            fail(status::kInvCmdLen, std::string(field) + " has no terminating NUL");
            return {};
        }
        if (end - pos_ + 1 > max) {
            fail(bad_status,
                 std::string(field) + " is longer than " + std::to_string(max - 1) + " octets");
            return {};
        }
        std::string s(data_.substr(pos_, end - pos_));
        pos_ = end + 1;
        return s;
    }
    std::string octets(std::size_t n, const char* field) {
        if (!need(n, field)) return {};
        std::string s(data_.substr(pos_, n));
        pos_ += n;
        return s;
    }
    std::vector<Tlv> tlvs() {
        std::vector<Tlv> out;
        while (!failed_ && !at_end()) {
            if (data_.size() - pos_ < 4) {
                fail(status::kInvTlvStream, "a TLV is cut short");
                break;
            }
            Tlv t;
            t.tag = u16("tlv");
            const std::uint16_t length = u16("tlv");
            if (data_.size() - pos_ < length) {
                fail(status::kInvTlvStream, "a TLV's value runs past the PDU");
                break;
            }
            t.value = octets(length, "tlv");
            out.push_back(std::move(t));
        }
        return out;
    }
    void fail(std::uint32_t status, std::string reason) {
        if (failed_) return;
        failed_ = true;
        status_ = status;
        reason_ = std::move(reason);
    }

private:
    bool need(std::size_t n, const char* field) {
        if (failed_) return false;
        if (data_.size() - pos_ < n) {
            fail(status::kInvCmdLen, std::string("the body ends before ") + field);
            return false;
        }
        return true;
    }

    std::string_view data_;
    std::size_t pos_ = 0;
    bool failed_ = false;
    std::uint32_t status_ = status::kOk;
    std::string reason_;
};

constexpr std::size_t kAddr = 21, kAddr65 = 65, kServiceType = 6, kTime = 17, kMessageId = 65;

Bind read_bind(Reader& r) {
    Bind b;
    b.system_id = r.cstr("system_id", 16, status::kInvSysId);
    b.password = r.cstr("password", 17, status::kInvPaswd);  // some issue 16 characters
    b.system_type = r.cstr("system_type", 13);
    b.interface_version = r.u8("interface_version");
    b.addr_ton = r.u8("addr_ton");
    b.addr_npi = r.u8("addr_npi");
    b.address_range = r.cstr("address_range", 41);
    return b;
}

ShortMessage read_short_message(Reader& r) {
    ShortMessage m;
    m.service_type = r.cstr("service_type", kServiceType);
    m.source_addr_ton = r.u8("source_addr_ton");
    m.source_addr_npi = r.u8("source_addr_npi");
    m.source_addr = r.cstr("source_addr", kAddr, status::kInvSrcAdr);
    m.dest_addr_ton = r.u8("dest_addr_ton");
    m.dest_addr_npi = r.u8("dest_addr_npi");
    m.destination_addr = r.cstr("destination_addr", kAddr, status::kInvDstAdr);
    m.esm_class = r.u8("esm_class");
    m.protocol_id = r.u8("protocol_id");
    m.priority_flag = r.u8("priority_flag");
    m.schedule_delivery_time = r.cstr("schedule_delivery_time", kTime);
    m.validity_period = r.cstr("validity_period", kTime);
    m.registered_delivery = r.u8("registered_delivery");
    m.replace_if_present_flag = r.u8("replace_if_present_flag");
    m.data_coding = r.u8("data_coding");
    m.sm_default_msg_id = r.u8("sm_default_msg_id");
    const std::uint8_t length = r.u8("sm_length");
    if (r.ok() && length == 255) r.fail(status::kInvMsgLen, "sm_length is over 254");
    m.short_message = r.octets(length, "short_message");
    m.tlvs = r.tlvs();
    if (r.ok() && !m.short_message.empty() && find_tlv(m.tlvs, tlv::kMessagePayload))
        r.fail(status::kInvTlvStream, "short_message and message_payload are both set");
    return m;
}

DataSm read_data_sm(Reader& r) {
    DataSm d;
    d.service_type = r.cstr("service_type", kServiceType);
    d.source_addr_ton = r.u8("source_addr_ton");
    d.source_addr_npi = r.u8("source_addr_npi");
    d.source_addr = r.cstr("source_addr", kAddr65, status::kInvSrcAdr);
    d.dest_addr_ton = r.u8("dest_addr_ton");
    d.dest_addr_npi = r.u8("dest_addr_npi");
    d.destination_addr = r.cstr("destination_addr", kAddr65, status::kInvDstAdr);
    d.esm_class = r.u8("esm_class");
    d.registered_delivery = r.u8("registered_delivery");
    d.data_coding = r.u8("data_coding");
    d.tlvs = r.tlvs();
    return d;
}

// Responses that carry an error may come without a body, or with a lone NUL.
bool empty_error_body(std::string_view body, std::uint32_t status) {
    return status != status::kOk && (body.empty() || body == std::string_view("\0", 1));
}

std::uint32_t u32_at(std::string_view b, std::size_t at) {
    return (static_cast<std::uint32_t>(static_cast<std::uint8_t>(b[at])) << 24) |
           (static_cast<std::uint32_t>(static_cast<std::uint8_t>(b[at + 1])) << 16) |
           (static_cast<std::uint32_t>(static_cast<std::uint8_t>(b[at + 2])) << 8) |
           static_cast<std::uint32_t>(static_cast<std::uint8_t>(b[at + 3]));
}

}  // namespace

const char* bind_mode_name(BindMode mode) {
    switch (mode) {
        case BindMode::kTransmitter:
            return "transmitter";
        case BindMode::kReceiver:
            return "receiver";
        case BindMode::kTransceiver:
            return "transceiver";
    }
    return "unknown";
}

std::uint32_t bind_command(BindMode mode) {
    switch (mode) {
        case BindMode::kTransmitter:
            return command::kBindTransmitter;
        case BindMode::kReceiver:
            return command::kBindReceiver;
        case BindMode::kTransceiver:
            return command::kBindTransceiver;
    }
    return command::kBindTransceiver;
}

std::optional<BindMode> bind_mode_of(std::uint32_t command_id) {
    switch (command_id) {
        case command::kBindTransmitter:
            return BindMode::kTransmitter;
        case command::kBindReceiver:
            return BindMode::kReceiver;
        case command::kBindTransceiver:
            return BindMode::kTransceiver;
        default:
            return std::nullopt;
    }
}

ShortMessage short_message_of(const DataSm& d) {
    ShortMessage m;
    m.service_type = d.service_type;
    m.source_addr_ton = d.source_addr_ton;
    m.source_addr_npi = d.source_addr_npi;
    m.source_addr = d.source_addr;
    m.dest_addr_ton = d.dest_addr_ton;
    m.dest_addr_npi = d.dest_addr_npi;
    m.destination_addr = d.destination_addr;
    m.esm_class = d.esm_class;
    m.registered_delivery = d.registered_delivery;
    m.data_coding = d.data_coding;
    m.tlvs = d.tlvs;
    return m;
}

const char* command_name(std::uint32_t id) {
    const bool response = (id & command::kResponse) != 0 && id != command::kGenericNack;
    switch (id & ~command::kResponse) {
        case 0:
            return id == command::kGenericNack ? "generic_nack" : "unknown";
        case command::kBindReceiver:
            return response ? "bind_receiver_resp" : "bind_receiver";
        case command::kBindTransmitter:
            return response ? "bind_transmitter_resp" : "bind_transmitter";
        case command::kQuerySm:
            return response ? "query_sm_resp" : "query_sm";
        case command::kSubmitSm:
            return response ? "submit_sm_resp" : "submit_sm";
        case command::kDeliverSm:
            return response ? "deliver_sm_resp" : "deliver_sm";
        case command::kUnbind:
            return response ? "unbind_resp" : "unbind";
        case command::kReplaceSm:
            return response ? "replace_sm_resp" : "replace_sm";
        case command::kCancelSm:
            return response ? "cancel_sm_resp" : "cancel_sm";
        case command::kBindTransceiver:
            return response ? "bind_transceiver_resp" : "bind_transceiver";
        case command::kOutbind:
            return response ? "unknown" : "outbind";
        case command::kEnquireLink:
            return response ? "enquire_link_resp" : "enquire_link";
        case command::kSubmitMulti:
            return response ? "submit_multi_resp" : "submit_multi";
        case command::kAlertNotification:
            return response ? "unknown" : "alert_notification";
        case command::kDataSm:
            return response ? "data_sm_resp" : "data_sm";
        default:
            return "unknown";
    }
}

const char* status_name(std::uint32_t s) {
    switch (s) {
        case status::kOk:
            return "ESME_ROK";
        case status::kInvMsgLen:
            return "ESME_RINVMSGLEN";
        case status::kInvCmdLen:
            return "ESME_RINVCMDLEN";
        case status::kInvCmdId:
            return "ESME_RINVCMDID";
        case status::kInvBndSts:
            return "ESME_RINVBNDSTS";
        case status::kAlyBnd:
            return "ESME_RALYBND";
        case status::kSysErr:
            return "ESME_RSYSERR";
        case status::kInvSrcAdr:
            return "ESME_RINVSRCADR";
        case status::kInvDstAdr:
            return "ESME_RINVDSTADR";
        case status::kBindFail:
            return "ESME_RBINDFAIL";
        case status::kInvPaswd:
            return "ESME_RINVPASWD";
        case status::kInvSysId:
            return "ESME_RINVSYSID";
        case status::kMsgQFul:
            return "ESME_RMSGQFUL";
        case status::kSubmitFail:
            return "ESME_RSUBMITFAIL";
        case status::kThrottled:
            return "ESME_RTHROTTLED";
        case status::kRxTAppn:
            return "ESME_RX_T_APPN";
        case status::kRxRAppn:
            return "ESME_RX_R_APPN";
        case status::kInvTlvStream:
            return "ESME_RINVOPTPARSTREAM";
        case status::kInvParLen:
            return "ESME_RINVPARLEN";
        case status::kUnknownErr:
            return "ESME_RUNKNOWNERR";
        default:
            return "unknown";
    }
}

const std::string* find_tlv(const std::vector<Tlv>& tlvs, std::uint16_t tag) {
    for (const auto& t : tlvs)
        if (t.tag == tag) return &t.value;
    return nullptr;
}

std::optional<std::uint32_t> tlv_int(const std::vector<Tlv>& tlvs, std::uint16_t tag) {
    const std::string* v = find_tlv(tlvs, tag);
    if (!v || (v->size() != 1 && v->size() != 2 && v->size() != 4)) return std::nullopt;
    std::uint32_t n = 0;
    for (char ch : *v) n = (n << 8) | static_cast<std::uint8_t>(ch);
    return n;
}

Tlv int_tlv(std::uint16_t tag, std::uint32_t value, int octets) {
    Tlv t{tag, {}};
    for (int i = octets - 1; i >= 0; --i) t.value += static_cast<char>((value >> (8 * i)) & 0xFF);
    return t;
}

std::string encode(const Pdu& pdu) {
    Writer w;
    w.u32(0);  // the length, set below
    w.u32(pdu.command_id);
    w.u32(pdu.command_status);
    w.u32(pdu.sequence_number);
    std::visit([&w](const auto& body) { write_body(w, body); }, pdu.body);
    const auto length = static_cast<std::uint32_t>(w.out.size());
    for (int i = 0; i < 4; ++i)
        w.out[static_cast<std::size_t>(i)] = static_cast<char>(length >> (24 - 8 * i));
    return std::move(w.out);
}

Frame frame(std::string_view buffer, std::uint32_t max) {
    if (buffer.size() < 4) return {};
    const std::uint32_t length = u32_at(buffer, 0);
    if (length < 16 || length > max) return {length, true};
    return {length, false};
}

std::variant<Pdu, DecodeError> decode(std::string_view bytes) {
    DecodeError error;
    if (bytes.size() < 16) {
        error.status = status::kInvCmdLen;
        error.reason = "a PDU is at least 16 octets";
        return error;
    }
    Pdu pdu;
    pdu.command_id = u32_at(bytes, 4);
    pdu.command_status = u32_at(bytes, 8);
    pdu.sequence_number = u32_at(bytes, 12);
    error.command_id = pdu.command_id;
    error.sequence_number = pdu.sequence_number;
    if (u32_at(bytes, 0) != bytes.size()) {
        error.status = status::kInvCmdLen;
        error.reason = "command_length does not match the PDU";
        return error;
    }
    const std::string_view body = bytes.substr(16);
    const std::uint32_t id = pdu.command_id;
    Reader r(body);
    switch (id) {
        case command::kBindReceiver:
        case command::kBindTransmitter:
        case command::kBindTransceiver:
            pdu.body = read_bind(r);
            break;
        case command::kBindReceiver | command::kResponse:
        case command::kBindTransmitter | command::kResponse:
        case command::kBindTransceiver | command::kResponse:
            if (!empty_error_body(body, pdu.command_status)) {
                BindResp b;
                b.system_id = r.cstr("system_id", 16, status::kInvSysId);
                b.tlvs = r.tlvs();
                pdu.body = std::move(b);
            } else {
                pdu.body = BindResp{};
            }
            break;
        case command::kSubmitSm:
        case command::kDeliverSm:
            pdu.body = read_short_message(r);
            break;
        case command::kSubmitSm | command::kResponse:
        case command::kDeliverSm | command::kResponse:
        case command::kDataSm | command::kResponse:
            if (!empty_error_body(body, pdu.command_status)) {
                MessageIdResp m;
                m.message_id = r.cstr("message_id", kMessageId);
                m.tlvs = r.tlvs();
                pdu.body = std::move(m);
            } else {
                pdu.body = MessageIdResp{};
            }
            break;
        case command::kDataSm:
            pdu.body = read_data_sm(r);
            break;
        case command::kQuerySm: {
            QuerySm q;
            q.message_id = r.cstr("message_id", kMessageId);
            q.source_addr_ton = r.u8("source_addr_ton");
            q.source_addr_npi = r.u8("source_addr_npi");
            q.source_addr = r.cstr("source_addr", kAddr, status::kInvSrcAdr);
            pdu.body = std::move(q);
            break;
        }
        case command::kQuerySm | command::kResponse:
            if (!empty_error_body(body, pdu.command_status)) {
                QuerySmResp q;
                q.message_id = r.cstr("message_id", kMessageId);
                q.final_date = r.cstr("final_date", kTime);
                q.message_state = r.u8("message_state");
                q.error_code = r.u8("error_code");
                pdu.body = std::move(q);
            } else {
                pdu.body = QuerySmResp{};
            }
            break;
        case command::kCancelSm: {
            CancelSm c;
            c.service_type = r.cstr("service_type", kServiceType);
            c.message_id = r.cstr("message_id", kMessageId);
            c.source_addr_ton = r.u8("source_addr_ton");
            c.source_addr_npi = r.u8("source_addr_npi");
            c.source_addr = r.cstr("source_addr", kAddr, status::kInvSrcAdr);
            c.dest_addr_ton = r.u8("dest_addr_ton");
            c.dest_addr_npi = r.u8("dest_addr_npi");
            c.destination_addr = r.cstr("destination_addr", kAddr, status::kInvDstAdr);
            pdu.body = std::move(c);
            break;
        }
        case command::kOutbind: {
            Outbind o;
            o.system_id = r.cstr("system_id", 16, status::kInvSysId);
            o.password = r.cstr("password", 17, status::kInvPaswd);
            pdu.body = std::move(o);
            break;
        }
        case command::kAlertNotification: {
            AlertNotification a;
            a.source_addr_ton = r.u8("source_addr_ton");
            a.source_addr_npi = r.u8("source_addr_npi");
            a.source_addr = r.cstr("source_addr", kAddr65, status::kInvSrcAdr);
            a.esme_addr_ton = r.u8("esme_addr_ton");
            a.esme_addr_npi = r.u8("esme_addr_npi");
            a.esme_addr = r.cstr("esme_addr", kAddr65);
            a.tlvs = r.tlvs();
            pdu.body = std::move(a);
            break;
        }
        case command::kEnquireLink:
        case command::kEnquireLink | command::kResponse:
        case command::kUnbind:
        case command::kUnbind | command::kResponse:
        case command::kCancelSm | command::kResponse:
        case command::kGenericNack:
            // Header-only; a stray NUL some peers send is tolerated.
            if (!body.empty() && body != std::string_view("\0", 1))
                r.fail(status::kInvCmdLen, std::string(command_name(id)) + " has a body");
            break;
        default:
            error.status = status::kInvCmdId;
            error.reason = "unknown command_id";
            return error;
    }
    // Bodies without TLVs end where their last field does.
    const bool fixed =
        std::holds_alternative<Bind>(pdu.body) || std::holds_alternative<QuerySm>(pdu.body) ||
        std::holds_alternative<QuerySmResp>(pdu.body) ||
        std::holds_alternative<CancelSm>(pdu.body) || std::holds_alternative<Outbind>(pdu.body);
    if (r.ok() && fixed && !r.at_end()) r.fail(status::kInvCmdLen, "octets after the last field");
    if (!r.ok()) {
        error.status = r.status();
        error.reason = std::string(command_name(id)) + ": " + r.reason();
        return error;
    }
    return pdu;
}

std::string take_writes(std::deque<std::string>& writes, std::size_t most) {
    std::string bytes = std::move(writes.front());
    writes.pop_front();
    while (!writes.empty() && bytes.size() + writes.front().size() <= most) {
        bytes += writes.front();
        writes.pop_front();
    }
    return bytes;
}

}  // namespace ujumbe::smpp
