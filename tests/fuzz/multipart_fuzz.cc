// libFuzzer target for the multipart/form-data scanner: any body in a file
// scans to ordered parts inside the file or to a 400, never anything else.
// The input also serves as a Content-Type for multipart_boundary.

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "check.h"
#include "formats/multipart.h"

namespace {

constexpr std::string_view kBoundary = "fuzzboundary";

// One in-memory file for the whole run, rewritten for each input.
int body_file() {
    static const int fd = [] {
        const int f = ::memfd_create("multipart_fuzz", MFD_CLOEXEC);
        FUZZ_CHECK(f >= 0);
        return f;
    }();
    return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    if (const auto boundary = ujumbe::formats::multipart_boundary(input))
        FUZZ_CHECK(!boundary->empty() && boundary->size() <= 70);

    const int fd = body_file();
    FUZZ_CHECK(::ftruncate(fd, 0) == 0);
    FUZZ_CHECK(::pwrite(fd, data, size, 0) == static_cast<ssize_t>(size));

    auto parts = ujumbe::formats::scan_multipart(fd, kBoundary, 8);
    if (!parts) {
        FUZZ_CHECK(parts.error().code == ujumbe::ErrorCode::kMalformedRequest);
        FUZZ_CHECK(!parts.error().message.empty());
        return 0;
    }
    FUZZ_CHECK(parts->size() <= 8);
    std::uint64_t previous = 0;
    for (const auto& part : *parts) {
        FUZZ_CHECK(!part.name.empty());
        FUZZ_CHECK(previous <= part.begin && part.begin <= part.end && part.end <= size);
        previous = part.end;
        auto bytes = ujumbe::formats::read_range(fd, part.begin, part.end, size);
        FUZZ_CHECK(bytes.ok());
        FUZZ_CHECK(*bytes == input.substr(part.begin, part.end - part.begin));
    }
    return 0;
}
