#include "core/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdio>

#include "core/clock.h"

namespace ujumbe::log {

namespace {

std::atomic<Level> g_level{Level::kInfo};

spdlog::logger& logger() {
    // spdlog serialises writers and flushes per line; the message is already
    // a complete JSON object, so the pattern is the bare payload.
    static std::shared_ptr<spdlog::logger> instance = [] {
        auto l = std::make_shared<spdlog::logger>(
            "ujumbe", std::make_shared<spdlog::sinks::stdout_sink_mt>());
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
    fields["ts"] = std::move(ts);
    fields["level"] = level_name(level);
    fields["msg"] = message;
    logger().info(fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace ujumbe::log
