#include "contacts/keywords.h"

#include <cctype>
#include <set>

#include "core/utf8.h"
#include "core/validate.h"
#include "http/schema.h"

namespace ujumbe::contacts {

namespace {

using json = nlohmann::json;

std::string trimmed_upper(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
        text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.remove_suffix(1);
    return ascii_upper(text);
}

bool is_word(const std::string& word) {
    if (word.empty() || word.size() > kMaxKeywordChars) return false;
    for (unsigned char c : word)
        if (!std::isalnum(c)) return false;
    return true;
}

}  // namespace

const std::vector<Keyword>& default_keywords() {
    static const std::vector<Keyword> defaults = [] {
        std::vector<Keyword> out;
        for (const char* stop : {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
            out.push_back({stop, false, true, std::nullopt});
        for (const char* start : {"START", "UNSTOP"})
            out.push_back({start, true, true, std::nullopt});
        return out;
    }();
    return defaults;
}

std::optional<Keyword> match_keyword(const std::vector<Keyword>& keywords, std::string_view text) {
    if (text.size() > 2 * kMaxKeywordChars) return std::nullopt;  // no keyword is that long
    const std::string word = trimmed_upper(text);
    for (const auto& k : keywords)
        if (k.keyword == word) return k;
    return std::nullopt;
}

Result<std::vector<Keyword>> read_keywords(const json& body) {
    if (!body.is_object() || !body.contains("keywords") || !body["keywords"].is_array())
        return Error::invalid("keywords", "Required: a list of keywords.");
    const json& list = body["keywords"];
    if (list.size() > kMaxKeywords)
        return Error::invalid("keywords", "At most " + std::to_string(kMaxKeywords) + ".");
    std::vector<Keyword> out;
    std::set<std::string> seen;
    FieldErrors errors;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string at = "keywords[" + std::to_string(i) + "]";
        const json& item = list[i];
        if (!item.is_object()) {
            errors[at].push_back("Must be an object.");
            continue;
        }
        Keyword k;
        const auto word = item.find("keyword");
        if (word != item.end() && word->is_string())
            k.keyword = trimmed_upper(word->get<std::string>());
        if (!is_word(k.keyword))
            errors[at + ".keyword"].push_back("1 to 20 letters or digits.");
        else if (!seen.insert(k.keyword).second)
            errors[at + ".keyword"].push_back("Given twice.");
        std::string action, scope = "all";
        if (auto it = item.find("action"); it != item.end() && it->is_string())
            action = it->get<std::string>();
        if (auto it = item.find("scope"); it != item.end())
            scope = it->is_string() ? it->get<std::string>() : std::string();
        if (action != "opt_out" && action != "opt_in")
            errors[at + ".action"].push_back("opt_out or opt_in.");
        k.opt_in = action == "opt_in";
        if (scope != "all" && scope != "channel")
            errors[at + ".scope"].push_back("all (every channel) or channel (the one it came on).");
        k.all_channels = scope == "all";
        if (auto reply = item.find("reply"); reply != item.end() && !reply->is_null()) {
            if (!reply->is_string() || reply->get_ref<const std::string&>().empty() ||
                !decode_utf8(reply->get_ref<const std::string&>()) ||
                utf8_length(reply->get_ref<const std::string&>()) > kMaxReplyChars)
                errors[at + ".reply"].push_back("1 to 320 characters of text, or null.");
            else
                k.reply = reply->get<std::string>();
        }
        out.push_back(std::move(k));
    }
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    return out;
}

json keywords_json(const std::vector<Keyword>& keywords) {
    json out = json::array();
    for (const auto& k : keywords)
        out.push_back({{"keyword", k.keyword},
                       {"action", k.opt_in ? "opt_in" : "opt_out"},
                       {"scope", k.all_channels ? "all" : "channel"},
                       {"reply", k.reply ? json(*k.reply) : json(nullptr)}});
    return out;
}

json keywords_schema() {
    using namespace http::schema;
    const json keyword = object({{"keyword", text()},
                                 {"action", one_of({"opt_out", "opt_in"})},
                                 {"scope", one_of({"all", "channel"})},
                                 {"reply", nullable(text())}});
    return object({{"keywords", array_of(keyword)}});
}

json keywords_request_schema() {
    using namespace http::schema;
    // scope defaults to all, but a null one is refused.
    const json keyword = object({{"keyword", text()},
                                 {"action", one_of({"opt_out", "opt_in"})},
                                 {"scope", one_of({"all", "channel"})},
                                 {"reply", nullable(text())}},
                                {"scope", "reply"});
    return object({{"keywords", array_of(keyword)}});
}

std::vector<Keyword> keywords_from_stored(const std::string& stored) {
    const json list = json::parse(stored, nullptr, false);
    auto read = read_keywords(json{{"keywords", list.is_array() ? list : json::array()}});
    return read ? std::move(*read) : default_keywords();
}

}  // namespace ujumbe::contacts
