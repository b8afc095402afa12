#include "audit/changes.h"

#include <array>
#include <vector>

namespace ujumbe::audit {

namespace {

using json = nlohmann::json;

constexpr int kMaxDepth = 16;
constexpr std::string_view kApiPrefix = "/api/v1/";

bool secret_name(const std::string& name) {
    static constexpr std::array<std::string_view, 5> kContains = {"password", "secret", "token",
                                                                  "otpauth", "recovery_code"};
    static constexpr std::array<std::string_view, 6> kExact = {"key",       "access", "refresh",
                                                               "challenge", "code",   "pin"};
    for (auto part : kContains)
        if (name.find(part) != std::string::npos) return true;
    for (auto exact : kExact)
        if (name == exact) return true;
    return false;
}

json redact_at(const json& value, int depth) {
    if (depth > kMaxDepth) return "[too deep]";
    if (value.is_object()) {
        json out = json::object();
        for (const auto& [name, v] : value.items())
            out[name] = secret_name(name) ? json("[redacted]") : redact_at(v, depth + 1);
        return out;
    }
    if (value.is_array()) {
        json out = json::array();
        for (const auto& v : value) out.push_back(redact_at(v, depth + 1));
        return out;
    }
    return value;
}

std::vector<std::string_view> segments(std::string_view pattern) {
    if (pattern.starts_with(kApiPrefix)) pattern.remove_prefix(kApiPrefix.size());
    std::vector<std::string_view> out;
    while (!pattern.empty()) {
        const auto slash = pattern.find('/');
        out.push_back(pattern.substr(0, slash));
        if (slash == std::string_view::npos) break;
        pattern.remove_prefix(slash + 1);
    }
    return out;
}

bool is_param(std::string_view segment) {
    return segment.starts_with('{');
}

}  // namespace

json redacted(const json& value) {
    return redact_at(value, 0);
}

json changed_fields(const json& before, const json& after, std::size_t max_bytes) {
    static const json kEmpty = json::object();
    const json& b = before.is_object() ? before : kEmpty;
    const json& a = after.is_object() ? after : kEmpty;
    json out = json::object();
    // A field as the log shows it: null when absent, redacted when secret.
    auto shown = [](const std::string& name, const json* value) -> json {
        if (!value) return nullptr;
        return secret_name(name) ? json("[redacted]") : redact_at(*value, 1);
    };
    // Compared as they are first (most fields do not change), then as
    // shown: a change only inside what is redacted is no change.
    auto differs = [&](const std::string& name, const json* was, const json* now) {
        if (name == "updated_at" || (was && now && *was == *now)) return;
        json shown_was = shown(name, was), shown_now = shown(name, now);
        if (shown_was != shown_now)
            out[name] = {{"before", std::move(shown_was)}, {"after", std::move(shown_now)}};
    };
    for (auto it = b.begin(); it != b.end(); ++it) {
        const auto other = a.find(it.key());
        differs(it.key(), &*it, other != a.end() ? &*other : nullptr);
    }
    for (auto it = a.begin(); it != a.end(); ++it)
        if (!b.contains(it.key())) differs(it.key(), nullptr, &*it);
    if (!out.empty() && out.dump().size() > max_bytes) return {{"_truncated", true}};
    return out;
}

std::string action_name(std::string_view method, std::string_view pattern) {
    const auto parts = segments(pattern);
    std::string name;
    for (auto s : parts) {
        if (is_param(s)) continue;
        if (!name.empty()) name += '.';
        name += s;
    }
    if (!parts.empty() && parts.front() == "auth") return name;
    if (method == "POST") {
        // POST /gateways creates; POST /sender-ids/{id}/approve and
        // POST /wallet/topups are named by their path.
        if (parts.size() == 1) name += ".create";
    } else if (method == "PUT" || method == "PATCH") {
        name += ".update";
    } else if (method == "DELETE") {
        name += ".delete";
    }
    return name;
}

std::string target_type_of(std::string_view pattern) {
    const auto parts = segments(pattern);
    return parts.empty() ? std::string() : std::string(parts.front());
}

}  // namespace ujumbe::audit
