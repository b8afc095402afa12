#pragma once
// A WhatsApp message template as the Cloud API takes it for review
// (POST /{waba-id}/message_templates, PROTOCOLS.md 3.8): its name, language,
// category and components, checked the way Meta checks them, so a template
// that cannot pass is refused here with the field named rather than after a
// round trip. Also what a send of the template must give: the number of
// parameters its header and body take.

#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "channels/whatsapp_cloud/outbound_message.h"

namespace ujumbe::channels::whatsapp {

struct TemplateDefinition {
    std::string name, language, category;  // category: MARKETING | UTILITY | AUTHENTICATION
    // As Meta takes them: types and formats upper case, examples kept.
    nlohmann::json components = nlohmann::json::array();
    int header_parameters = 0, body_parameters = 0;
    std::string body_text;  // with {{1}}... as written
};

// `category` and `components` as a caller gave them (any case for names).
std::variant<TemplateDefinition, OutboundProblem> read_template_definition(
    const std::string& name, const std::string& language, const std::string& category,
    const nlohmann::json& components);

// The body text with its {{n}} filled from the send's body parameters
// (text, or a currency's or date's fallback_value); unfilled ones stay.
std::string render_body(const std::string& body_text, const nlohmann::json& send_components);

// How many parameters the send gives a component type ("header", "body").
int parameters_given(const nlohmann::json& send_components, const std::string& type);

}  // namespace ujumbe::channels::whatsapp
