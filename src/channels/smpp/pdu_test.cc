#include "channels/smpp/pdu.h"

#include <gtest/gtest.h>

#include <random>

namespace ujumbe::smpp {
namespace {

std::string bytes(std::initializer_list<int> list) {
    std::string out;
    for (int b : list) out += static_cast<char>(b);
    return out;
}

Pdu decoded(std::string_view wire) {
    auto result = decode(wire);
    if (auto* e = std::get_if<DecodeError>(&result)) {
        ADD_FAILURE() << e->reason;
        return {};
    }
    return std::get<Pdu>(result);
}

DecodeError refused(std::string_view wire) {
    auto result = decode(wire);
    if (auto* e = std::get_if<DecodeError>(&result)) return *e;
    ADD_FAILURE() << "decoded as " << command_name(std::get<Pdu>(result).command_id);
    return {};
}

// A PDU with `body` after a header of the right length.
std::string with_header(std::uint32_t id, std::uint32_t status, std::uint32_t seq,
                        const std::string& body) {
    Pdu p{id, status, seq, {}};
    std::string wire = encode(p) + body;
    const auto n = static_cast<std::uint32_t>(wire.size());
    for (int i = 0; i < 4; ++i)
        wire[static_cast<std::size_t>(i)] = static_cast<char>(n >> (24 - 8 * i));
    return wire;
}

TEST(SmppPdu, HeaderOnlyPdusHaveTheirWireForm) {
    EXPECT_EQ(encode({command::kEnquireLink, 0, 1, {}}),
              bytes({0, 0, 0, 16, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 1}));
    EXPECT_EQ(encode({command::kGenericNack, status::kInvCmdId, 0x7FFFFFFF, {}}),
              bytes({0, 0, 0, 16, 0x80, 0, 0, 0, 0, 0, 0, 3, 0x7F, 0xFF, 0xFF, 0xFF}));
    const Pdu unbind_resp{command::kUnbind | command::kResponse, 0, 9, {}};
    EXPECT_EQ(decoded(encode(unbind_resp)), unbind_resp);
    // A stray NUL after a header-only PDU is tolerated, more is not.
    EXPECT_EQ(
        decoded(with_header(command::kEnquireLink, 0, 2, std::string(1, '\0'))).sequence_number,
        2u);
    EXPECT_EQ(refused(with_header(command::kEnquireLink, 0, 2, "xy")).status, status::kInvCmdLen);
}

TEST(SmppPdu, SubmitSmHasItsWireForm) {
    ShortMessage m;
    m.source_addr_ton = 5;
    m.source_addr = "Ujumbe";
    m.dest_addr_ton = 1;
    m.dest_addr_npi = 1;
    m.destination_addr = "255712345678";
    m.registered_delivery = 1;
    m.short_message = "Hi";
    m.tlvs.push_back(int_tlv(tlv::kUserMessageReference, 0x0102, 2));
    const std::string wire = encode({command::kSubmitSm, 0, 7, m});
    const std::string body = std::string("\0", 1) + bytes({5, 0}) + std::string("Ujumbe\0", 7) +
                             bytes({1, 1}) + std::string("255712345678\0", 13) + bytes({0, 0, 0}) +
                             std::string("\0\0", 2) + bytes({1, 0, 0, 0}) + bytes({2}) + "Hi" +
                             bytes({0x02, 0x04, 0, 2, 1, 2});
    EXPECT_EQ(wire.substr(16), body);
    EXPECT_EQ(wire.size(), 16 + body.size());
    EXPECT_EQ(decoded(wire), (Pdu{command::kSubmitSm, 0, 7, m}));
}

TEST(SmppPdu, EveryBodyRoundTrips) {
    ShortMessage receipt;
    receipt.source_addr = "255712345678";
    receipt.destination_addr = "Ujumbe";
    receipt.esm_class = kEsmDeliveryReceipt;
    receipt.short_message = "id:0A1B stat:DELIVRD err:000";
    receipt.tlvs = {Tlv{tlv::kReceiptedMessageId, std::string("0A1B\0", 5)},
                    int_tlv(tlv::kMessageState, 2, 1),
                    Tlv{tlv::kNetworkErrorCode, bytes({3, 0, 0})}};
    ShortMessage long_part;
    long_part.esm_class = kEsmUdhi;
    long_part.data_coding = 8;
    long_part.short_message = std::string(254, 'x');
    ShortMessage payload;
    payload.tlvs = {Tlv{tlv::kMessagePayload, std::string(5000, 'p')}};
    DataSm data;
    data.source_addr = std::string(64, '1');
    data.tlvs = {Tlv{tlv::kMessagePayload, "hello"}};
    const std::vector<Pdu> all = {
        {command::kBindTransceiver, 0, 1, Bind{"esme", "secret", "VMA", 0x34, 1, 1, "^255"}},
        {command::kBindTransmitter, 0, 2, Bind{"esme", std::string(16, 'p'), "", 0x34, 0, 0, ""}},
        {command::kBindReceiver | command::kResponse, 0, 3,
         BindResp{"smsc", {int_tlv(tlv::kScInterfaceVersion, 0x34, 1)}}},
        {command::kDeliverSm, 0, 4, receipt},
        {command::kSubmitSm, 0, 5, long_part},
        {command::kSubmitSm, 0, 6, payload},
        {command::kSubmitSm | command::kResponse, 0, 7, MessageIdResp{"abc-123", {}}},
        {command::kDeliverSm | command::kResponse, 0, 8, MessageIdResp{}},
        {command::kDataSm, 0, 9, data},
        {command::kDataSm | command::kResponse, 0, 10, MessageIdResp{"d1", {}}},
        {command::kQuerySm, 0, 11, QuerySm{"abc", 1, 1, "255712345678"}},
        {command::kQuerySm | command::kResponse, 0, 12,
         QuerySmResp{"abc", "261128101500000+", 2, 0}},
        {command::kCancelSm, 0, 13, CancelSm{"", "abc", 5, 0, "Ujumbe", 1, 1, "255712345678"}},
        {command::kCancelSm | command::kResponse, 0, 14, {}},
        {command::kOutbind, 0, 15, Outbind{"smsc", "pw"}},
        {command::kAlertNotification, 0, 16, AlertNotification{1, 1, "2557", 0, 0, "esme", {}}},
        {command::kUnbind, 0, 17, {}},
        {command::kEnquireLink | command::kResponse, 0, 18, {}},
    };
    for (const auto& pdu : all) {
        const auto wire = encode(pdu);
        EXPECT_EQ(frame(wire).length, wire.size()) << command_name(pdu.command_id);
        EXPECT_EQ(decoded(wire), pdu) << command_name(pdu.command_id);
    }
}

TEST(SmppPdu, ErrorResponsesMayComeWithoutABody) {
    for (const std::string& body : {std::string(), std::string(1, '\0')}) {
        auto p = decoded(
            with_header(command::kSubmitSm | command::kResponse, status::kThrottled, 3, body));
        EXPECT_EQ(p.command_status, status::kThrottled);
        EXPECT_EQ(std::get<MessageIdResp>(p.body).message_id, "");
        auto b = decoded(with_header(command::kBindTransceiver | command::kResponse,
                                     status::kInvPaswd, 1, body));
        EXPECT_EQ(std::get<BindResp>(b.body).system_id, "");
    }
    // A success must carry its message id.
    EXPECT_EQ(refused(with_header(command::kSubmitSm | command::kResponse, 0, 3, "")).status,
              status::kInvCmdLen);
}

TEST(SmppPdu, FramingChecksTheLength) {
    EXPECT_FALSE(frame("").length);
    EXPECT_FALSE(frame(bytes({0, 0, 0})).length);
    EXPECT_EQ(frame(bytes({0, 0, 0, 16, 0})).length, 16u);
    EXPECT_FALSE(frame(bytes({0, 0, 0, 16})).bad_length);
    EXPECT_TRUE(frame(bytes({0, 0, 0, 15})).bad_length);
    EXPECT_TRUE(frame(bytes({0, 0, 0, 0})).bad_length);
    EXPECT_TRUE(frame(bytes({0x7F, 0xFF, 0xFF, 0xFF})).bad_length);
    EXPECT_TRUE(frame(bytes({0, 0, 0x10, 0x01}), 4096).bad_length);
}

TEST(SmppPdu, MalformedPdusGetTheStatusToAnswer) {
    EXPECT_EQ(refused(bytes({0, 0, 0, 16, 0, 0})).status, status::kInvCmdLen);
    // command_length disagrees with the bytes.
    auto wire = encode({command::kEnquireLink, 0, 5, {}}) + "x";
    auto e = refused(wire);
    EXPECT_EQ(e.status, status::kInvCmdLen);
    EXPECT_EQ(e.sequence_number, 5u);
    e = refused(with_header(0x00000077, 0, 6, ""));
    EXPECT_EQ(e.status, status::kInvCmdId);
    EXPECT_EQ(e.command_id, 0x77u);
    EXPECT_EQ(e.sequence_number, 6u);

    ShortMessage m;
    m.source_addr = "Ujumbe";
    m.destination_addr = "255712345678";
    m.short_message = "Hello";
    const std::string good = encode({command::kSubmitSm, 0, 9, m}).substr(16);
    // Cut anywhere: never read past the end.
    for (std::size_t cut = 0; cut < good.size(); ++cut) {
        auto r = decode(with_header(command::kSubmitSm, 0, 9, good.substr(0, cut)));
        EXPECT_TRUE(std::holds_alternative<DecodeError>(r)) << cut;
    }
    // A source address over 20 octets, a missing NUL, sm_length past the end.
    ShortMessage long_source = m;
    long_source.source_addr = std::string(21, '1');
    EXPECT_EQ(refused(encode({command::kSubmitSm, 0, 9, long_source})).status, status::kInvSrcAdr);
    ShortMessage long_dest = m;
    long_dest.destination_addr = std::string(30, '1');
    EXPECT_EQ(refused(encode({command::kSubmitSm, 0, 9, long_dest})).status, status::kInvDstAdr);
    EXPECT_EQ(refused(with_header(command::kSubmitSm, 0, 9, "CMT")).status, status::kInvCmdLen);
    std::string past = good;
    past[past.size() - 6] = static_cast<char>(200);  // sm_length of "Hello" -> 200
    EXPECT_EQ(refused(with_header(command::kSubmitSm, 0, 9, past)).status, status::kInvCmdLen);
    // TLVs cut short or running past the PDU.
    EXPECT_EQ(refused(with_header(command::kSubmitSm, 0, 9, good + bytes({0x04, 0x24, 0}))).status,
              status::kInvTlvStream);
    EXPECT_EQ(
        refused(with_header(command::kSubmitSm, 0, 9, good + bytes({0x04, 0x24, 0, 9, 1}))).status,
        status::kInvTlvStream);
    // short_message and message_payload together.
    ShortMessage both = m;
    both.tlvs = {Tlv{tlv::kMessagePayload, "more"}};
    EXPECT_EQ(refused(encode({command::kSubmitSm, 0, 9, both})).status, status::kInvTlvStream);
    // Octets after a body that has no TLVs.
    const auto bind = encode({command::kBindTransmitter, 0, 1, Bind{"a", "b", "", 0x34, 0, 0, ""}});
    EXPECT_EQ(refused(with_header(command::kBindTransmitter, 0, 1, bind.substr(16) + "z")).status,
              status::kInvCmdLen);
    EXPECT_EQ(refused(encode({command::kBindTransmitter, 0, 1,
                              Bind{std::string(16, 's'), "", "", 0x34, 0, 0, ""}}))
                  .status,
              status::kInvSysId);
}

TEST(SmppPdu, TlvIntegers) {
    const std::vector<Tlv> tlvs = {int_tlv(tlv::kMessageState, 5, 1),
                                   int_tlv(tlv::kSarMsgRefNum, 0xABCD, 2),
                                   int_tlv(tlv::kUserMessageReference, 0x01020304, 4),
                                   Tlv{tlv::kNetworkErrorCode, bytes({3, 0, 1})}};
    EXPECT_EQ(tlv_int(tlvs, tlv::kMessageState), 5u);
    EXPECT_EQ(tlv_int(tlvs, tlv::kSarMsgRefNum), 0xABCDu);
    EXPECT_EQ(tlv_int(tlvs, tlv::kUserMessageReference), 0x01020304u);
    EXPECT_FALSE(tlv_int(tlvs, tlv::kNetworkErrorCode));  // 3 octets: not an integer
    EXPECT_FALSE(tlv_int(tlvs, tlv::kSarTotalSegments));
    EXPECT_STREQ(command_name(command::kSubmitSm | command::kResponse), "submit_sm_resp");
    EXPECT_STREQ(command_name(command::kGenericNack), "generic_nack");
    EXPECT_STREQ(status_name(status::kThrottled), "ESME_RTHROTTLED");
}

TEST(SmppPdu, RandomBytesNeverCrashTheDecoder) {
    std::mt19937 rng(42);
    const std::uint32_t ids[] = {
        command::kSubmitSm,         command::kDeliverSm,
        command::kBindTransceiver,  command::kSubmitSm | command::kResponse,
        command::kDataSm,           command::kQuerySm | command::kResponse,
        command::kAlertNotification};
    for (int i = 0; i < 20000; ++i) {
        std::string body(rng() % 300, '\0');
        for (auto& ch : body) ch = static_cast<char>(rng() % 4 ? rng() % 256 : 0);
        const auto r = decode(with_header(ids[rng() % std::size(ids)], rng() % 2, 1, body));
        if (const auto* p = std::get_if<Pdu>(&r)) {
            // Whatever decodes encodes back to the same PDU.
            EXPECT_EQ(decoded(encode(*p)), *p);
        }
    }
}

TEST(SmppPdu, QueuedWritesGoTogetherUpToTheirBound) {
    const std::string enquire = encode({command::kEnquireLink, 0, 1, {}});
    std::deque<std::string> writes(5, enquire);
    // 16 bytes each: two fit in 40, the rest wait for the next write.
    EXPECT_EQ(take_writes(writes, 40), enquire + enquire);
    EXPECT_EQ(writes.size(), 3u);
    EXPECT_EQ(take_writes(writes), enquire + enquire + enquire);
    EXPECT_TRUE(writes.empty());
    // One larger than the bound still goes, alone.
    writes = {std::string(100, 'x'), enquire};
    EXPECT_EQ(take_writes(writes, 40).size(), 100u);
    EXPECT_EQ(writes.size(), 1u);
}

}  // namespace
}  // namespace ujumbe::smpp
