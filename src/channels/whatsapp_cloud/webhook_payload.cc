#include "channels/whatsapp_cloud/webhook_payload.h"

#include <charconv>

#include "core/utf8.h"
#include "core/validate.h"

namespace ujumbe::channels::whatsapp {

namespace {

using json = nlohmann::json;

const json& member(const json& object, const char* key) {
    static const json kNone;
    if (!object.is_object()) return kNone;
    auto it = object.find(key);
    return it == object.end() ? kNone : *it;
}

std::string text(const json& object, const char* key, std::size_t max = 256) {
    const json& v = member(object, key);
    if (!v.is_string()) return {};
    return std::string(utf8_prefix(v.get_ref<const std::string&>(), max));
}

// Meta sends Unix seconds as a string ("1764800000"); a number is taken too.
std::int64_t seconds(const json& object, const char* key) {
    const json& v = member(object, key);
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (!v.is_string()) return 0;
    const auto& s = v.get_ref<const std::string&>();
    std::int64_t out = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size() && out > 0 ? out : 0;
}

const json& array(const json& object, const char* key) {
    static const json kEmpty = json::array();
    const json& v = member(object, key);
    return v.is_array() ? v : kEmpty;
}

bool is_media(const std::string& type) {
    return type == "image" || type == "video" || type == "audio" || type == "document" ||
           type == "sticker";
}

std::string readable(const json& m, const std::string& type) {
    if (type == "text") return text(member(m, "text"), "body", kMaxItemText);
    if (is_media(type)) return text(member(m, type.c_str()), "caption", kMaxItemText);
    if (type == "button") return text(member(m, "button"), "text", kMaxItemText);
    if (type == "interactive") {
        const json& i = member(m, "interactive");
        for (const char* reply : {"button_reply", "list_reply"})
            if (auto title = text(member(i, reply), "title", kMaxItemText); !title.empty())
                return title;
    }
    if (type == "reaction") return text(member(m, "reaction"), "emoji", 64);
    if (type == "location") {
        const json& l = member(m, "location");
        const auto name = text(l, "name", 512);
        if (!name.empty()) return name;
    }
    return {};
}

void read_message(const json& m, const std::string& phone_number_id, const json& contacts,
                  WebhookItems& out) {
    InboundItem in;
    in.phone_number_id = phone_number_id;
    in.from = text(m, "from", 32);
    in.wamid = text(m, "id", 256);
    in.type = text(m, "type", 32);
    if (in.from.empty() || !all_digits(in.from) || in.wamid.empty() || in.type.empty()) {
        ++out.skipped;
        return;
    }
    in.timestamp = seconds(m, "timestamp");
    in.text = readable(m, in.type);
    if (in.text.empty() && in.type != "text") in.text = "[" + in.type + "]";
    if (is_media(in.type)) {
        const json& media = member(m, in.type.c_str());
        in.media_id = text(media, "id", 128);
        in.mime_type = text(media, "mime_type", 128);
        in.filename = text(media, "filename", 256);
    }
    in.context_wamid = text(member(m, "context"), "id", 256);
    for (const auto& c : contacts)
        if (text(c, "wa_id", 32) == in.from) {
            in.profile_name = text(member(c, "profile"), "name", 256);
            break;
        }
    out.inbound.push_back(std::move(in));
}

void read_status(const json& s, const std::string& phone_number_id, WebhookItems& out) {
    StatusItem st;
    st.phone_number_id = phone_number_id;
    st.wamid = text(s, "id", 256);
    st.status = text(s, "status", 32);
    if (st.wamid.empty() || st.status.empty()) {
        ++out.skipped;
        return;
    }
    st.timestamp = seconds(s, "timestamp");
    st.recipient_id = text(s, "recipient_id", 32);
    st.callback_data = text(s, "biz_opaque_callback_data", 512);
    const json& errors = array(s, "errors");
    if (!errors.empty()) {
        const json& code = member(errors[0], "code");
        if (code.is_number_integer()) st.error_code = code.get<std::int64_t>();
        st.error_title = text(errors[0], "title", 256);
    }
    out.statuses.push_back(std::move(st));
}

void read_template(const json& v, WebhookItems& out) {
    TemplateStatusItem t;
    t.event = text(v, "event", 64);
    const json& id = member(v, "message_template_id");
    t.template_id = id.is_number_integer() ? std::to_string(id.get<std::int64_t>())
                                           : text(v, "message_template_id", 64);
    t.name = text(v, "message_template_name", 512);
    t.language = text(v, "message_template_language", 32);
    t.reason = text(v, "reason", 512);
    if (t.event.empty() || (t.template_id.empty() && t.name.empty())) {
        ++out.skipped;
        return;
    }
    out.templates.push_back(std::move(t));
}

std::size_t count(const WebhookItems& out) {
    return out.inbound.size() + out.statuses.size() + out.templates.size() +
           static_cast<std::size_t>(out.skipped);
}

}  // namespace

WebhookItems read_webhook(const json& doc) {
    WebhookItems out;
    for (const auto& entry : array(doc, "entry")) {
        for (const auto& change : array(entry, "changes")) {
            const std::string field = text(change, "field", 64);
            const json& value = member(change, "value");
            if (field == "message_template_status_update") {
                if (count(out) < kMaxWebhookItems) read_template(value, out);
                continue;
            }
            if (field != "messages") continue;
            const std::string phone_number_id =
                text(member(value, "metadata"), "phone_number_id", 64);
            const json& contacts = array(value, "contacts");
            for (const auto& m : array(value, "messages")) {
                if (count(out) >= kMaxWebhookItems) return out;
                read_message(m, phone_number_id, contacts, out);
            }
            for (const auto& s : array(value, "statuses")) {
                if (count(out) >= kMaxWebhookItems) return out;
                read_status(s, phone_number_id, out);
            }
        }
    }
    return out;
}

}  // namespace ujumbe::channels::whatsapp
