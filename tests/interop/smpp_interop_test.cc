// The SMPP codec, receipt parser and SMS encoder against an SMSC we did not
// write: tests/interop/smsc.js on the npm `smpp` package, over a real TCP
// socket. The simulator prints every PDU it receives as a JSON line, with
// the text it understood, so both directions are checked.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "channels/smpp/pdu.h"
#include "channels/smpp/receipt.h"
#include "formats/sms_encoding.h"
#include "smsc_process.h"

namespace ujumbe::smpp {
namespace {

using interop::Smsc;
using namespace std::chrono_literals;

// A blocking ESME connection speaking through our codec.
class Esme {
public:
    explicit Esme(int port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    ~Esme() { ::close(fd_); }
    bool connected() const { return connected_; }

    void send(const Pdu& pdu) {
        const auto wire = encode(pdu);
        ASSERT_EQ(::write(fd_, wire.data(), wire.size()), static_cast<ssize_t>(wire.size()));
    }
    // The next PDU from the SMSC; nullopt on timeout or a closed connection.
    std::optional<Pdu> receive(std::chrono::milliseconds timeout = 5000ms) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (true) {
            const auto f = frame(buffer_);
            if (f.length && !f.bad_length && buffer_.size() >= *f.length) {
                auto result = decode(std::string_view(buffer_).substr(0, *f.length));
                buffer_.erase(0, *f.length);
                if (auto* e = std::get_if<DecodeError>(&result)) {
                    ADD_FAILURE() << "undecodable PDU from the SMSC: " << e->reason;
                    return std::nullopt;
                }
                return std::get<Pdu>(result);
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::nullopt;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
            char chunk[4096];
            const ssize_t n = ::read(fd_, chunk, sizeof chunk);
            if (n <= 0) {
                closed_ = true;
                return std::nullopt;
            }
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }
    // Sends a request and returns its response; requests from the SMSC that
    // arrive meanwhile are kept for next_request().
    std::optional<Pdu> call(Pdu request) {
        request.sequence_number = ++sequence_;
        send(request);
        while (auto pdu = receive()) {
            if (pdu->sequence_number == request.sequence_number &&
                (pdu->command_id & command::kResponse))
                return pdu;
            pending_.push_back(*pdu);
        }
        return std::nullopt;
    }
    std::optional<Pdu> next_request() {
        if (!pending_.empty()) {
            Pdu p = pending_.front();
            pending_.pop_front();
            return p;
        }
        return receive();
    }
    bool closed() const { return closed_; }

private:
    int fd_ = -1;
    bool connected_ = false;
    bool closed_ = false;
    std::uint32_t sequence_ = 0;
    std::string buffer_;
    std::deque<Pdu> pending_;
};

Pdu bind(std::string password = "secret") {
    return {command::kBindTransceiver, 0, 0, Bind{"ujumbe", password, "", 0x34, 0, 0, ""}};
}

Pdu submit(const std::string& to, std::string payload, std::uint8_t data_coding,
           std::uint8_t esm_class = 0) {
    ShortMessage m;
    m.source_addr_ton = 5;
    m.source_addr = "Ujumbe";
    m.dest_addr_ton = 1;
    m.dest_addr_npi = 1;
    m.destination_addr = to;
    m.esm_class = esm_class;
    m.registered_delivery = 1;
    m.data_coding = data_coding;
    m.short_message = std::move(payload);
    return {command::kSubmitSm, 0, 0, m};
}

// Answers a deliver_sm as an ESME must.
void acknowledge(Esme& esme, const Pdu& deliver) {
    esme.send(
        {command::kDeliverSm | command::kResponse, 0, deliver.sequence_number, MessageIdResp{}});
}

std::string hex(std::string_view bytes) {
    static const char* d = "0123456789abcdef";
    std::string out;
    for (char ch : bytes) {
        out += d[static_cast<std::uint8_t>(ch) >> 4];
        out += d[static_cast<std::uint8_t>(ch) & 0xF];
    }
    return out;
}

class SmppInterop : public interop::NeedsNode {};

TEST_F(SmppInterop, SubmitAndReceiptWithDecimalIds) {
    Smsc smsc({});
    ASSERT_NE(smsc.port(), 0);
    Esme esme(smsc.port());
    ASSERT_TRUE(esme.connected());
    auto bound = esme.call(bind());
    ASSERT_TRUE(bound);
    EXPECT_EQ(bound->command_status, status::kOk);
    EXPECT_EQ(std::get<BindResp>(bound->body).system_id, "node-smsc");

    const std::string text = "Habari {Amina}, bei ni 5€ tu!";
    auto encoded = formats::encode_sms(text);
    ASSERT_TRUE(encoded);
    ASSERT_EQ(encoded->parts.size(), 1u);
    auto resp = esme.call(submit("255712345678", encoded->parts[0], 0x00));
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->command_status, status::kOk);
    const auto id = std::get<MessageIdResp>(resp->body).message_id;
    EXPECT_FALSE(id.empty());
    // The SMSC read our GSM 03.38 septets as the same text.
    auto submits = smsc.seen("submit_sm");
    ASSERT_EQ(submits.size(), 1u);
    EXPECT_EQ(submits[0]["text"], text);
    EXPECT_EQ(submits[0]["to"], "255712345678");

    auto deliver = esme.next_request();
    ASSERT_TRUE(deliver);
    ASSERT_EQ(deliver->command_id, command::kDeliverSm);
    const auto& m = std::get<ShortMessage>(deliver->body);
    EXPECT_TRUE(is_receipt(m.esm_class));
    auto receipt = parse_receipt(m);
    ASSERT_TRUE(receipt);
    EXPECT_EQ(canonical_message_id(receipt->message_id, IdBase::kDecimal),
              canonical_message_id(id, IdBase::kDecimal));
    EXPECT_EQ(receipt->outcome, ReceiptOutcome::kDelivered);
    EXPECT_TRUE(receipt->done_date);
    acknowledge(esme, *deliver);
    EXPECT_EQ(smsc.seen("deliver_sm_resp").size(), 1u);

    auto link = esme.call({command::kEnquireLink, 0, 0, {}});
    ASSERT_TRUE(link);
    EXPECT_EQ(link->command_id, command::kEnquireLink | command::kResponse);
    auto unbound = esme.call({command::kUnbind, 0, 0, {}});
    ASSERT_TRUE(unbound);
    EXPECT_EQ(unbound->command_id, command::kUnbind | command::kResponse);
}

TEST_F(SmppInterop, HexIdsInResponsesMeetDecimalIdsInReceipts) {
    Smsc smsc({"--id-base", "hex", "--receipt-id-base", "decimal", "--receipt-stat", "UNDELIV"});
    Esme esme(smsc.port());
    ASSERT_EQ(esme.call(bind())->command_status, status::kOk);
    auto resp = esme.call(submit("255712345678", "Hi", 0x00));
    ASSERT_TRUE(resp);
    const auto id = std::get<MessageIdResp>(resp->body).message_id;
    auto deliver = esme.next_request();
    ASSERT_TRUE(deliver);
    auto receipt = parse_receipt(std::get<ShortMessage>(deliver->body));
    ASSERT_TRUE(receipt);
    EXPECT_NE(receipt->message_id, id);  // the same number, written two ways
    EXPECT_EQ(canonical_message_id(id, IdBase::kHex),
              canonical_message_id(receipt->message_id, IdBase::kDecimal));
    EXPECT_EQ(receipt->outcome, ReceiptOutcome::kUndeliverable);
    acknowledge(esme, *deliver);
}

TEST_F(SmppInterop, LongAndUnicodeMessages) {
    Smsc smsc({});
    Esme esme(smsc.port());
    ASSERT_EQ(esme.call(bind())->command_status, status::kOk);
    std::string text;
    for (int i = 0; i < 25; ++i) text += "Habari za leo? ";  // 375 septets: 3 parts
    auto encoded = formats::encode_sms(text);
    ASSERT_TRUE(encoded);
    ASSERT_EQ(encoded->parts.size(), 3u);
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < encoded->parts.size(); ++i) {
        const auto udh = formats::concat_udh(0x42, 3, static_cast<std::uint8_t>(i + 1));
        auto resp = esme.call(submit("255712345678", udh + encoded->parts[i], 0x00, kEsmUdhi));
        ASSERT_TRUE(resp);
        ASSERT_EQ(resp->command_status, status::kOk);
        ids.push_back(std::get<MessageIdResp>(resp->body).message_id);
    }
    auto submits = smsc.seen("submit_sm", 3);
    ASSERT_EQ(submits.size(), 3u);
    std::string joined;
    for (std::size_t i = 0; i < 3; ++i) {
        // node-smpp lists the UDH's information elements, without its length octet.
        const auto udh = formats::concat_udh(0x42, 3, static_cast<std::uint8_t>(i + 1));
        EXPECT_EQ(submits[i]["udh"], hex(udh.substr(1)));
        joined += submits[i]["text"].get<std::string>();
    }
    EXPECT_EQ(joined, text);
    // One receipt per part, each naming its part's id.
    std::vector<std::string> receipted;
    for (int i = 0; i < 3; ++i) {
        auto deliver = esme.next_request();
        ASSERT_TRUE(deliver);
        receipted.push_back(parse_receipt(std::get<ShortMessage>(deliver->body))->message_id);
        acknowledge(esme, *deliver);
    }
    std::sort(receipted.begin(), receipted.end());
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(receipted, ids);

