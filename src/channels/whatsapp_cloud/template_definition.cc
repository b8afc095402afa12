#include "channels/whatsapp_cloud/template_definition.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "channels/http_client.h"
#include "core/json.h"
#include "core/utf8.h"
#include "core/validate.h"

namespace ujumbe::channels::whatsapp {

namespace {

using json = nlohmann::json;
using Outcome = std::variant<TemplateDefinition, OutboundProblem>;

constexpr std::size_t kMaxBodyChars = 1024, kMaxHeaderChars = 60, kMaxFooterChars = 60;
constexpr std::size_t kMaxButtons = 10, kMaxButtonChars = 25;

bool good_text(const std::string& text, std::size_t max_chars) {
    return !text.empty() && decode_utf8(text) && utf8_length(text) <= max_chars;
}

// The variables {{1}}..{{n}} of `text`: n, or -1 when they are not 1..n in
// some order (a gap, a zero, a name).
int variables_in(const std::string& text) {
    std::set<int> seen;
    for (std::size_t at = text.find("{{"); at != std::string::npos; at = text.find("{{", at + 2)) {
        const auto end = text.find("}}", at + 2);
        if (end == std::string::npos) return -1;
        const std::string inside = text.substr(at + 2, end - at - 2);
        if (inside.empty() || inside.size() > 3 ||
            !std::all_of(inside.begin(), inside.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return -1;
        seen.insert(std::stoi(inside));
    }
    if (seen.empty()) return 0;
    if (*seen.begin() != 1 || *seen.rbegin() != static_cast<int>(seen.size())) return -1;
    return static_cast<int>(seen.size());
}

// A list of `n` sample values of text at example[key] (nested once more for
// the body: [["a", "b"]]).
bool has_examples(const json& component, const char* key, int n, bool nested) {
    auto ex = component.find("example");
    if (ex == component.end() || !ex->is_object() || !ex->contains(key)) return false;
    const json* list = &(*ex)[key];
    if (nested) {
        if (!list->is_array() || list->empty()) return false;
        list = &(*list)[0];
    }
    if (!list->is_array() || static_cast<int>(list->size()) != n) return false;
    return std::all_of(list->begin(), list->end(), [](const json& v) {
        return v.is_string() && !v.get_ref<const std::string&>().empty();
    });
}

std::optional<OutboundProblem> check_buttons(const json& c, const std::string& field, json& out) {
    auto list = c.find("buttons");
    if (list == c.end() || !list->is_array() || list->empty() || list->size() > kMaxButtons)
        return OutboundProblem{field + ".buttons", "Must be a list of 1 to 10 buttons."};
    json buttons = json::array();
    for (std::size_t i = 0; i < list->size(); ++i) {
        const json& b = (*list)[i];
        const std::string at = field + ".buttons[" + std::to_string(i) + "]";
        if (!b.is_object()) return OutboundProblem{at, "Must be an object."};
        const std::string type = ascii_upper(string_at(b, "type"));
        static const std::set<std::string> kTypes = {"QUICK_REPLY", "URL", "PHONE_NUMBER",
                                                     "COPY_CODE", "OTP"};
        if (!kTypes.count(type))
            return OutboundProblem{at + ".type",
                                   "Must be QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE or OTP."};
        json button = b;
        button["type"] = type;
        if (type != "COPY_CODE" && type != "OTP" &&
            !good_text(string_at(b, "text"), kMaxButtonChars))
            return OutboundProblem{at + ".text", "Must be 1 to 25 characters."};
        if (type == "URL") {
            const std::string url = string_at(b, "url");
            const auto parsed = parse_url(url);
            if (!parsed || !parsed->tls || url.size() > 2000)
                return OutboundProblem{at + ".url", "Must be an https URL."};
            const int n = variables_in(url);
            if (n < 0 || n > 1)
                return OutboundProblem{at + ".url", "At most one {{1}}, at its end."};
            if (n == 1 &&
                !(b.contains("example") && b["example"].is_array() && !b["example"].empty()))
                return OutboundProblem{at + ".example", "A URL with {{1}} needs an example."};
        }
        if (type == "PHONE_NUMBER") {
            const std::string phone = string_at(b, "phone_number");
            if (phone.size() < 6 || phone.size() > 20 ||
                phone.find_first_not_of("+0123456789") != std::string::npos)
                return OutboundProblem{at + ".phone_number", "Must be a phone number."};
        }
        buttons.push_back(std::move(button));
    }
    out["buttons"] = std::move(buttons);
    return std::nullopt;
}

}  // namespace

std::variant<TemplateDefinition, OutboundProblem> read_template_definition(
    const std::string& name, const std::string& language, const std::string& category,
    const json& components) {
    TemplateDefinition d;
    if (!is_template_name(name))
        return OutboundProblem{"name", "Lower-case letters, digits and underscores."};
    if (!is_language_code(language))
        return OutboundProblem{"language", "Must be a language code such as en_US."};
    d.name = name;
    d.language = language;
    d.category = ascii_upper(category);
    if (d.category != "MARKETING" && d.category != "UTILITY" && d.category != "AUTHENTICATION")
        return OutboundProblem{"category", "Must be MARKETING, UTILITY or AUTHENTICATION."};
    if (!components.is_array() || components.empty() || components.size() > 4)
        return OutboundProblem{"components", "Must be a list of 1 to 4 components."};
    std::set<std::string> seen;
    for (std::size_t i = 0; i < components.size(); ++i) {
        const json& c = components[i];
        const std::string field = "components[" + std::to_string(i) + "]";
        if (!c.is_object()) return OutboundProblem{field, "Must be an object."};
        const std::string type = ascii_upper(string_at(c, "type"));
        if (type != "HEADER" && type != "BODY" && type != "FOOTER" && type != "BUTTONS")
            return OutboundProblem{field + ".type", "Must be HEADER, BODY, FOOTER or BUTTONS."};
        if (!seen.insert(type).second)
            return OutboundProblem{field + ".type", "Only one " + type + " component."};
        json out = c;
        out["type"] = type;
        const std::string text = string_at(c, "text");
        if (type == "BODY") {
            if (!good_text(text, kMaxBodyChars))
                return OutboundProblem{field + ".text", "Must be 1 to 1024 characters."};
            d.body_parameters = variables_in(text);
            if (d.body_parameters < 0)
                return OutboundProblem{field + ".text",
                                       "Variables must be {{1}}, {{2}}, ... in turn."};
            if (d.body_parameters > 0 && !has_examples(c, "body_text", d.body_parameters, true))
                return OutboundProblem{field + ".example",
                                       "Give example.body_text: [[one sample per variable]]."};
            d.body_text = text;
        } else if (type == "HEADER") {
            const std::string format = ascii_upper(string_at(c, "format"));
            static const std::set<std::string> kFormats = {"TEXT", "IMAGE", "VIDEO", "DOCUMENT",
                                                           "LOCATION"};
            if (!kFormats.count(format))
                return OutboundProblem{field + ".format",
                                       "Must be TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION."};
            out["format"] = format;
            if (format == "TEXT") {
                if (!good_text(text, kMaxHeaderChars))
                    return OutboundProblem{field + ".text", "Must be 1 to 60 characters."};
                d.header_parameters = variables_in(text);
                if (d.header_parameters < 0 || d.header_parameters > 1)
                    return OutboundProblem{field + ".text", "A header takes at most {{1}}."};
                if (d.header_parameters == 1 && !has_examples(c, "header_text", 1, false))
                    return OutboundProblem{field + ".example",
                                           "Give example.header_text: [sample]."};
            } else if (format != "LOCATION") {
                if (!has_examples(c, "header_handle", 1, false))
                    return OutboundProblem{field + ".example",
                                           "Give example.header_handle: [an uploaded sample]."};
                d.header_parameters = 1;  // the media itself, given at each send
            }
        } else if (type == "FOOTER") {
            if (!good_text(text, kMaxFooterChars) || variables_in(text) != 0)
                return OutboundProblem{field + ".text",
                                       "Must be 1 to 60 characters, no variables."};
        } else if (auto bad = check_buttons(c, field, out)) {
            return *bad;
        }
        d.components.push_back(std::move(out));
    }
    if (!seen.count("BODY")) return OutboundProblem{"components", "A BODY component is required."};
    return d;
}

std::string render_body(const std::string& body_text, const json& send_components) {
    std::vector<std::string> values;
    if (send_components.is_array()) {
        for (const auto& c : send_components) {
            if (!c.is_object() || string_at(c, "type") != "body" || !c.contains("parameters") ||
                !c["parameters"].is_array())
                continue;
            for (const auto& p : c["parameters"]) {
                const std::string type = p.is_object() ? string_at(p, "type") : "";
                if (type == "text")
                    values.push_back(string_at(p, "text"));
                else if ((type == "currency" || type == "date_time") && p[type].is_object())
                    values.push_back(string_at(p[type], "fallback_value"));
                else
                    values.emplace_back();
            }
        }
    }
    // One pass over the text: a value holding a mark is never filled again.
    std::string out;
    std::size_t from = 0;
    for (auto at = body_text.find("{{"); at != std::string::npos; at = body_text.find("{{", from)) {
        const auto end = body_text.find("}}", at + 2);
        if (end == std::string::npos) break;
        const std::string inside = body_text.substr(at + 2, end - at - 2);
        const bool number = !inside.empty() && inside.size() <= 3 &&
                            inside.find_first_not_of("0123456789") == std::string::npos;
        const std::size_t n = number ? std::stoul(inside) : 0;
        out.append(body_text, from, at - from);
        if (n >= 1 && n <= values.size())
            out += values[n - 1];
        else
            out.append(body_text, at, end + 2 - at);
        from = end + 2;
    }
    out.append(body_text, from, std::string::npos);
    return out;
}

int parameters_given(const json& send_components, const std::string& type) {
    int n = 0;
    if (!send_components.is_array()) return 0;
    for (const auto& c : send_components)
        if (c.is_object() && string_at(c, "type") == type && c.contains("parameters") &&
            c["parameters"].is_array())
            n += static_cast<int>(c["parameters"].size());
    return n;
}

}  // namespace ujumbe::channels::whatsapp
