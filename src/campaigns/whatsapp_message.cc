#include "campaigns/whatsapp_message.h"

#include "channels/whatsapp_cloud/outbound_message.h"

namespace ujumbe::campaigns {

namespace {

using json = nlohmann::json;
namespace wa = channels::whatsapp;

// Calls fn(text, field) for every text parameter of the components.
template <typename F>
void each_text(json& t, F&& fn) {
    auto components = t.find("components");
    if (components == t.end() || !components->is_array()) return;
    for (std::size_t i = 0; i < components->size(); ++i) {
        auto& c = (*components)[i];
        if (!c.is_object() || !c.contains("parameters") || !c["parameters"].is_array()) continue;
        auto& params = c["parameters"];
        for (std::size_t j = 0; j < params.size(); ++j) {
            auto& p = params[j];
            if (p.is_object() && p.value("type", "") == "text" && p.contains("text") &&
                p["text"].is_string())
                fn(p["text"], "whatsapp_template.components[" + std::to_string(i) +
                                  "].parameters[" + std::to_string(j) + "].text");
        }
    }
}

}  // namespace

Status check_whatsapp_template(const json& t) {
    if (!t.is_object())
        return Error::invalid("whatsapp_template",
                              "Required for whatsapp and mixed campaigns: {name, language, "
                              "components}.");
    // As the Cloud API takes it (with placeholders still in its texts).
    auto read = wa::read_outbound("", json{{"template", t}}, "");
    if (const auto* p = std::get_if<wa::OutboundProblem>(&read)) {
        std::string field = p->field;
        if (field.starts_with("template")) field = "whatsapp_" + field;
        return Error::invalid(field, p->problem);
    }
    Status bad;
    json copy = t;
    each_text(copy, [&](json& text, const std::string& field) {
        if (!bad) return;
        if (auto parsed = parse_template(text.get<std::string>(), field); !parsed)
            bad = std::move(parsed).error();
    });
    return bad;
}

RenderedWhatsApp render_whatsapp_template(const json& t, const TemplateValues& values) {
    RenderedWhatsApp out;
    out.template_object = t;
    each_text(out.template_object, [&](json& text, const std::string& field) {
        if (out.missing) return;
        auto parsed = parse_template(text.get<std::string>(), field);
        if (!parsed) return;  // checked when saved
        auto rendered = render(*parsed, values);
        if (rendered.missing) out.missing = rendered.missing;
        text = rendered.text;
    });
    return out;
}

bool whatsapp_template_has_variables(const json& t) {
    bool any = false;
    json copy = t;
    each_text(copy, [&](json& text, const std::string& field) {
        auto parsed = parse_template(text.get<std::string>(), field);
        any = any || (parsed && parsed->has_variables());
    });
    return any;
}

}  // namespace ujumbe::campaigns
