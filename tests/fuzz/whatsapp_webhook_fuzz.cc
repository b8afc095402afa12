// libFuzzer target for the bodies of Meta's webhook deliveries: any bytes
// parse within the depth limit or not at all, and reading the items of what
// parsed never throws, keeps within the item bound, keeps whole characters
// of every text it cuts, and names senders in digits only.

#include <cstdint>
#include <string_view>

#include "channels/whatsapp_cloud/webhook_payload.h"
#include "check.h"
#include "core/json.h"
#include "core/utf8.h"
#include "core/validate.h"

namespace wa = ujumbe::channels::whatsapp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    ujumbe::JsonParseProblem problem;
    const auto doc = ujumbe::parse_json_bounded(input, problem);
    if (problem.kind != ujumbe::JsonParseProblem::Kind::kNone) return 0;
    const auto items = wa::read_webhook(doc);
    const std::size_t total = items.inbound.size() + items.statuses.size() +
                              items.templates.size() + static_cast<std::size_t>(items.skipped);
    FUZZ_CHECK(total <= wa::kMaxWebhookItems);
    for (const auto& in : items.inbound) {
        FUZZ_CHECK(!in.from.empty() && ujumbe::all_digits(in.from));
        FUZZ_CHECK(!in.wamid.empty() && !in.type.empty());
        FUZZ_CHECK(in.text.size() <= wa::kMaxItemText);
        FUZZ_CHECK(ujumbe::decode_utf8(in.text).has_value());
        FUZZ_CHECK(in.timestamp >= 0);
    }
    for (const auto& st : items.statuses) {
        FUZZ_CHECK(!st.wamid.empty() && !st.status.empty());
        FUZZ_CHECK(ujumbe::decode_utf8(st.error_title).has_value());
    }
    return 0;
}
