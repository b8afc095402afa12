// libFuzzer target for the SMPP PDU decoder: any bytes frame and decode to a
// PDU that encodes back to itself, or to a status to answer; never a crash
// or a read past the input. Also the SMS text decoders of received texts.

#include <cstdint>
#include <string_view>
#include <variant>

#include "channels/smpp/pdu.h"
#include "check.h"
#include "formats/sms_encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ujumbe;
    std::string_view input(reinterpret_cast<const char*>(data), size);

    // A stream of PDUs, as a session reads them off its socket.
    while (true) {
        const auto f = smpp::frame(input);
        if (!f.length) break;
        if (f.bad_length) {
            FUZZ_CHECK(*f.length < 16 || *f.length > smpp::kMaxPduLength);
            break;
        }
        if (input.size() < *f.length) break;
        const auto one = input.substr(0, *f.length);
        input.remove_prefix(*f.length);
        const auto result = smpp::decode(one);
        if (const auto* e = std::get_if<smpp::DecodeError>(&result)) {
            FUZZ_CHECK(e->status != smpp::status::kOk);
            FUZZ_CHECK(!e->reason.empty());
            continue;
        }
        const auto& pdu = std::get<smpp::Pdu>(result);
        const auto again = smpp::decode(smpp::encode(pdu));
        FUZZ_CHECK(std::holds_alternative<smpp::Pdu>(again));
        FUZZ_CHECK(std::get<smpp::Pdu>(again) == pdu);
        if (const auto* m = std::get_if<smpp::ShortMessage>(&pdu.body)) {
            const auto text = formats::decode_text(m->short_message, m->data_coding);
            if (text) FUZZ_CHECK(formats::count_segments(*text).has_value());
        }
    }
    return 0;
}
