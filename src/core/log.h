#pragma once
// Structured logging: one JSON object per line on stdout (or stderr), with a level, a
// timestamp and the fields the caller gives; or, for people reading a
// terminal, one line of text (time, level, message, key=value fields).
// Never pass secrets (passwords, tokens, keys) as fields.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ujumbe::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kOff };

void set_level(std::string_view name);
bool enabled(Level level);
// "json" (the default) or "text".
void set_format(std::string_view name);
// Lines go to stderr instead (commands whose stdout is their answer); call
// before the first line is written.
void use_stderr();
// One line of the text format (without its newline).
std::string text_line(std::string_view ts, std::string_view level, std::string_view message,
                      const nlohmann::json& fields);

void write(Level level, std::string_view message, nlohmann::json fields = nlohmann::json::object());

inline void debug(std::string_view m, nlohmann::json f = nlohmann::json::object()) {
    if (enabled(Level::kDebug)) write(Level::kDebug, m, std::move(f));
}
inline void info(std::string_view m, nlohmann::json f = nlohmann::json::object()) {
    if (enabled(Level::kInfo)) write(Level::kInfo, m, std::move(f));
}
inline void warn(std::string_view m, nlohmann::json f = nlohmann::json::object()) {
    if (enabled(Level::kWarn)) write(Level::kWarn, m, std::move(f));
}
inline void error(std::string_view m, nlohmann::json f = nlohmann::json::object()) {
    if (enabled(Level::kError)) write(Level::kError, m, std::move(f));
}

}  // namespace ujumbe::log
