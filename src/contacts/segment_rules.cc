#include "contacts/segment_rules.h"

#include "contacts/normalize.h"
#include "http/input.h"

namespace ujumbe::contacts {

namespace {

using json = nlohmann::json;

std::optional<std::vector<std::string>> tag_list(const json& v, const std::string& field,
                                                 FieldErrors& errors) {
    if (!v.is_array()) {
        errors[field].push_back("Must be a list of tags.");
        return std::nullopt;
    }
    std::vector<std::string> raw;
    for (const auto& t : v) {
        if (!t.is_string()) {
            errors[field].push_back("Must be a list of tags.");
            return std::nullopt;
        }
        raw.push_back(t.get<std::string>());
    }
    std::string problem;
    auto tags = normalize_tags(raw, &problem);
    if (!tags) errors[field].push_back(problem);
    return tags;
}

std::optional<Micros> timestamp(const json& v, const std::string& field, FieldErrors& errors) {
    if (v.is_string())
        if (auto t = parse_iso8601(v.get<std::string>())) return *t;
    errors[field].push_back("Must be an ISO-8601 UTC timestamp.");
    return std::nullopt;
}

void attribute_rules(const json& v, SegmentRules& out, FieldErrors& errors) {
    const std::string field = "rules.attributes";
    if (!v.is_array() || v.size() > 20) {
        errors[field].push_back("Must be a list of at most 20 {key, op, value} rules.");
        return;
    }
    for (const auto& r : v) {
        if (!r.is_object() || !r.contains("key") || !r["key"].is_string() ||
            !is_attribute_key(r["key"].get<std::string>())) {
            errors[field].push_back("Each rule needs a `key` naming an attribute.");
            return;
        }
        const std::string op = r.value("op", std::string("equals"));
        if (op != "equals" && op != "contains") {
            errors[field].push_back("`op` must be equals or contains.");
            return;
        }
        const auto& value = r.contains("value") ? r["value"] : json();
        std::string text;
        if (value.is_string())
            text = value.get<std::string>();
        else if (value.is_boolean() || value.is_number())
            text = value.dump();
        else {
            errors[field].push_back("`value` must be a string, a number or a boolean.");
            return;
        }
        out.attributes.push_back({r["key"].get<std::string>(), op, std::move(text)});
    }
}

}  // namespace

Result<SegmentRules> parse_rules(const json& rules) {
    SegmentRules out;
    FieldErrors errors;
    if (!rules.is_object()) return Error::invalid("rules", "Must be an object.");
    for (const auto& [key, v] : rules.items()) {
        const std::string field = "rules." + http::echo_of(key);  // a key may be long
        if (key == "tags_any") {
            if (auto t = tag_list(v, field, errors)) out.tags_any = *t;
        } else if (key == "tags_all") {
            if (auto t = tag_list(v, field, errors)) out.tags_all = *t;
        } else if (key == "attributes") {
            attribute_rules(v, out, errors);
        } else if (key == "opt_in") {
            if (v.is_string() && (v == "opted_in" || v == "opted_out" || v == "any"))
                out.opt_in = v.get<std::string>();
            else
                errors[field].push_back("Must be opted_in, opted_out or any.");
        } else if (key == "is_active") {
            if (v.is_boolean())
                out.is_active = v.get<bool>();
            else if (!v.is_null())
                errors[field].push_back("Must be true or false.");
        } else if (key == "created_after") {
            out.created_after = timestamp(v, field, errors);
        } else if (key == "created_before") {
            out.created_before = timestamp(v, field, errors);
        } else if (key == "last_contacted_after") {
            out.last_contacted_after = timestamp(v, field, errors);
        } else if (key == "last_contacted_before") {
            out.last_contacted_before = timestamp(v, field, errors);
        } else {
            errors[field].push_back("Unknown rule.");
        }
    }
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    return out;
}

json rules_to_json(const SegmentRules& r) {
    json out = json::object();
    if (!r.tags_any.empty()) out["tags_any"] = r.tags_any;
    if (!r.tags_all.empty()) out["tags_all"] = r.tags_all;
    if (!r.attributes.empty()) {
        json list = json::array();
        for (const auto& a : r.attributes)
            list.push_back({{"key", a.key}, {"op", a.op}, {"value", a.value}});
        out["attributes"] = std::move(list);
    }
    out["opt_in"] = r.opt_in;
    if (r.is_active) out["is_active"] = *r.is_active;
    if (r.created_after) out["created_after"] = format_iso8601_exact(*r.created_after);
    if (r.created_before) out["created_before"] = format_iso8601_exact(*r.created_before);
    if (r.last_contacted_after)
        out["last_contacted_after"] = format_iso8601_exact(*r.last_contacted_after);
    if (r.last_contacted_before)
        out["last_contacted_before"] = format_iso8601_exact(*r.last_contacted_before);
    return out;
}

}  // namespace ujumbe::contacts
