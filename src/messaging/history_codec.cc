#include "messaging/history_codec.h"

#include <nlohmann/json.hpp>

namespace ujumbe::messaging {
namespace {

using nlohmann::json;

json text_or_null(const std::optional<std::string>& v) {
    return v ? json(*v) : json();
}

std::optional<std::string> opt_text(const json& v) {
    if (v.is_null()) return std::nullopt;
    return v.get<std::string>();
}

// The type an event of `status` has unless it says otherwise.
std::string event_type_of(const std::string& status) {
    return "message." + status;
}

}  // namespace

std::string encode_history(const FoldedHistory& history) {
    json events = json::array();
    Micros previous = 0;
    for (const auto& e : history.events) {
        // The usual type is left out, and each time is after the one before.
        const json type = e.type == event_type_of(e.status) ? json() : json(e.type);
        events.push_back({e.seq, type, e.status, text_or_null(e.detail), e.created_at - previous});
        previous = e.created_at;
    }
    json receipts = json::array();
    for (const auto& r : history.receipts)
        receipts.push_back({r.id, r.part, r.gateway_id.value, r.provider_id, r.stat,
                            text_or_null(r.error_code), text_or_null(r.submit_date),
                            text_or_null(r.done_date), r.received_at});
    return json{{"e", std::move(events)}, {"r", std::move(receipts)}}.dump();
}

Result<FoldedHistory> decode_history(std::string_view text) {
    const auto doc = json::parse(text, nullptr, false);
    const auto broken = [] { return Error::internal("a message's folded history is unreadable"); };
    if (!doc.is_object() || !doc.contains("e") || !doc.contains("r") || !doc["e"].is_array() ||
        !doc["r"].is_array())
        return broken();
    FoldedHistory out;
    try {
        Micros previous = 0;
        for (const auto& e : doc["e"]) {
            if (!e.is_array() || e.size() != 5) return broken();
            auto status = e[2].get<std::string>();
            auto type = e[1].is_null() ? event_type_of(status) : e[1].get<std::string>();
            previous += e[4].get<std::int64_t>();
            out.events.push_back({e[0].get<std::int64_t>(), std::move(type), std::move(status),
                                  opt_text(e[3]), previous});
        }
        for (const auto& r : doc["r"]) {
            if (!r.is_array() || r.size() != 9) return broken();
            Receipt receipt;
            receipt.id = r[0].get<std::string>();
            receipt.part = r[1].get<int>();
            receipt.gateway_id = GatewayId{r[2].get<std::string>()};
            receipt.provider_id = r[3].get<std::string>();
            receipt.stat = r[4].get<std::string>();
            receipt.error_code = opt_text(r[5]);
            receipt.submit_date = opt_text(r[6]);
            receipt.done_date = opt_text(r[7]);
            receipt.received_at = r[8].get<std::int64_t>();
            out.receipts.push_back(std::move(receipt));
        }
    } catch (const json::exception&) {
        return broken();
    }
    return out;
}

}  // namespace ujumbe::messaging
