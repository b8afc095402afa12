#include "channels/smpp/message_text.h"

namespace ujumbe::smpp {

MessageText read_text(const ShortMessage& m) {
    MessageText out;
    std::string_view payload = m.short_message;
    if (payload.empty())
        if (const auto* p = find_tlv(m.tlvs, tlv::kMessagePayload)) payload = *p;
    if (m.esm_class & kEsmUdhi) {
        auto split = formats::split_udh(payload);
        if (!split) {
            out.bad_udh = true;
            return out;
        }
        payload = split->text;
        out.concatenation = split->concatenation;
    } else if (auto total = tlv_int(m.tlvs, tlv::kSarTotalSegments)) {
        auto ref = tlv_int(m.tlvs, tlv::kSarMsgRefNum);
        auto seq = tlv_int(m.tlvs, tlv::kSarSegmentSeqnum);
        if (ref && seq && *total >= 1 && *seq >= 1 && *seq <= *total)
            out.concatenation = formats::Concatenation{
                static_cast<int>(*ref), static_cast<int>(*total), static_cast<int>(*seq)};
    }
    if (out.concatenation && out.concatenation->total <= 1) out.concatenation.reset();
    out.text = formats::decode_text(payload, m.data_coding);
    return out;
}

}  // namespace ujumbe::smpp
