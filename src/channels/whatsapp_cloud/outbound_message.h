#pragma once
// A message to send over the WhatsApp Cloud API, read from what a caller
// gave (the body, and a `media` or `template` object) and checked as the
// Cloud API requires (PROTOCOLS.md section 3), so Meta refuses as little as
// possible after the message was accepted here. The result is the message
// object the gateway sends, without the recipient.

#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

namespace ujumbe::channels::whatsapp {

// Bounds of the Cloud API.
inline constexpr std::size_t kMaxTextChars = 4096;
inline constexpr std::size_t kMaxCaptionChars = 1024;
inline constexpr std::size_t kMaxLinkBytes = 2000;
inline constexpr std::size_t kMaxTemplateComponents = 10;
inline constexpr std::size_t kMaxTemplateParameters = 100;

struct OutboundMessage {
    nlohmann::json object;  // {"type": ..., "<type>": {...}, "context"?: {...}}
    std::string text;       // what a person reads: text, caption, or "[image]"
    std::string type;       // text | image | document | audio | video | template
    // A template's name and language (what must be approved).
    std::string template_name, template_language;
    // Free-form messages may be sent only inside the customer-service window.
    bool free_form() const { return type != "template"; }
};

// Why a request cannot be sent: the field ("media.link") and the problem.
struct OutboundProblem {
    std::string field, problem;
};

// A template's name (lower-case letters, digits, underscores) and language
// code ("en_US") as the Cloud API takes them.
bool is_template_name(const std::string& name);
bool is_language_code(const std::string& code);

// `content` holds the optional "media" and "template" objects; `context_id`
// is Meta's id of the message replied to ("" when none).
std::variant<OutboundMessage, OutboundProblem> read_outbound(const std::string& body,
                                                             const nlohmann::json& content,
                                                             const std::string& context_id);

}  // namespace ujumbe::channels::whatsapp
