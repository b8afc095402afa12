#include "campaigns/email_template.h"

namespace ujumbe::campaigns {

Result<MailTemplate> parse_mail_template(const Template& t) {
    MailTemplate out;
    UJ_ASSIGN(out.subject, parse_template(t.subject.value_or(""), "subject"));
    UJ_ASSIGN(out.text, parse_template(t.body, "body"));
    if (t.html && !t.html->empty()) {
        UJ_ASSIGN(out.html, parse_template(*t.html, "html"));
        out.has_html = true;
    }
    return out;
}

RenderedMail render_mail(const MailTemplate& t, const TemplateValues& values) {
    RenderedMail out;
    auto take = [&](const TemplateText& part, std::string& into, bool html) {
        auto r = render(part, values, html);
        into = std::move(r.text);
        if (!out.missing && r.missing) out.missing = std::move(r.missing);
    };
    take(t.subject, out.subject, false);
    take(t.text, out.text, false);
    if (t.has_html) take(t.html, out.html, true);
    return out;
}

}  // namespace ujumbe::campaigns
