#include "contacts/normalize.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/validate.h"

namespace ujumbe::contacts {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::optional<std::vector<std::string>> normalize_tags(const std::vector<std::string>& tags,
                                                       std::string* problem) {
    auto fail = [&](std::string why) -> std::optional<std::vector<std::string>> {
        if (problem) *problem = std::move(why);
        return std::nullopt;
    };
    std::vector<std::string> out;
    out.reserve(tags.size());
    for (const auto& raw : tags) {
        auto tag = lower(trim(raw));
        if (tag.empty()) return fail("Tags must not be empty.");
        if (!is_clean_text(tag) || tag.find_first_of("\t\n\r") != std::string::npos)
            return fail("Tags must be text without control characters.");
        if (tag.find(',') != std::string::npos || tag.find(';') != std::string::npos)
            return fail("Tags must not contain ',' or ';'.");
        if (utf8_length(tag) > kMaxTagLength)
            return fail("Tags must be at most " + std::to_string(kMaxTagLength) + " characters.");
        out.push_back(std::move(tag));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    if (out.size() > kMaxTags) return fail("At most " + std::to_string(kMaxTags) + " tags.");
    return out;
}

std::vector<std::string> split_tags(std::string_view text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == ',' || text[i] == ';') {
            auto part = trim(text.substr(start, i - start));
            if (!part.empty()) out.emplace_back(part);
            start = i + 1;
        }
    }
    return out;
}

std::string join_tags(const std::vector<std::string>& tags) {
    std::string out;
    for (const auto& t : tags) {
        if (!out.empty()) out += ',';
        out += t;
    }
    return out;
}

void add_tags(std::vector<std::string>& into, const std::vector<std::string>& more) {
    if (more.empty()) return;
    into.insert(into.end(), more.begin(), more.end());
    std::sort(into.begin(), into.end());
    into.erase(std::unique(into.begin(), into.end()), into.end());
}

bool is_attribute_key(std::string_view key) {
    return !key.empty() && key.size() <= kMaxAttributeKey &&
           std::all_of(key.begin(), key.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                      c == '.';
           });
}

std::optional<FieldProblem> check_attributes(const nlohmann::json& attributes) {
    if (!attributes.is_object())
        return FieldProblem{"attributes", "Must be an object of strings, numbers and booleans."};
    if (attributes.size() > kMaxAttributes)
        return FieldProblem{"attributes",
                            "At most " + std::to_string(kMaxAttributes) + " attributes."};
    for (const auto& [key, value] : attributes.items()) {
        if (!is_attribute_key(key))
            return FieldProblem{"attributes",
                                "Keys must be 1 to 64 characters of letters, digits, '_', '-' "
                                "and '.'."};
        const std::string field = "attributes." + key;
        if (value.is_string()) {
            const auto& s = value.get_ref<const std::string&>();
            if (!is_clean_text(s))
                return FieldProblem{field, "Must be text without control characters."};
            if (utf8_length(s) > kMaxAttributeText)
                return FieldProblem{field, "Must be at most 1000 characters."};
        } else if (!value.is_number() && !value.is_boolean()) {
            return FieldProblem{field, "Must be a string, a number or a boolean."};
        } else if (value.is_number_float() && !std::isfinite(value.get<double>())) {
            return FieldProblem{field, "Must be a finite number."};
        }
    }
    return std::nullopt;
}

std::string search_text(const Contact& c) {
    std::string out = lower(c.name);
    out += ' ';
    if (c.phone_e164) out += *c.phone_e164;
    out += ' ';
    if (c.email) out += *c.email;
    return out;
}

std::string attribute_key_of(std::string_view header) {
    std::string key;
    for (char c : trim(header)) {
        const auto u = static_cast<unsigned char>(c);
        key += std::isalnum(u) || c == '-' || c == '.' ? static_cast<char>(std::tolower(u)) : '_';
    }
    if (key.size() > kMaxAttributeKey) key.resize(kMaxAttributeKey);
    return key;
}

std::optional<bool> parse_flag(std::string_view text) {
    const auto t = lower(trim(text));
    if (t == "true" || t == "1" || t == "yes" || t == "y" || t == "t") return true;
    if (t == "false" || t == "0" || t == "no" || t == "n" || t == "f") return false;
    return std::nullopt;
}

}  // namespace ujumbe::contacts
