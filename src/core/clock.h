#pragma once
// Time as integer microseconds since the Unix epoch (UTC). Services take a
// Clock& so tests can move time with FakeClock.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ujumbe {

using Micros = std::int64_t;
constexpr Micros kMicrosPerSecond = 1'000'000;
constexpr Micros kMicrosPerDay = 86'400 * kMicrosPerSecond;

class Clock {
public:
    virtual ~Clock() = default;
    virtual Micros now() const = 0;
};

class SystemClock final : public Clock {
public:
    Micros now() const override;
    static SystemClock& instance();
};

class FakeClock final : public Clock {
public:
    explicit FakeClock(Micros start = 1'767'225'600'000'000) : now_(start) {}  // 2026-01-01
    Micros now() const override { return now_.load(); }
    void advance(Micros by) { now_ += by; }
    void set(Micros at) { now_ = at; }

private:
    std::atomic<Micros> now_;
};

// "2026-01-15T10:30:05Z" (seconds precision, as the API shows time).
std::string format_iso8601(Micros at);
// As format_iso8601 with ".ffffff" before the "Z" when the time has a
// fraction: for stored instants that must read back exactly (segment rules).
std::string format_iso8601_exact(Micros at);
// Accepts "YYYY-MM-DDTHH:MM:SS[.ffffff](Z|+HH:MM|-HH:MM)"; nullopt when malformed.
std::optional<Micros> parse_iso8601(std::string_view text);

}  // namespace ujumbe
