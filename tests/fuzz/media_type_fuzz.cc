// libFuzzer target for the media sniffer and file names: whatever the bytes
// and the name, a type found is one of the known kinds with a limit, the
// same bytes give the same type, and a cleaned name is UTF-8 of at most 200
// bytes without path separators, quotes or control characters.

#include <cstdint>
#include <string>
#include <string_view>

#include "check.h"
#include "core/utf8.h"
#include "formats/media_type.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ujumbe::formats;
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    // The first byte says how much of the rest is the name.
    const std::size_t name_size = size > 0 ? std::min<std::size_t>(data[0], size - 1) : 0;
    const std::string_view name = size > 0 ? all.substr(1, name_size) : std::string_view();
    const std::string_view head = size > 0 ? all.substr(1 + name_size) : all;
    const auto type = sniff_media(head, name);
    if (type) {
        FUZZ_CHECK(type->kind == "image" || type->kind == "audio" || type->kind == "video" ||
                   type->kind == "document" || type->kind == "sticker");
        FUZZ_CHECK(type->max_bytes > 0 && !type->mime_type.empty());
        const auto again = sniff_media(head, name);
        FUZZ_CHECK(again && again->mime_type == type->mime_type);
    }
    const std::string clean = clean_filename(name);
    FUZZ_CHECK(clean.size() <= 200);
    FUZZ_CHECK(clean.empty() || ujumbe::decode_utf8(clean).has_value());
    for (unsigned char c : clean)
        FUZZ_CHECK(c >= 0x20 && c != 0x7f && c != '/' && c != '\\' && c != '"');
    return 0;
}