    const std::string wide = "Asante sana 😀 Привет";
    encoded = formats::encode_sms(wide);
    ASSERT_EQ(encoded->encoding, formats::Encoding::kUcs2);
    auto resp = esme.call(submit("255712345679", encoded->parts[0], 0x08));
    ASSERT_EQ(resp->command_status, status::kOk);
    EXPECT_EQ(smsc.seen("submit_sm", 4).back()["text"], wide);
}

TEST_F(SmppInterop, ThrottledRejectedAndRefusedAnswers) {
    Smsc smsc({"--throttle-every", "2", "--reject-prefix", "999"});
    {
        Esme wrong(smsc.port());
        auto refused = wrong.call(bind("wrong"));
        ASSERT_TRUE(refused);
        EXPECT_EQ(refused->command_status, status::kBindFail);
    }
    Esme esme(smsc.port());
    ASSERT_EQ(esme.call(bind())->command_status, status::kOk);
    EXPECT_EQ(esme.call(bind())->command_status, status::kAlyBnd);
    EXPECT_EQ(esme.call(submit("255712345678", "one", 0))->command_status, status::kOk);
    auto throttled = esme.call(submit("255712345678", "two", 0));
    ASSERT_TRUE(throttled);
    EXPECT_EQ(throttled->command_status, status::kThrottled);
    EXPECT_EQ(std::get<MessageIdResp>(throttled->body).message_id, "");
    auto rejected = esme.call(submit("999123", "three", 0));
    ASSERT_TRUE(rejected);
    EXPECT_EQ(rejected->command_status, status::kInvDstAdr);
}

TEST_F(SmppInterop, SlowAnswersAndADroppedConnection) {
    Smsc smsc({"--slow-ms", "300", "--drop-after", "3", "--receipt-delay-ms", "-1"});
    Esme esme(smsc.port());
    ASSERT_EQ(esme.call(bind())->command_status, status::kOk);
    // A window of two outstanding submits, answered late and matched by number.
    Pdu first = submit("255712345678", "a", 0), second = submit("255712345678", "b", 0);
    first.sequence_number = 100;
    second.sequence_number = 101;
    const auto started = std::chrono::steady_clock::now();
    esme.send(first);
    esme.send(second);
    std::vector<std::uint32_t> answered;
    for (int i = 0; i < 2; ++i) {
        auto r = esme.receive();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->command_id, command::kSubmitSm | command::kResponse);
        answered.push_back(r->sequence_number);
    }
    EXPECT_GE(std::chrono::steady_clock::now() - started, 250ms);
    std::sort(answered.begin(), answered.end());
    EXPECT_EQ(answered, (std::vector<std::uint32_t>{100, 101}));
    // The third submit is never answered: the SMSC drops the connection.
    Pdu third = submit("255712345678", "c", 0);
    third.sequence_number = 102;
    esme.send(third);
    EXPECT_FALSE(esme.receive());
    EXPECT_TRUE(esme.closed());
    EXPECT_EQ(smsc.seen("submit_sm", 3).size(), 3u);
}

TEST_F(SmppInterop, MobileOriginatedMessagesShortAndConcatenated) {
    std::string long_text;
    for (int i = 0; i < 20; ++i) long_text += "Nataka kujua bei. ";  // 360 characters
    Smsc smsc({"--mo", "255712345678:15555:Hello from a phone", "--mo",
               "255712345679:15555:" + long_text});
    Esme esme(smsc.port());
    ASSERT_EQ(esme.call(bind())->command_status, status::kOk);
    auto first = esme.next_request();
    ASSERT_TRUE(first);
    const auto& m = std::get<ShortMessage>(first->body);
    EXPECT_FALSE(is_receipt(m.esm_class));
    EXPECT_EQ(m.source_addr, "255712345678");
    EXPECT_EQ(formats::decode_text(m.short_message, m.data_coding), "Hello from a phone");
    acknowledge(esme, *first);
    // Three parts with 8-bit reference UDHs: reassembled in part order.
    std::vector<std::string> parts(3);
    for (int i = 0; i < 3; ++i) {
        auto part = esme.next_request();
        ASSERT_TRUE(part);
        const auto& pm = std::get<ShortMessage>(part->body);
        ASSERT_TRUE(pm.esm_class & kEsmUdhi);
        const auto udh_length = static_cast<std::uint8_t>(pm.short_message[0]) + 1u;
        ASSERT_EQ(udh_length, 6u);
        EXPECT_EQ(static_cast<std::uint8_t>(pm.short_message[4]), 3);
        const auto index = static_cast<std::uint8_t>(pm.short_message[5]) - 1u;
        ASSERT_LT(index, 3u);
        parts[index] = *formats::decode_text(pm.short_message.substr(udh_length), pm.data_coding);
        acknowledge(esme, *part);
    }
    EXPECT_EQ(parts[0] + parts[1] + parts[2], long_text);
    EXPECT_EQ(smsc.seen("deliver_sm_resp", 4).size(), 4u);
}

}  // namespace
}  // namespace ujumbe::smpp
