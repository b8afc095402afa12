#include "core/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>

#include "core/clock.h"

namespace ujumbe::log {

namespace {

std::atomic<Level> g_level{Level::kInfo};
std::atomic<bool> g_text{false};

// A field's value in a text line: bare when it has no space, quote or
// control character, else as a JSON string.
std::string text_value(const nlohmann::json& v) {
    std::string s = v.is_string()
                        ? v.get<std::string>()
                        : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const bool bare = !s.empty() && s.find_first_of(" \"=\\") == std::string::npos &&
                      std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= 0x20; });
    return bare ? s
                : nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::atomic<bool> g_stderr{false};

spdlog::logger& logger() {
    // spdlog serialises writers and flushes per line; the message is already
    // a complete JSON object, so the pattern is the bare payload.
    static std::shared_ptr<spdlog::logger> instance = [] {
        std::shared_ptr<spdlog::sinks::sink> sink;
        if (g_stderr.load())
            sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        else
            sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
        auto l = std::make_shared<spdlog::logger>("ujumbe", std::move(sink));
        l->set_pattern("%v");
        l->set_level(spdlog::level::trace);
        l->flush_on(spdlog::level::trace);
        return l;
    }();
    return *instance;
}

const char* level_name(Level level) {
    switch (level) {
        case Level::kTrace:
            return "trace";
        case Level::kDebug:
            return "debug";
        case Level::kInfo:
            return "info";
        case Level::kWarn:
            return "warn";
        case Level::kError:
            return "error";
        case Level::kOff:
            return "off";
    }
    return "info";
}

}  // namespace

void set_level(std::string_view name) {
    for (Level l :
         {Level::kTrace, Level::kDebug, Level::kInfo, Level::kWarn, Level::kError, Level::kOff})
        if (name == level_name(l)) g_level = l;
}

void use_stderr() {
    g_stderr = true;
}

void set_format(std::string_view name) {
    g_text = name == "text";
}

std::string text_line(std::string_view ts, std::string_view level, std::string_view message,
                      const nlohmann::json& fields) {
    std::string out(ts);
    out += ' ';
    std::string upper(level);
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out += upper;
    out.append(upper.size() < 5 ? 6 - upper.size() : 1, ' ');
    out += message;
    for (const auto& [key, value] : fields.items()) out += " " + key + "=" + text_value(value);
    return out;
}

bool enabled(Level level) {
    return level >= g_level.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view message, nlohmann::json fields) {
    if (!fields.is_object()) fields = {{"data", std::move(fields)}};
    Micros now = SystemClock::instance().now();
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(now % kMicrosPerSecond));
    std::string ts = format_iso8601(now);
    ts.insert(ts.size() - 1, frac);
    if (g_text.load(std::memory_order_relaxed)) {
        logger().info(text_line(ts, level_name(level), message, fields));
        return;
    }
    fields["ts"] = std::move(ts);
    fields["level"] = level_name(level);
    fields["msg"] = message;
    logger().info(fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace ujumbe::log
