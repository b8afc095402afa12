#include "messaging/email_channel.h"

#include <algorithm>
#include <cctype>

#include "channels/email_content.h"
#include "core/html.h"
#include "core/json.h"
#include "core/validate.h"

namespace ujumbe::messaging {

namespace {

using json = nlohmann::json;

// The footer goes before the HTML's closing body tag, or at its end.
void add_html_footer(std::string& html, const std::string& url) {
    const std::string footer = "<p style=\"font-size:12px;color:#666\"><a href=\"" +
                               html_escape(url) + "\">Unsubscribe</a></p>";
    std::string lower = html;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto at = lower.rfind("</body>");
    html.insert(at == std::string::npos ? html.size() : at, footer);
}

// `one_line`: a header's text (subject, display name) has no line breaks.
std::optional<Error> text_problem(const json& content, const char* field, bool required,
                                  std::size_t max_bytes, std::size_t max_chars,
                                  bool one_line = true) {
    const auto it = content.find(field);
    if (it == content.end() || it->is_null()) {
        if (!required) return std::nullopt;
        return Error::refusal(field, "INVALID_EMAIL_CONTENT", "Required for channel email.");
    }
    const bool text = it->is_string();
    const auto* s = text ? it->get_ptr<const std::string*>() : nullptr;
    if (!text || (required && s->empty()) || s->size() > max_bytes || !is_clean_text(*s) ||
        utf8_length(*s) > max_chars || (one_line && s->find_first_of("\r\n") != std::string::npos))
        return Error::refusal(field, "INVALID_EMAIL_CONTENT",
                              "Must be text of " + std::string(required ? "1" : "0") + " to " +
                                  std::to_string(std::min(max_bytes, max_chars)) + " characters" +
                                  (one_line ? " on one line." : "."));
    return std::nullopt;
}

}  // namespace

EmailChannel::EmailChannel(const contacts::UnsubscribeLinks& links, EmailLimits limits)
    : links_(links), limits_(limits) {}

Result<std::optional<Error>> EmailChannel::check(db::Connection&, const SendRequest& r,
                                                 const Message* replied, Message& m) {
    return compose(r, replied, m);
}

std::optional<Error> EmailChannel::compose(const SendRequest& r, const Message* replied,
                                           Message& m) const {
    using Refusal = std::optional<Error>;
    if (replied || r.content.contains("media") || r.content.contains("template"))
        return Refusal(Error::refusal(replied ? "reply_to" : "channel", "CHANNEL_MISMATCH",
                                      "Media, templates and replies are for channel whatsapp."));
    if (r.sender_id)
        return Refusal(Error::refusal("sender_id", "CHANNEL_MISMATCH",
                                      "Mail goes from its gateway's address; name it with "
                                      "`from_name`."));
    const json& content = r.content;
    if (auto p = text_problem(content, "subject", true, limits_.subject_chars * 4,
                              limits_.subject_chars))
        return Refusal(std::move(*p));
    if (r.body.empty() || r.body.size() > limits_.text_bytes || !is_clean_text(r.body))
        return Refusal(Error::refusal("body", "INVALID_BODY",
                                      "The text of a mail must be 1 to " +
                                          std::to_string(limits_.text_bytes) +
                                          " bytes of UTF-8 text."));
    if (auto p =
            text_problem(content, "html", false, limits_.html_bytes, limits_.html_bytes, false))
        return Refusal(std::move(*p));
    if (auto p = text_problem(content, "from_name", false, limits_.from_name_chars * 4,
                              limits_.from_name_chars))
        return Refusal(std::move(*p));

    channels::EmailContent mail{.subject = string_at(content, "subject"),
                                .html = string_at(content, "html"),
                                .from_name = string_at(content, "from_name")};
    std::string text = r.body;
    if (!r.transactional) {
        if (!links_.can_link())
            return Refusal(Error::refusal(
                "transactional", "PUBLIC_URL_REQUIRED",
                "Marketing mail carries an unsubscribe link, and this server has no public "
                "address to put in it (UJUMBE_PUBLIC_URL). Send transactional mail, or ask the "
                "operator to set it.",
                ErrorCode::kFailedPrecondition));
        const std::string url = links_.url(m.account_id, m.to);
        mail.headers = {{"List-Unsubscribe", "<" + url + ">"},
                        {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
        text += "\n\n--\nUnsubscribe: " + url + "\n";
        if (!mail.html.empty()) add_html_footer(mail.html, url);
    }
    m.channel = "email";
    m.sender = mail.from_name;
    m.body = std::move(text);
    m.encoding = "utf8";
    m.segments = 1;
    m.content = channels::email_content_json(mail);
    return Refusal{};
}

}  // namespace ujumbe::messaging
