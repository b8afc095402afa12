#include "core/ids.h"

#include <algorithm>
#include <array>
#include <atomic>

#include "core/crypto.h"

namespace ujumbe {

namespace {
// The last (milliseconds << 12 | counter) handed out by this process: ids
// made in the same millisecond count up in the 12 bits after the time
// (RFC 9562, method 1), so a process's ids sort in the order it made them
// (ledger entries of one transaction share a timestamp).
std::atomic<std::uint64_t> last_stamp{0};

std::uint64_t next_stamp(std::uint64_t ms) {
    std::uint64_t last = last_stamp.load(std::memory_order_relaxed);
    for (;;) {
        const std::uint64_t next = std::max(ms << 12, last + 1);
        if (last_stamp.compare_exchange_weak(last, next, std::memory_order_relaxed)) return next;
    }
}
}  // namespace

std::string new_uuid_v7(Micros now) {
    std::array<unsigned char, 16> b{};
    random_fill(b.data(), b.size());
    const std::uint64_t stamp = next_stamp(static_cast<std::uint64_t>(now / 1000));
    const std::uint64_t ms = stamp >> 12;
    for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (40 - 8 * i));
    b[6] = static_cast<unsigned char>(0x70 | ((stamp >> 8) & 0x0F));  // version 7, counter
    b[7] = static_cast<unsigned char>(stamp & 0xFF);
    b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        out.push_back(kHex[b[i] >> 4]);
        out.push_back(kHex[b[i] & 0xF]);
    }
    return out;
}

std::string new_uuid_v7() {
    return new_uuid_v7(SystemClock::instance().now());
}

bool is_uuid(std::string_view s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

}  // namespace ujumbe
