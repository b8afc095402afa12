#include "core/clock.h"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace ujumbe {

Micros SystemClock::now() const {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

SystemClock& SystemClock::instance() {
    static SystemClock clock;
    return clock;
}

namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

bool read_int(std::string_view s, std::size_t pos, std::size_t len, int& out) {
    if (pos + len > s.size()) return false;
    for (std::size_t i = pos; i < pos + len; ++i)
        if (s[i] < '0' || s[i] > '9') return false;
    return std::from_chars(s.data() + pos, s.data() + pos + len, out).ec == std::errc{};
}

}  // namespace

std::string format_iso8601(Micros at) {
    std::int64_t secs = at / kMicrosPerSecond;
    if (at < 0 && at % kMicrosPerSecond != 0) --secs;
    std::int64_t days = secs / 86400;
    std::int64_t rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    std::int64_t y;
    unsigned m, d;
    civil_from_days(days, y, m, d);
    if (y < 0 || y > 9999) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ",
                      static_cast<long long>(y), m, d, static_cast<int>(rem / 3600),
                      static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
        return buf;
    }
    // Hot on every API answer: fixed-width digits by hand, no snprintf.
    std::string out = "0000-00-00T00:00:00Z";
    const auto put = [&out](std::size_t pos, unsigned value, int width) {
        for (int i = width - 1; i >= 0; --i, value /= 10)
            out[pos + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
    };
    put(0, static_cast<unsigned>(y), 4);
    put(5, m, 2);
    put(8, d, 2);
    put(11, static_cast<unsigned>(rem / 3600), 2);
    put(14, static_cast<unsigned>(rem / 60 % 60), 2);
    put(17, static_cast<unsigned>(rem % 60), 2);
    return out;
}

std::string format_iso8601_exact(Micros at) {
    std::string out = format_iso8601(at);
    auto fraction = at % kMicrosPerSecond;
    if (fraction < 0) fraction += kMicrosPerSecond;
    if (fraction == 0) return out;
    char digits[8];
    std::snprintf(digits, sizeof digits, ".%06lld", static_cast<long long>(fraction));
    out.insert(out.size() - 1, digits);
    return out;
}

std::optional<Micros> parse_iso8601(std::string_view s) {
    int y, mo, d, h, mi, sec;
    if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':')
        return std::nullopt;
    if (!read_int(s, 0, 4, y) || !read_int(s, 5, 2, mo) || !read_int(s, 8, 2, d) ||
        !read_int(s, 11, 2, h) || !read_int(s, 14, 2, mi) || !read_int(s, 17, 2, sec))
        return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > kDays[mo - 1] + (mo == 2 && leap ? 1 : 0)) return std::nullopt;  // 2026-02-30
    std::size_t pos = 19;
    Micros fraction = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int digits = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (digits < 6) fraction = fraction * 10 + (s[pos] - '0');
            ++digits;
            ++pos;
        }
        if (digits == 0) return std::nullopt;
        for (; digits < 6; ++digits) fraction *= 10;
    }
    std::int64_t offset_s = 0;
    if (pos < s.size() && s[pos] == 'Z') {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        int oh, om;
        if (!read_int(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
            !read_int(s, pos + 4, 2, om) || oh > 23 || om > 59)
            return std::nullopt;
        offset_s = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    const std::int64_t days =
        days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    const std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
    return secs * kMicrosPerSecond + fraction;
}

}  // namespace ujumbe
