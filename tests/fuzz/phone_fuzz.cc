// libFuzzer target for phone normalisation: whatever comes in, a number that
// comes out is E.164 ("+" and at most 15 digits), normalises to itself, and
// describe_phone agrees with normalize_phone.

#include <cstdint>
#include <string>
#include <string_view>

#include "check.h"
#include "formats/phone.h"

namespace {

void check(std::string_view input, std::string_view country) {
    using ujumbe::formats::describe_phone;
    using ujumbe::formats::normalize_phone;
    std::string problem;
    const auto e164 = normalize_phone(input, country, &problem);
    const auto details = describe_phone(input, country);
    FUZZ_CHECK(details.valid == e164.has_value());
    if (!e164) {
        FUZZ_CHECK(!problem.empty());
        return;
    }
    FUZZ_CHECK(e164->size() >= 2 && e164->size() <= 16 && (*e164)[0] == '+');
    for (std::size_t i = 1; i < e164->size(); ++i)
        FUZZ_CHECK((*e164)[i] >= '0' && (*e164)[i] <= '9');
    FUZZ_CHECK(details.e164 == *e164);
    FUZZ_CHECK(normalize_phone(*e164, country) == e164);
    FUZZ_CHECK(normalize_phone(*e164, "") == e164);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check(input, "TZ");
    check(input, "");
    return 0;
}
