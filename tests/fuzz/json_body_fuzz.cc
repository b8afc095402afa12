// libFuzzer target for JSON request bodies and the field validators every
// handler reads them with: any body parses to an object within the depth
// limit or to a 400, every accessor answers a value or a named problem, and
// whatever the server writes back (the error envelope, echoed text) is
// bounded and well formed.

#include <cstdint>
#include <string>
#include <string_view>

#include "check.h"
#include "core/json.h"
#include "http/envelope.h"
#include "http/input.h"

namespace {

using ujumbe::http::Fields;
using ujumbe::http::Need;

void read_every_field(const nlohmann::json& body) {
    Fields f(body);
    for (const auto& [name, value] : body.items()) {
        (void)value;
        f.text(name, Need::kOptional, 0, 200);
        f.email(name, Need::kOptional);
        f.password(name, Need::kOptional);
        f.choice(name, Need::kOptional, {"sms", "whatsapp"});
        f.integer(name, Need::kOptional, -1000, 1000);
        f.boolean(name, Need::kOptional);
        f.string_list(name, Need::kOptional, 20);
        f.object(name, Need::kOptional);
        f.has(name);
        f.is_null(name);
    }
    auto status = f.check();
    if (status) return;
    for (const auto& [field, problems] : f.errors()) FUZZ_CHECK(!problems.empty());
    auto answer = ujumbe::http::error_response(status.error());
    FUZZ_CHECK(answer.status == 400);
    FUZZ_CHECK(!nlohmann::json::parse(answer.body, nullptr, false).is_discarded());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    ujumbe::http::Request request;
    request.body.assign(input);
    auto body = ujumbe::http::parse_json_object(request);
    if (!body) {
        FUZZ_CHECK(body.error().code == ujumbe::ErrorCode::kInvalidArgument ||
                   body.error().code == ujumbe::ErrorCode::kMalformedRequest);
        auto answer = ujumbe::http::error_response(body.error());
        FUZZ_CHECK(answer.status == 400);
        // The answer never carries the body back (beyond a few bytes of
        // parser position text).
        FUZZ_CHECK(answer.body.size() < 1024);
    } else {
        FUZZ_CHECK(body->is_object());
        FUZZ_CHECK(ujumbe::json_depth_within(*body));
        (void)body->dump();  // bounded depth: writing it back is safe
        read_every_field(*body);
    }
    const std::string echoed = ujumbe::http::echo_of(input);
    FUZZ_CHECK(echoed.size() <= 64 * 4 + 3);
    return 0;
}
