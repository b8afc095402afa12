#include "channels/whatsapp_cloud/outbound_message.h"

#include <set>

#include "channels/http_client.h"
#include "core/utf8.h"
#include "core/validate.h"

namespace ujumbe::channels::whatsapp {

namespace {

using json = nlohmann::json;
using Outcome = std::variant<OutboundMessage, OutboundProblem>;

OutboundProblem problem(std::string field, std::string text) {
    return {std::move(field), std::move(text)};
}

bool good_text(const std::string& text, std::size_t max_chars) {
    return !text.empty() && decode_utf8(text) && utf8_length(text) <= max_chars;
}

// A string member of `object`, "" when absent; `*wrong` when present and
// not a string.
std::string text_at(const json& object, const char* key, bool* wrong) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return {};
    if (!it->is_string()) {
        *wrong = true;
        return {};
    }
    return it->get<std::string>();
}

bool media_id_like(const std::string& id) {
    return !id.empty() && id.size() <= 128 &&
           id.find_first_not_of(
               "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-."
               ":") == std::string::npos;
}

// {"link": ...} or {"id": ...}, exactly one; `field` names the object. Or
// {"upload": {...}}: a file of the account's media, which the sending check
// put there for the gateway to upload to Meta (a caller cannot give it).
std::optional<OutboundProblem> read_media_source(const json& in, const std::string& field,
                                                 json& out) {
    if (auto it = in.find("upload"); it != in.end()) {
        if (!it->is_object() || in.contains("link") || in.contains("id"))
            return problem(field, "Give exactly one of `link` and `id`.");
        out["upload"] = *it;
        return std::nullopt;
    }
    bool wrong = false;
    const std::string link = text_at(in, "link", &wrong);
    const std::string id = text_at(in, "id", &wrong);
    if (wrong) return problem(field, "`link` and `id` must be text.");
    if (link.empty() == id.empty()) return problem(field, "Give exactly one of `link` and `id`.");
    if (!link.empty()) {
        const auto url = parse_url(link);
        if (!url || !url->tls || link.size() > kMaxLinkBytes)
            return problem(field + ".link", "Must be an https URL of at most 2000 characters.");
        out["link"] = link;
    } else {
        if (!media_id_like(id)) return problem(field + ".id", "Not a media id.");
        out["id"] = id;
    }
    return std::nullopt;
}

Outcome read_media(const std::string& body, const json& media) {
    static const std::set<std::string> kTypes = {"image", "document", "audio", "video"};
    bool wrong = false;
    const std::string type = text_at(media, "type", &wrong);
    if (!kTypes.count(type))
        return problem("media.type", "Must be one of image, document, audio, video.");
    json source = json::object();
    if (auto p = read_media_source(media, "media", source)) return *p;
    std::string caption = text_at(media, "caption", &wrong);
    const std::string filename = text_at(media, "filename", &wrong);
    if (wrong) return problem("media", "`caption` and `filename` must be text.");
    if (caption.empty()) caption = body;  // the body is the caption when none is given
    if (!caption.empty()) {
        if (type == "audio") return problem("media.caption", "Audio takes no caption.");
        if (!good_text(caption, kMaxCaptionChars))
            return problem("media.caption", "Must be 1 to 1024 characters of UTF-8 text.");
        source["caption"] = caption;
    }
    if (!filename.empty()) {
        if (type != "document") return problem("media.filename", "Only documents take a filename.");
        if (!good_text(filename, 240) || filename.find('/') != std::string::npos)
            return problem("media.filename", "Must be a file name of 1 to 240 characters.");
        source["filename"] = filename;
    }
    OutboundMessage m;
    m.type = type;
    m.object = {{"type", type}, {type, std::move(source)}};
    m.text = caption.empty() ? "[" + type + "]" : caption;
    return m;
}

// One parameter of a template component, as the Cloud API takes it.
std::optional<OutboundProblem> check_parameter(const json& p, const std::string& field) {
    static const std::set<std::string> kTypes = {"text",  "currency", "date_time", "image",
                                                 "video", "document", "payload",   "location"};
    if (!p.is_object()) return problem(field, "Each parameter must be an object.");
    bool wrong = false;
    const std::string type = text_at(p, "type", &wrong);
    if (!kTypes.count(type))
        return problem(field + ".type",
                       "Must be text, currency, date_time, image, video, document, payload or "
                       "location.");
    if (type == "text" || type == "payload") {
        const std::string value = text_at(p, type.c_str(), &wrong);
        if (wrong || !good_text(value, 1024))
            return problem(field + "." + type, "Must be 1 to 1024 characters of text.");
    } else if (type == "image" || type == "video" || type == "document") {
        if (!p.contains(type) || !p[type].is_object())
            return problem(field + "." + type, "Must be an object with `link` or `id`.");
        json ignored = json::object();
        if (auto bad = read_media_source(p[type], field + "." + type, ignored)) return bad;
    } else if (!p.contains(type) || !p[type].is_object()) {
        return problem(field + "." + type, "Must be an object.");
    }
    return std::nullopt;
}

Outcome read_template(const json& t) {
    bool wrong = false;
    const std::string name = text_at(t, "name", &wrong);
    if (!is_template_name(name))
        return problem("template.name",
                       "Must be a template name: lower-case letters, digits and underscores.");
    // The language as a code ("en_US") or as the Cloud API's object.
    std::string language;
    if (auto it = t.find("language"); it != t.end()) {
        if (it->is_string())
            language = it->get<std::string>();
        else if (it->is_object())
            language = text_at(*it, "code", &wrong);
    }
    if (!is_language_code(language))
        return problem("template.language", "Must be a language code such as en_US.");
    json components = json::array();
    if (auto it = t.find("components"); it != t.end() && !it->is_null()) {
        if (!it->is_array() || it->size() > kMaxTemplateComponents)
            return problem("template.components", "Must be a list of at most 10 components.");
        std::size_t parameters = 0;
        for (std::size_t i = 0; i < it->size(); ++i) {
            const json& c = (*it)[i];
            const std::string field = "template.components[" + std::to_string(i) + "]";
            if (!c.is_object()) return problem(field, "Must be an object.");
            const std::string type = text_at(c, "type", &wrong);
            if (type != "header" && type != "body" && type != "button")
                return problem(field + ".type", "Must be header, body or button.");
            json out = {{"type", type}};
            if (type == "button") {
                const std::string sub_type = text_at(c, "sub_type", &wrong);
                if (sub_type.empty() || sub_type.size() > 32)
                    return problem(field + ".sub_type",
                                   "Required for a button (quick_reply, url).");
                out["sub_type"] = sub_type;
                const json index = c.value("index", json(nullptr));
                const bool position = index.is_number_integer() && index.get<std::int64_t>() >= 0 &&
                                      index.get<std::int64_t>() < 10;
                if (!(index.is_string() || position))
                    return problem(field + ".index", "Required for a button: its position.");
                out["index"] = index.is_string() ? index.get<std::string>() : index.dump();
            }
            if (auto ps = c.find("parameters"); ps != c.end() && !ps->is_null()) {
                if (!ps->is_array()) return problem(field + ".parameters", "Must be a list.");
                parameters += ps->size();
                if (parameters > kMaxTemplateParameters)
                    return problem(field + ".parameters", "Too many parameters.");
                for (std::size_t k = 0; k < ps->size(); ++k)
                    if (auto bad = check_parameter(
                            (*ps)[k], field + ".parameters[" + std::to_string(k) + "]"))
                        return *bad;
                out["parameters"] = *ps;
            }
            components.push_back(std::move(out));
        }
    }
    OutboundMessage m;
    m.type = "template";
    m.template_name = name;
    m.template_language = language;
    json object = {{"name", name}, {"language", {{"code", language}, {"policy", "deterministic"}}}};
    if (!components.empty()) object["components"] = std::move(components);
    m.object = {{"type", "template"}, {"template", std::move(object)}};
    m.text = "[template " + name + " " + language + "]";
    return m;
}

}  // namespace

