#include "campaigns/template_text.h"

#include <algorithm>

#include "core/html.h"
#include "http/input.h"

namespace ujumbe::campaigns {

namespace {

constexpr std::size_t kMaxPlaceholders = 50;
constexpr std::size_t kMaxKeyLength = 64;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool is_key_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-';
}

bool known_variable(std::string_view v) {
    if (v == "name" || v == "phone" || v == "email") return true;
    constexpr std::string_view prefix = "attributes.";
    if (!v.starts_with(prefix)) return false;
    const auto key = v.substr(prefix.size());
    if (key.empty() || key.size() > kMaxKeyLength) return false;
    for (char ch : key)
        if (!is_key_char(ch)) return false;
    return true;
}

// An attribute's value as text: strings as they are, numbers as written,
// booleans as true/false; empty for anything else.
std::string attribute_text(const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    if (v.is_number()) return v.dump();
    return {};
}

}  // namespace

bool TemplateText::has_variables() const {
    for (const auto& p : pieces)
        if (p.variable) return true;
    return false;
}

std::vector<std::string> TemplateText::required_variables() const {
    std::vector<std::string> out;
    for (const auto& p : pieces)
        if (p.variable && !p.fallback && std::find(out.begin(), out.end(), p.text) == out.end())
            out.push_back(p.text);
    return out;
}

Result<TemplateText> parse_template(std::string_view body, const std::string& field) {
    TemplateText out;
    std::size_t placeholders = 0;
    std::size_t at = 0;
    while (at < body.size()) {
        const auto open = body.find("{{", at);
        if (open == std::string_view::npos) {
            out.pieces.push_back({std::string(body.substr(at))});
            break;
        }
        if (open > at) out.pieces.push_back({std::string(body.substr(at, open - at))});
        const auto close = body.find("}}", open + 2);
        if (close == std::string_view::npos)
            return Error::invalid(field, "A placeholder opened with {{ is not closed with }}.");
        if (++placeholders > kMaxPlaceholders)
            return Error::invalid(field, "At most 50 placeholders.");
        auto inside = body.substr(open + 2, close - open - 2);
        TemplatePiece piece{.variable = true};
        if (const auto bar = inside.find('|'); bar != std::string_view::npos) {
            piece.fallback = std::string(trim(inside.substr(bar + 1)));
            inside = inside.substr(0, bar);
        }
        const auto name = trim(inside);
        if (name.empty()) return Error::invalid(field, "A placeholder names no variable.");
        if (!known_variable(name))
            return Error::invalid(field, "Unknown variable " + http::echo_of(name) +
                                             ": use name, phone, email or attributes.<key>.");
        piece.text = std::string(name);
        out.pieces.push_back(std::move(piece));
        at = close + 2;
    }
    return out;
}

Rendered render(const TemplateText& t, const TemplateValues& values, bool html) {
    Rendered out;
    for (const auto& p : t.pieces) {
        if (!p.variable) {
            out.text += p.text;
            continue;
        }
        std::string value;
        if (p.text == "name")
            value = values.name;
        else if (p.text == "phone")
            value = values.phone;
        else if (p.text == "email")
            value = values.email;
        else if (const auto key = p.text.substr(11);
                 values.attributes.is_object() && values.attributes.contains(key))
            value = attribute_text(values.attributes[key]);
        if (value.empty()) {
            if (!p.fallback) {
                if (!out.missing) out.missing = p.text;
                continue;
            }
            out.text += *p.fallback;
            continue;
        }
        out.text += html ? html_escape(value) : value;
    }
    return out;
}

Rendered compose(const TemplateText& t, const TemplateValues& values,
                 const std::optional<std::string>& footer) {
    Rendered out = render(t, values);
    if (footer && !footer->empty()) out.text += "\n" + *footer;
    return out;
}

}  // namespace ujumbe::campaigns
