#pragma once
// A mail made from a template for one recipient: its subject, text and
// HTML each rendered with the recipient's values (escaped in the HTML).

#include <optional>
#include <string>

#include "campaigns/model.h"
#include "campaigns/template_text.h"
#include "core/result.h"

namespace ujumbe::campaigns {

// A template's parts, parsed; `html` empty when the template has none.
struct MailTemplate {
    TemplateText subject, text, html;
    bool has_html = false;
};

struct RenderedMail {
    std::string subject, text, html;
    std::optional<std::string> missing;  // the first variable without a value
};

// 400 naming subject, body or html for a part that does not parse.
Result<MailTemplate> parse_mail_template(const Template& t);
RenderedMail render_mail(const MailTemplate& t, const TemplateValues& values);

}  // namespace ujumbe::campaigns
