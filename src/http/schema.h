#pragma once
// Small builders of the JSON Schemas a module declares for its resources
// (Router::define_schema), so a schema reads like the view it describes:
//   object({{"id", text()}, {"count", integer()}, {"note", nullable(text())}})
// Every property of object() is required unless listed in `optional`.

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace ujumbe::http::schema {

using nlohmann::json;

inline json text() {
    return {{"type", "string"}};
}
inline json integer() {
    return {{"type", "integer"}};
}
inline json number() {
    return {{"type", "number"}};
}
inline json boolean() {
    return {{"type", "boolean"}};
}
// "2026-12-05"
inline json date() {
    return {{"type", "string"}, {"format", "date"}};
}
// "2026-12-05T10:00:00Z"
inline json time() {
    return {{"type", "string"}, {"format", "date-time"}};
}
inline json one_of(std::vector<std::string> values) {
    return {{"type", "string"}, {"enum", std::move(values)}};
}
inline json nullable(json s) {
    if (s.contains("type") && s["type"].is_string()) {
        s["type"] = json::array({s["type"], "null"});
        if (s.contains("enum")) s["enum"].push_back(nullptr);
        return s;
    }
    return {{"anyOf", json::array({std::move(s), {{"type", "null"}}})}};
}
inline json array_of(json items) {
    return {{"type", "array"}, {"items", std::move(items)}};
}
inline json ref(const std::string& name) {
    return {{"$ref", "#/components/schemas/" + name}};
}
// `s` with an example of a value it describes (shown by /docs; the
// black-box suite checks that each example matches its schema).
inline json with_example(json s, json example) {
    s["examples"] = json::array({std::move(example)});
    return s;
}
inline json object(std::initializer_list<std::pair<const char*, json>> properties,
                   std::vector<std::string> optional = {}) {
    json props = json::object(), required = json::array();
    for (const auto& [name, s] : properties) {
        props[name] = s;
        if (std::find(optional.begin(), optional.end(), name) == optional.end())
            required.push_back(name);
    }
    return {
        {"type", "object"}, {"properties", std::move(props)}, {"required", std::move(required)}};
}

}  // namespace ujumbe::http::schema