bool is_template_name(const std::string& name) {
    return !name.empty() && name.size() <= 512 &&
           name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos;
}

bool is_language_code(const std::string& code) {
    return code.size() >= 2 && code.size() <= 15 &&
           code.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_") ==
               std::string::npos;
}

std::variant<OutboundMessage, OutboundProblem> read_outbound(const std::string& body,
                                                             const json& content,
                                                             const std::string& context_id) {
    const bool has_media = content.contains("media"), has_template = content.contains("template");
    if (has_media && has_template)
        return problem("template", "Give a template or media, not both.");
    Outcome out;
    if (has_template) {
        if (!body.empty())
            return problem("body", "A template message takes its text from the template.");
        out = read_template(content["template"]);
    } else if (has_media) {
        out = read_media(body, content["media"]);
    } else {
        if (!good_text(body, kMaxTextChars))
            return problem("body", "Must be 1 to 4096 characters of UTF-8 text.");
        OutboundMessage m;
        m.type = "text";
        m.object = {
            {"type", "text"},
            {"text",
             {{"body", body}, {"preview_url", body.find("https://") != std::string::npos}}}};
        m.text = body;
        out = std::move(m);
    }
    if (auto* m = std::get_if<OutboundMessage>(&out); m && !context_id.empty())
        m->object["context"] = {{"message_id", context_id}};
    return out;
}

}  // namespace ujumbe::channels::whatsapp
