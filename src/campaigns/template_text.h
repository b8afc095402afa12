#pragma once
// Template bodies: text with {{name}}, {{phone}}, {{email}} and
// {{attributes.<key>}} placeholders, each with an optional default after a
// bar ({{attributes.city|Dar es Salaam}}). Pure functions.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace ujumbe::campaigns {

struct TemplatePiece {
    std::string text;  // literal text, or the variable ("name", "attributes.city")
    bool variable = false;
    std::optional<std::string> fallback;  // the default after '|'
};

struct TemplateText {
    std::vector<TemplatePiece> pieces;
    bool has_variables() const;
    // Variables without a default, in order of first use.
    std::vector<std::string> required_variables() const;
};

// 400 naming `field` for an unclosed or empty placeholder, an unknown
// variable (the message names it), or more than 50 placeholders.
Result<TemplateText> parse_template(std::string_view body, const std::string& field);

// What one recipient fills the placeholders with.
struct TemplateValues {
    std::string name, phone, email;
    nlohmann::json attributes = nlohmann::json::object();
};

struct Rendered {
    std::string text;
    // The first variable with neither a value nor a default: nothing to send.
    std::optional<std::string> missing;
};

// `html`: values (not defaults, which the author wrote) are HTML-escaped.
Rendered render(const TemplateText& t, const TemplateValues& values, bool html = false);

// One message's text: the template rendered, and the account's opt-out
// footer, if any, on a line of its own.
Rendered compose(const TemplateText& t, const TemplateValues& values,
                 const std::optional<std::string>& footer);

}  // namespace ujumbe::campaigns
