#include "http/input.h"

#include <limits>

#include "core/clock.h"
#include "core/dates.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/validate.h"

namespace ujumbe::http {

Result<json> parse_json_object(const Request& request) {
    if (request.body.empty()) return json::object();
    JsonParseProblem problem;
    json body = parse_json_bounded(request.body, problem);
    switch (problem.kind) {
        case JsonParseProblem::Kind::kNone:
            break;
        case JsonParseProblem::Kind::kSyntax:
            // The parser's message names the byte where it stopped, not the input.
            return Error::malformed("Request body is not valid JSON: " + problem.message);
        case JsonParseProblem::Kind::kTooDeep: {
            Error e =
                Error::invalid(problem.field.empty() ? "body" : problem.field,
                               "Nested deeper than " + std::to_string(kMaxJsonDepth) + " levels.");
            e.details = {{"max_depth", kMaxJsonDepth}};
            return e;
        }
    }
    if (!body.is_object()) return Error::malformed("Request body must be a JSON object");
    return body;
}

std::string echo_of(std::string_view text) {
    constexpr std::size_t kMax = 64;
    std::size_t points = 0, i = 0;
    // Bytes are bounded too: text that is not UTF-8 may be all continuation
    // bytes, which start no code point.
    for (; i < text.size() && i < kMax * 4; ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // continuation
        if (++points > kMax) break;
    }
    if (i >= text.size()) return std::string(text);
    return std::string(text.substr(0, i)) + "...";
}

const json* Fields::find(const std::string& name, Need need) {
    auto it = object_.find(name);
    if (it == object_.end() || it->is_null()) {
        if (need == Need::kRequired) fail(name, "This field is required.");
        return nullptr;
    }
    return &*it;
}

bool Fields::is_null(const std::string& name) const {
    auto it = object_.find(name);
    return it != object_.end() && it->is_null();
}

void Fields::fail(const std::string& name, std::string problem) {
    errors_[name].push_back(std::move(problem));
}

std::optional<std::string> Fields::text(const std::string& name, Need need, std::size_t min,
                                        std::size_t max) {
    const json* v = find(name, need);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
        fail(name, "Must be a string.");
        return std::nullopt;
    }
    std::string s = v->get<std::string>();
    if (!is_clean_text(s)) {
        fail(name, "Must be valid UTF-8 text without control characters.");
        return std::nullopt;
    }
    const auto first = s.find_first_not_of(" \t\r\n");
    s = first == std::string::npos ? ""
                                   : s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
    const std::size_t len = utf8_length(s);
    if (len < std::max<std::size_t>(min, need == Need::kRequired ? 1 : 0)) {
        fail(name, min > 1 ? "Must be at least " + std::to_string(min) + " characters."
                           : "This field may not be blank.");
        return std::nullopt;
    }
    if (len > max) {
        fail(name, "Must be at most " + std::to_string(max) + " characters.");
        return std::nullopt;
    }
    return s;
}

std::optional<std::string> Fields::email(const std::string& name, Need need) {
    auto s = text(name, need, 0, 254);
    if (!s) return std::nullopt;
    if (s->empty() && need == Need::kOptional) return s;
    for (auto& c : *s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!is_valid_email(*s)) {
        fail(name, "Enter a valid email address.");
        return std::nullopt;
    }
    return s;
}

std::optional<std::string> Fields::password(const std::string& name, Need need) {
    const json* v = find(name, need);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
        fail(name, "Must be a string.");
        return std::nullopt;
    }
    std::string s = v->get<std::string>();
    const std::size_t len = utf8_length(s);
    if (!is_clean_text(s)) {
        fail(name, "Must be valid UTF-8 text without control characters.");
        return std::nullopt;
    }
    if (len < 10) {
        fail(name, "Must be at least 10 characters.");
        return std::nullopt;
    }
    if (len > 128) {
        fail(name, "Must be at most 128 characters.");
        return std::nullopt;
    }
    return s;
}

std::optional<std::string> Fields::choice(const std::string& name, Need need,
                                          const std::vector<std::string>& allowed) {
    const json* v = find(name, need);
    if (!v) return std::nullopt;
    if (v->is_string()) {
        const auto& s = v->get_ref<const std::string&>();
        for (const auto& a : allowed)
            if (s == a) return s;
    }
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    fail(name, "Must be one of: " + list + ".");
    return std::nullopt;
}

std::optional<std::int64_t> Fields::integer(const std::string& name, Need need, std::int64_t min,
                                            std::int64_t max) {
    const json* v = find(name, need);
    if (!v) return std::nullopt;
    if (!v->is_number_integer()) {
        fail(name, "Must be a whole number.");
        return std::nullopt;
    }
    const std::string out_of_range =
        "Must be between " + std::to_string(min) + " and " + std::to_string(max) + ".";
    // Numbers above INT64_MAX arrive unsigned and would wrap when read signed.
    if (v->is_number_unsigned() &&
        v->get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        fail(name, out_of_range);
        return std::nullopt;
    }
    const auto n = v->get<std::int64_t>();
    if (n < min || n > max) {
        fail(name, out_of_range);
        return std::nullopt;
    }
    return n;
}

std::optional<bool> Fields::boolean(const std::string& name, Need need) {
    const json* v = find(name, need);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) {
        fail(name, "Must be true or false.");
        return std::nullopt;
    }
    return v->get<bool>();
}

std::optional<Micros> Fields::timestamp(const std::string& name, Need need) {
    const json* v = find(name, need);
    if (!v) return std::nullopt;
    std::optional<Micros> t;
    if (v->is_string()) t = parse_iso8601(v->get<std::string>());
    if (!t || !in_year_range(*t)) {
        fail(name, "Must be an ISO-8601 time such as 2026-01-15T10:30:05Z (years 2000 to 2100).");
        return std::nullopt;
    }
    return t;
}

std::optional<std::vector<std::string>> Fields::string_list(const std::string& name, Need need,
                                                            std::size_t max_items) {
    const json* v = find(name, need);
    if (!v) return std::nullopt;
    if (!v->is_array() || v->size() > max_items) {
        fail(name, "Must be a list of at most " + std::to_string(max_items) + " strings.");
        return std::nullopt;
    }
    std::vector<std::string> out;
    for (const auto& item : *v) {
        if (!item.is_string() || !is_clean_text(item.get_ref<const std::string&>()) ||
            utf8_length(item.get_ref<const std::string&>()) > 200) {
            fail(name, "Every item must be a string of at most 200 characters.");
            return std::nullopt;
        }
        out.push_back(item.get<std::string>());
    }
    return out;
}

std::optional<json> Fields::object(const std::string& name, Need need) {
    const json* v = find(name, need);
    if (!v) return std::nullopt;
    if (!v->is_object()) {
        fail(name, "Must be an object.");
        return std::nullopt;
    }
    return *v;
}

std::optional<std::string> Fields::uuid(const std::string& name, Need need) {
    const json* v = find(name, need);
    if (!v) return std::nullopt;
    if (!v->is_string() || !is_uuid(v->get_ref<const std::string&>())) {
        fail(name, "Must be an id (a UUID).");
        return std::nullopt;
    }
    return v->get<std::string>();
}

void Fields::merge(const Fields& nested, const std::string& prefix) {
    for (const auto& [field, problems] : nested.errors_)
        for (const auto& p : problems) errors_[prefix + "." + field].push_back(p);
}

Status Fields::check() const {
    if (errors_.empty()) return {};
    return Error::invalid_fields(errors_);
}

}  // namespace ujumbe::http
