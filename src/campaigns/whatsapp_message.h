#pragma once
// The WhatsApp part of whatsapp and mixed campaigns (decision 0040): the
// template a campaign sends ({name, language, components}), checked when
// the campaign is saved, and rendered for each recipient: a text parameter
// may hold the campaign placeholders ({{name}}, {{attributes.city|Dar}}),
// filled from the contact at send time.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "campaigns/template_text.h"
#include "core/result.h"

namespace ujumbe::campaigns {

// 400 naming the field ("whatsapp_template.name") when the object is not a
// template the Cloud API would take or a placeholder is malformed.
Status check_whatsapp_template(const nlohmann::json& t);

struct RenderedWhatsApp {
    nlohmann::json template_object;      // for SendRequest::content["template"]
    std::optional<std::string> missing;  // a variable without value or default
};

RenderedWhatsApp render_whatsapp_template(const nlohmann::json& t, const TemplateValues& values);

// True when the template has placeholders to fill per recipient.
bool whatsapp_template_has_variables(const nlohmann::json& t);

}  // namespace ujumbe::campaigns
