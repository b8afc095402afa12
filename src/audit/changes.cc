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
    const json b = before.is_object() ? redacted(before) : json::object();
    const json a = after.is_object() ? redacted(after) : json::object();
    json out = json::object();
    auto differs = [&](const std::string& name) {
        if (name == "updated_at") return;
        const json was = b.contains(name) ? b[name] : json(nullptr);
        const json now = a.contains(name) ? a[name] : json(nullptr);
        if (was != now) out[name] = {{"before", was}, {"after", now}};
    };
    for (const auto& [name, v] : b.items()) differs(name);
    for (const auto& [name, v] : a.items())
        if (!b.contains(name)) differs(name);
    if (out.dump().size() > max_bytes) return {{"_truncated", true}};
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
