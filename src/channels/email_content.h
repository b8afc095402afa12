#pragma once
// What an email carries besides its text, as OutboundSms.content holds it
// for channel email: {"subject", "html", "from_name", "headers": {name:
// value}}. Written by whoever sends mail (the platform's own mail, the
// email channel) and read by the smtp kind.

#include <string>
#include <utility>
#include <vector>

namespace ujumbe::channels {

struct EmailContent {
    std::string subject, html;
    std::string from_name;                                     // "" : the gateway's own
    std::vector<std::pair<std::string, std::string>> headers;  // List-Unsubscribe, ...
};

std::string email_content_json(const EmailContent& c);
// Fields that are missing or not text read as empty.
EmailContent read_email_content(const std::string& content);

}  // namespace ujumbe::channels
