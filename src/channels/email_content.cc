#include "channels/email_content.h"

#include <nlohmann/json.hpp>

#include "core/json.h"

namespace ujumbe::channels {

using json = nlohmann::json;

std::string email_content_json(const EmailContent& c) {
    json headers = json::object();
    for (const auto& [name, value] : c.headers) headers[name] = value;
    json out = {{"subject", c.subject}, {"html", c.html}, {"headers", headers}};
    if (!c.from_name.empty()) out["from_name"] = c.from_name;
    return out.dump();
}

EmailContent read_email_content(const std::string& content) {
    EmailContent out;
    const json c = json::parse(content, nullptr, false);
    if (!c.is_object()) return out;
    out.subject = string_at(c, "subject");
    out.html = string_at(c, "html");
    out.from_name = string_at(c, "from_name");
    if (auto h = c.find("headers"); h != c.end() && h->is_object())
        for (const auto& [name, value] : h->items())
            if (value.is_string()) out.headers.emplace_back(name, value.get<std::string>());
    return out;
}

}  // namespace ujumbe::channels
