#include "channels/http_provider/provider.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>

#include "core/crypto.h"
#include "core/json.h"
#include "core/utf8.h"
#include "core/validate.h"

namespace ujumbe::channels {

namespace {

using json = nlohmann::json;

const std::set<std::string>& placeholders() {
    static const std::set<std::string> names = {"to",           "to_digits", "from",
                                                "text",         "encoding",  "message_id",
                                                "callback_url", "username",  "account_sid"};
    return names;
}

const std::set<std::string>& our_statuses() {
    static const std::set<std::string> names = {"delivered", "undelivered", "expired", "rejected",
                                                "submitted"};
    return names;
}

json preset_defaults(const std::string& name) {
    if (name == "africastalking")
        return {{"url", "https://api.africastalking.com/version1/messaging"},
                {"method", "POST"},
                {"auth", "header"},
                {"auth_header", "apiKey"},
                {"body_format", "form"},
                {"body",
                 {{"username", "{{username}}"},
                  {"to", "{{to}}"},
                  {"message", "{{text}}"},
                  {"from", "{{from}}"}}},
                {"headers", {{"Accept", "application/json"}}},
                {"success_regex", "\"status\"\\s*:\\s*\"Success\""},
                {"id_pointer", "/SMSMessageData/Recipients/0/messageId"},
                {"dlr",
                 {{"id", "id"},
                  {"status", "status"},
                  {"error", "failureReason"},
                  {"statuses",
                   {{"Success", "delivered"},
                    {"Failed", "undelivered"},
                    {"Rejected", "rejected"},
                    {"Expired", "expired"},
                    {"Sent", "submitted"},
                    {"Submitted", "submitted"},
                    {"Buffered", "submitted"}}}}},
                {"mo", {{"from", "from"}, {"to", "to"}, {"text", "text"}}}};
    if (name == "twilio")
        return {{"url", "https://api.twilio.com/2010-04-01/Accounts/{{account_sid}}/Messages.json"},
                {"method", "POST"},
                {"auth", "basic"},
                {"body_format", "form"},
                {"body",
                 {{"To", "{{to}}"},
                  {"From", "{{from}}"},
                  {"Body", "{{text}}"},
                  {"StatusCallback", "{{callback_url}}"}}},
                {"headers", {{"Accept", "application/json"}}},
                {"id_pointer", "/sid"},
                {"dlr",
                 {{"id", "MessageSid"},
                  {"status", "MessageStatus"},
                  {"error", "ErrorCode"},
                  {"statuses",
                   {{"delivered", "delivered"},
                    {"undelivered", "undelivered"},
                    {"failed", "undelivered"},
                    {"canceled", "rejected"},
                    {"sent", "submitted"},
                    {"queued", "submitted"},
                    {"accepted", "submitted"},
                    {"sending", "submitted"}}}}},
                {"mo", {{"from", "From"}, {"to", "To"}, {"text", "Body"}}}};
    return json::object();
}

// Collects problems as {"settings.<field>": why}; the first one is returned.
class Checker {
public:
    Checker(const json& settings, const json& secrets) : s_(settings), secrets_(secrets) {}

    const json* get(const char* name) const {
        auto it = s_.find(name);
        return it == s_.end() || it->is_null() ? nullptr : &*it;
    }
    std::string text(const char* name, const std::string& fallback, std::size_t max = 500) {
        const json* v = get(name);
        if (!v) return fallback;
        if (!v->is_string() || v->get_ref<const std::string&>().size() > max) {
            fail(name, "Must be text of at most " + std::to_string(max) + " characters.");
            return fallback;
        }
        return v->get<std::string>();
    }
    std::string choice(const char* name, const std::string& fallback,
                       const std::vector<std::string>& allowed) {
        std::string v = text(name, fallback, 40);
        if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
            std::string list;
            for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
            fail(name, "Must be one of " + list + ".");
        }
        return v;
    }
    double number(const char* name, double fallback, double min, double max) {
        const json* v = get(name);
        if (!v) return fallback;
        if (!v->is_number() || v->get<double>() < min || v->get<double>() > max) {
            fail(name, "Must be a number from " + trimmed(min) + " to " + trimmed(max) + ".");
            return fallback;
        }
        return v->get<double>();
    }
    std::vector<int> statuses(const char* name, std::vector<int> fallback) {
        const json* v = get(name);
        if (!v) return fallback;
        std::vector<int> out;
        if (!v->is_array() || v->size() > 50) {
            fail(name, "Must be a list of HTTP status codes.");
            return fallback;
        }
        for (const auto& code : *v) {
            if (!code.is_number_integer() || code.get<int>() < 100 || code.get<int>() > 599) {
                fail(name, "Must be a list of HTTP status codes.");
                return fallback;
            }
            out.push_back(code.get<int>());
        }
        return out;
    }
    std::string secret(const char* name) {
        auto it = secrets_.find(name);
        if (it == secrets_.end() || it->is_null()) return {};
        if (!it->is_string() || it->get_ref<const std::string&>().size() > 1000) {
            fail(name, "Must be text of at most 1000 characters.");
            return {};
        }
        return it->get<std::string>();
    }
    void fail(const std::string& name, std::string why) {
        if (!error_) error_ = Error::invalid("settings." + name, std::move(why));
    }
    const std::optional<Error>& error() const { return error_; }

private:
    static std::string trimmed(double d) {
        std::string s = std::to_string(d);
        while (s.find('.') != std::string::npos && (s.back() == '0' || s.back() == '.')) {
            const bool dot = s.back() == '.';
            s.pop_back();
            if (dot) break;
        }
        return s;
    }
    const json& s_;
    const json& secrets_;
    std::optional<Error> error_;
};

// The {{names}} in `tmpl`; false when one is unknown or unclosed.
bool known_placeholders(const std::string& tmpl, std::string& unknown) {
    std::size_t at = 0;
    while ((at = tmpl.find("{{", at)) != std::string::npos) {
        const auto end = tmpl.find("}}", at + 2);
        if (end == std::string::npos) {
            unknown = tmpl.substr(at, 20);
            return false;
        }
        const std::string name = tmpl.substr(at + 2, end - at - 2);
        if (!placeholders().count(name)) {
            unknown = name;
            return false;
        }
        at = end + 2;
    }
    return true;
}

// Every string in `value` (a template), checked.
bool templates_known(const json& value, std::string& unknown) {
    if (value.is_string()) return known_placeholders(value.get<std::string>(), unknown);
    if (value.is_object() || value.is_array()) {
        for (const auto& item : value)
            if (!templates_known(item, unknown)) return false;
    }
    return true;
}

bool valid_regex(const std::string& pattern) {
    try {
        std::regex re(pattern);
        return true;
    } catch (const std::regex_error&) {
        return false;
    }
}

bool valid_pointer(const std::string& pointer) {
    try {
        json::json_pointer p(pointer);
        return true;
    } catch (const json::exception&) {
        return false;
    }
}

std::string fill(const std::string& tmpl, const std::map<std::string, std::string>& values,
                 bool url_encode) {
    std::string out;
    std::size_t at = 0;
    while (true) {
        const auto open = tmpl.find("{{", at);
        if (open == std::string::npos) break;
        const auto close = tmpl.find("}}", open + 2);
        if (close == std::string::npos) break;
        out.append(tmpl, at, open - at);
        auto it = values.find(tmpl.substr(open + 2, close - open - 2));
        if (it != values.end()) out += url_encode ? form_encode(it->second) : it->second;
        at = close + 2;
    }
    out.append(tmpl, at, std::string::npos);
    return out;
}

json fill_json(const json& tmpl, const std::map<std::string, std::string>& values) {
    if (tmpl.is_string()) return fill(tmpl.get<std::string>(), values, false);
    if (tmpl.is_object()) {
        json out = json::object();
        for (auto it = tmpl.begin(); it != tmpl.end(); ++it) out[it.key()] = fill_json(*it, values);
        return out;
    }
    if (tmpl.is_array()) {
        json out = json::array();
        for (const auto& item : tmpl) out.push_back(fill_json(item, values));
        return out;
    }
    return tmpl;
}

std::string base64(std::string_view raw) {
    std::string out = base64url_encode(raw);
    for (auto& c : out) c = c == '-' ? '+' : c == '_' ? '/' : c;
    while (out.size() % 4) out += '=';
    return out;
}

// Printable ASCII only, at most `max` characters: for error messages.
std::string excerpt(const std::string& text, std::size_t max = 200) {
    std::string out;
    for (unsigned char c : text) {
        if (out.size() >= max) break;
        out += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : ' ';
    }
    return out;
}

// A field of a callback: a form field, a top-level key, or a JSON pointer.
std::optional<std::string> field_of(const std::string& name, const json* doc,
                                    const std::map<std::string, std::string>* form) {
    if (name.empty()) return std::nullopt;
    if (form) {
        auto it = form->find(name);
        if (it == form->end()) return std::nullopt;
        return it->second;
    }
    const json* v = nullptr;
    if (name.front() == '/') {
        try {
            const json::json_pointer p(name);
            if (doc->contains(p)) v = &doc->at(p);
        } catch (const json::exception&) {
            return std::nullopt;
        }
    } else if (doc->is_object()) {
        auto it = doc->find(name);
        if (it != doc->end()) v = &*it;
    }
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_string()) return v->get<std::string>();
    if (v->is_number_integer()) return std::to_string(v->get<std::int64_t>());
    if (v->is_number() || v->is_boolean()) return v->dump();
    return std::nullopt;
}

constexpr std::size_t kMaxCallbackReports = 1000;
constexpr std::size_t kMaxRegexInput = 2048;
constexpr std::size_t kMaxFieldBytes = 4096;

}  // namespace

const std::vector<std::string>& provider_presets() {
    static const std::vector<std::string> names = {"africastalking", "twilio"};
    return names;
}

std::string form_encode(const std::string& value) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : value) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    return out;
}

std::map<std::string, std::string> form_decode(const std::string& text) {
    const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    const auto decode = [&](std::string_view s) {
        std::string out;
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (s[i] == '+') {
                out += ' ';
            } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 &&
                       hex(s[i + 2]) >= 0) {
                out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
                i += 2;
            } else {
                out += s[i];
            }
        }
        return out;
    };
    std::map<std::string, std::string> out;
    std::size_t at = 0;
    while (at <= text.size()) {
        auto end = text.find('&', at);
        if (end == std::string::npos) end = text.size();
        const std::string_view pair(text.data() + at, end - at);
        if (!pair.empty()) {
            const auto eq = pair.find('=');
            const std::string key = decode(pair.substr(0, eq));
            const std::string value =
                eq == std::string_view::npos ? std::string() : decode(pair.substr(eq + 1));
            out.emplace(key, value);  // the first of a repeated field counts
        }
        at = end + 1;
    }
    return out;
}

Result<ProviderSettings> read_provider_settings(const json& given, const json& secrets) {
    if (!given.is_object()) return Error::invalid("settings", "Must be an object.");
    if (!secrets.is_object()) return Error::invalid("settings", "Secrets must be an object.");
    ProviderSettings s;
    // A preset's defaults, under what the admin gave.
    json merged = json::object();
    if (auto p = given.find("preset"); p != given.end() && !p->is_null()) {
        if (!p->is_string() || std::find(provider_presets().begin(), provider_presets().end(),
                                         p->get<std::string>()) == provider_presets().end())
            return Error::invalid("settings.preset", "Must be africastalking or twilio.");
        merged = preset_defaults(p->get<std::string>());
    }
    for (auto it = given.begin(); it != given.end(); ++it) {
        if ((it.key() == "dlr" || it.key() == "mo") && it->is_object() &&
            merged.contains(it.key())) {
            for (auto f = it->begin(); f != it->end(); ++f) merged[it.key()][f.key()] = *f;
        } else {
            merged[it.key()] = *it;
        }
    }
    if (!json_depth_within(merged, 8)) return Error::invalid("settings", "Nested too deep.");
    static const std::set<std::string> known = {"preset",
                                                "url",
                                                "method",
                                                "auth",
                                                "username",
                                                "account_sid",
                                                "auth_header",
                                                "auth_query",
                                                "body_format",
                                                "body",
                                                "headers",
                                                "success_status",
                                                "success_regex",
                                                "id_pointer",
                                                "id_regex",
                                                "retryable_status",
                                                "timeout_ms",
                                                "tps",
                                                "concurrency",
                                                "dlr",
                                                "mo",
                                                "hook_auth",
                                                "signature_header",
                                                "callback_base"};
    for (auto it = merged.begin(); it != merged.end(); ++it)
        if (!known.count(it.key()))
            return Error::invalid("settings." + it.key().substr(0, 40), "Unknown setting.");
    Checker c(merged, secrets);
    s.preset = c.text("preset", "", 40);
    s.url = c.text("url", "", 1000);
    s.method = c.choice("method", "POST", {"POST", "GET", "PUT"});
    s.auth = c.choice("auth", "none", {"none", "basic", "bearer", "header", "query"});
    s.account_sid = c.text("account_sid", "", 100);
    s.username = c.text("username", s.auth == "basic" ? s.account_sid : "", 200);
    s.auth_header = c.text("auth_header", "apiKey", 100);
    s.auth_query = c.text("auth_query", "api_key", 100);
    s.body_format = c.choice("body_format", "form", {"form", "json"});
    s.success_regex = c.text("success_regex", "", 200);
    s.id_pointer = c.text("id_pointer", "", 200);
    s.id_regex = c.text("id_regex", "", 200);
    s.success_status = c.statuses("success_status", {});
    s.retryable_status = c.statuses("retryable_status", s.retryable_status);
    s.timeout_ms = static_cast<int>(c.number("timeout_ms", 10000, 100, 60000));
    s.tps = c.number("tps", 50, 0.1, 10000);
    s.concurrency = static_cast<int>(c.number("concurrency", 10, 1, 1000));
    s.hook_auth = c.choice("hook_auth", "secret", {"secret", "hmac"});
    s.signature_header = c.text("signature_header", "X-Signature", 100);
    s.callback_base = c.text("callback_base", "", 500);
    s.password = c.secret("password");
    s.token = c.secret("token");
    s.api_key = c.secret("api_key");
    s.hook_secret = c.secret("hook_secret");
    if (auto e = c.error()) return *e;

    std::string unknown;
    if (s.url.empty()) return Error::invalid("settings.url", "Required.");
    if (!known_placeholders(s.url, unknown))
        return Error::invalid("settings.url", "Unknown placeholder " + excerpt(unknown, 40) + ".");
    if (!parse_url(fill(s.url, {{"account_sid", "x"}, {"username", "x"}}, true)))
        return Error::invalid("settings.url", "Must be an http:// or https:// URL.");
    if (s.auth == "basic" && (s.username.empty() || s.password.empty()))
        return Error::invalid("settings.password",
                              "Basic authentication needs a username "
                              "(or account_sid) and a password.");
    if (s.auth == "bearer" && s.token.empty())
        return Error::invalid("settings.token", "Bearer authentication needs a token.");
    if ((s.auth == "header" || s.auth == "query") && s.api_key.empty())
        return Error::invalid("settings.api_key", "This authentication needs an api_key.");
    if (const json* b = c.get("body")) {
        if (!b->is_object()) return Error::invalid("settings.body", "Must be an object.");
        if (s.body_format == "form")
            for (const auto& v : *b)
                if (!v.is_string())
                    return Error::invalid("settings.body", "Form fields are text templates.");
        s.body = *b;
    }
    if (!templates_known(s.body, unknown))
        return Error::invalid("settings.body", "Unknown placeholder " + excerpt(unknown, 40) + ".");
    if (const json* h = c.get("headers")) {
        if (!h->is_object()) return Error::invalid("settings.headers", "Must be an object.");
        for (auto it = h->begin(); it != h->end(); ++it) {
            const bool token_name =
                !it.key().empty() && std::all_of(it.key().begin(), it.key().end(), [](char ch) {
                    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_';
                });
            if (!token_name || !it->is_string() ||
                it->get_ref<const std::string&>().find_first_of("\r\n") != std::string::npos)
                return Error::invalid("settings.headers", "Header names and text values only.");
        }
        s.headers = *h;
    }
    if (!templates_known(s.headers, unknown))
        return Error::invalid("settings.headers",
                              "Unknown placeholder " + excerpt(unknown, 40) + ".");
    if (!s.success_regex.empty() && !valid_regex(s.success_regex))
        return Error::invalid("settings.success_regex", "Not a regular expression.");
    if (!s.id_regex.empty() && !valid_regex(s.id_regex))
        return Error::invalid("settings.id_regex", "Not a regular expression.");
    if (!s.id_pointer.empty() && !valid_pointer(s.id_pointer))
        return Error::invalid("settings.id_pointer", "Not a JSON pointer (\"/sid\").");
    if (!s.callback_base.empty()) {
        auto base = parse_url(s.callback_base);
        if (!base || base->target != "/" || s.callback_base.find('?') != std::string::npos)
            return Error::invalid("settings.callback_base",
                                  "Must be this server's http(s) address, without a path.");
        while (s.callback_base.ends_with('/')) s.callback_base.pop_back();
    }
    if (s.auth_header.empty() || s.auth_header.find_first_of(" :\r\n") != std::string::npos)
        return Error::invalid("settings.auth_header", "Must be a header name.");
    if (const json* d = c.get("dlr")) {
        if (!d->is_object()) return Error::invalid("settings.dlr", "Must be an object.");
        for (const char* key : {"id", "status", "error"}) {
            auto it = d->find(key);
            if (it == d->end() || it->is_null()) continue;
            if (!it->is_string() || it->get_ref<const std::string&>().size() > 200)
                return Error::invalid(std::string("settings.dlr.") + key, "Must be a field name.");
            (key == std::string("id")       ? s.dlr.id
             : key == std::string("status") ? s.dlr.status
                                            : s.dlr.error) = it->get<std::string>();
        }
        if (auto st = d->find("statuses"); st != d->end() && !st->is_null()) {
            if (!st->is_object() || st->size() > 100)
                return Error::invalid("settings.dlr.statuses", "Must map provider statuses.");
            for (auto it = st->begin(); it != st->end(); ++it) {
                if (!it->is_string() || !our_statuses().count(it->get<std::string>()))
                    return Error::invalid("settings.dlr.statuses",
                                          "Each maps to delivered, undelivered, expired, rejected "
                                          "or submitted.");
                s.dlr.statuses[it.key()] = it->get<std::string>();
            }
        }
    }
    if (const json* m = c.get("mo")) {
        if (!m->is_object()) return Error::invalid("settings.mo", "Must be an object.");
        for (const char* key : {"from", "to", "text"}) {
            auto it = m->find(key);
            if (it == m->end() || it->is_null()) continue;
            if (!it->is_string() || it->get_ref<const std::string&>().empty() ||
                it->get_ref<const std::string&>().size() > 200)
                return Error::invalid(std::string("settings.mo.") + key, "Must be a field name.");
            (key == std::string("from") ? s.mo.from
             : key == std::string("to") ? s.mo.to
                                        : s.mo.text) = it->get<std::string>();
        }
    }
    return s;
}

json provider_settings_json(const ProviderSettings& s) {
    json statuses = json::object();
    for (const auto& [k, v] : s.dlr.statuses) statuses[k] = v;
    json out = {{"url", s.url},
                {"method", s.method},
                {"auth", s.auth},
                {"username", s.username},
                {"account_sid", s.account_sid},
                {"auth_header", s.auth_header},
                {"auth_query", s.auth_query},
                {"body_format", s.body_format},
                {"body", s.body},
                {"headers", s.headers},
                {"success_status", s.success_status},
                {"success_regex", s.success_regex},
                {"id_pointer", s.id_pointer},
                {"id_regex", s.id_regex},
                {"retryable_status", s.retryable_status},
                {"timeout_ms", s.timeout_ms},
                {"tps", s.tps},
                {"concurrency", s.concurrency},
                {"dlr",
                 {{"id", s.dlr.id},
                  {"status", s.dlr.status},
                  {"error", s.dlr.error},
                  {"statuses", statuses}}},
                {"mo", {{"from", s.mo.from}, {"to", s.mo.to}, {"text", s.mo.text}}},
                {"hook_auth", s.hook_auth},
                {"signature_header", s.signature_header},
                {"callback_base", s.callback_base}};
    if (!s.preset.empty()) out["preset"] = s.preset;
    return out;
}

std::string callback_url(const ProviderSettings& s, const GatewayId& gateway_id) {
    if (s.callback_base.empty()) return {};
    std::string url = s.callback_base + "/api/v1/hooks/gateways/" + gateway_id.value + "/dlr";
    if (s.hook_auth == "secret" && !s.hook_secret.empty())
        url += "?secret=" + form_encode(s.hook_secret);
    return url;
}

HttpRequest provider_request(const ProviderSettings& s, const MessageValues& v) {
    const std::map<std::string, std::string> values = {
        {"to", v.to},
        {"to_digits", v.to.starts_with('+') ? v.to.substr(1) : v.to},
        {"from", v.from},
        {"text", v.text},
        {"encoding", v.encoding},
        {"message_id", v.message_id},
        {"callback_url", v.callback_url},
        {"username", s.username},
        {"account_sid", s.account_sid}};
    HttpRequest r;
    r.method = s.method;
    r.url = fill(s.url, values, true);
    std::string query;
    if (s.auth == "basic")
        r.headers.emplace_back("Authorization", "Basic " + base64(s.username + ":" + s.password));
    else if (s.auth == "bearer")
        r.headers.emplace_back("Authorization", "Bearer " + s.token);
    else if (s.auth == "header")
        r.headers.emplace_back(s.auth_header, s.api_key);
    else if (s.auth == "query")
        query = form_encode(s.auth_query) + "=" + form_encode(s.api_key);
    for (auto it = s.headers.begin(); it != s.headers.end(); ++it)
        r.headers.emplace_back(it.key(), fill(it->get<std::string>(), values, false));
    // A message's text may end up in a header: no line breaks get through.
    for (auto& [name, value] : r.headers)
        std::erase_if(value, [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
    if (s.body_format == "json") {
        r.headers.emplace_back("Content-Type", "application/json");
        r.body = fill_json(s.body, values).dump(-1, ' ', false, json::error_handler_t::replace);
    } else {
        std::string form;
        for (auto it = s.body.begin(); it != s.body.end(); ++it)
            form += (form.empty() ? "" : "&") + form_encode(it.key()) + "=" +
                    form_encode(fill(it->get<std::string>(), values, false));
        if (s.method == "GET") {
            query += (query.empty() || form.empty() ? "" : "&") + form;
        } else {
            r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
            r.body = std::move(form);
        }
    }
    if (!query.empty()) r.url += (r.url.find('?') == std::string::npos ? "?" : "&") + query;
    return r;
}

PartOutcome read_provider_answer(const ProviderSettings& s, const HttpAnswer& a,
                                 const std::string& message_id) {
    PartOutcome out;
    out.part = 1;
    if (!a.answered) {
        out.left = a.sent;  // written: the provider may have it
        out.retryable = !a.sent;
        out.error_code = a.sent ? "NO_RESPONSE" : "NOT_SENT";
        out.error_message = excerpt(a.error);
        return out;
    }
    out.answered = true;
    const std::string code = "HTTP_" + std::to_string(a.status);
    const bool success = s.success_status.empty()
                             ? a.status >= 200 && a.status < 300
                             : std::find(s.success_status.begin(), s.success_status.end(),
                                         a.status) != s.success_status.end();
    if (!success) {
        out.retryable = std::find(s.retryable_status.begin(), s.retryable_status.end(), a.status) !=
                        s.retryable_status.end();
        out.error_code = code;
        out.error_message = excerpt(a.body);
        return out;
    }
    // It succeeded as far as HTTP goes: from here on the provider may have
    // taken the message, so an unreadable answer never sends it again.
    const auto unreadable = [&](std::string why) {
        out.left = true;
        out.error_code = "UNEXPECTED_RESPONSE";
        out.error_message = std::move(why);
        return out;
    };
    // std::regex recurses per character: the patterns see the start of the
    // answer only.
    const std::string_view body(a.body.data(),
                                std::min<std::size_t>(a.body.size(), kMaxRegexInput));
    if (!s.success_regex.empty()) {
        std::match_results<std::string_view::const_iterator> m;
        if (!std::regex_search(body.begin(), body.end(), m, std::regex(s.success_regex)))
            return unreadable("The answer does not say the message was taken: " + excerpt(a.body));
    }
    std::string id;
    if (!s.id_pointer.empty()) {
        JsonParseProblem problem;
        const json doc = parse_json_bounded(a.body, problem);
        if (problem.kind != JsonParseProblem::Kind::kNone)
            return unreadable("The answer is not JSON.");
        const auto found = field_of(s.id_pointer, &doc, nullptr);
        if (!found || found->empty()) return unreadable("No id at " + s.id_pointer + ".");
        id = *found;
    } else if (!s.id_regex.empty()) {
        std::match_results<std::string_view::const_iterator> m;
        if (!std::regex_search(body.begin(), body.end(), m, std::regex(s.id_regex)) ||
            m.size() < 2 || m[1].length() == 0)
            return unreadable("No id matches id_regex.");
        id = m[1].str();
    } else {
        id = message_id;  // the provider reports by our id
    }
    if (id.size() > 200) return unreadable("The provider's id is too long.");
    out.accepted = true;
    out.left = true;
    out.provider_id = id;
    out.provider_key = id;
    return out;
}

bool callback_authentic(const ProviderSettings& s, const Callback& cb) {
    if (s.hook_secret.empty()) return false;
    if (s.hook_auth == "hmac") {
        auto it = cb.headers.find(ascii_lower(s.signature_header));
        if (it == cb.headers.end()) return false;
        std::string given = it->second;
        if (given.starts_with("sha256=")) given = given.substr(7);
        const std::string mac = hmac_sha256(s.hook_secret, cb.body);
        return constant_time_equal(given, to_hex(mac)) || constant_time_equal(given, base64(mac));
    }
    auto q = cb.query.find("secret");
    if (q != cb.query.end() && constant_time_equal(q->second, s.hook_secret)) return true;
    auto h = cb.headers.find("x-ujumbe-secret");
    return h != cb.headers.end() && constant_time_equal(h->second, s.hook_secret);
}

Result<std::vector<CallbackReport>> read_callback(const ProviderSettings& s,
                                                  const GatewayId& gateway_id, const Callback& cb) {
    // The documents: one form, one JSON object, or a JSON array of objects.
    std::vector<json> docs;
    std::optional<std::map<std::string, std::string>> form;
    const bool is_json = cb.content_type.find("json") != std::string::npos;
    if (is_json) {
        JsonParseProblem problem;
        json doc = parse_json_bounded(cb.body, problem, 8);
        if (problem.kind != JsonParseProblem::Kind::kNone)
            return Error::malformed("The body is not JSON.");
        if (doc.is_array()) {
            if (doc.size() > kMaxCallbackReports)
                return Error::invalid("body", "At most 1000 reports at once.");
            for (auto& d : doc) docs.push_back(std::move(d));
        } else {
            docs.push_back(std::move(doc));
        }
    } else {
        form = form_decode(cb.body);
        docs.emplace_back(nullptr);
    }
    std::vector<CallbackReport> out;
    for (const auto& doc : docs) {
        const auto get = [&](const std::string& name) -> std::optional<std::string> {
            auto v = field_of(name, &doc, form ? &*form : nullptr);
            if (v && v->size() > kMaxFieldBytes) v->resize(kMaxFieldBytes);
            return v;
        };
        if (cb.kind == Callback::Kind::kDlr) {
            auto id = get(s.dlr.id);
            if (!id || id->empty()) return Error::invalid(s.dlr.id, "Required: the message id.");
            auto status = get(s.dlr.status);
            if (!status) return Error::invalid(s.dlr.status, "Required: the status.");
            ReceiptReport r;
            r.gateway_id = gateway_id;
            r.provider_id = r.provider_key = *id;
            r.stat = excerpt(*status, 32);
            auto mapped = s.dlr.statuses.find(*status);
            if (mapped == s.dlr.statuses.end()) {
                // Statuses are matched case-insensitively when not listed as sent.
                const std::string wanted = ascii_lower(*status);
                for (auto it = s.dlr.statuses.begin(); it != s.dlr.statuses.end(); ++it) {
                    if (ascii_lower(it->first) == wanted) {
                        mapped = it;
                        break;
                    }
                }
            }
            r.status = mapped == s.dlr.statuses.end() ? "submitted" : mapped->second;
            if (auto error = get(s.dlr.error); error && !error->empty())
                r.error_code = excerpt(*error, 64);
            out.emplace_back(std::move(r));
        } else {
            auto from = get(s.mo.from);
            auto to = get(s.mo.to);
            auto text = get(s.mo.text);
            if (!from || from->empty()) return Error::invalid(s.mo.from, "Required: the sender.");
            if (!to || to->empty()) return Error::invalid(s.mo.to, "Required: the recipient.");
            if (!text) return Error::invalid(s.mo.text, "Required: the text.");
            if (!decode_utf8(*text)) return Error::invalid(s.mo.text, "Must be UTF-8 text.");
            InboundReport in;
            in.gateway_id = gateway_id;
            in.from = excerpt(*from, 32);
            in.to = excerpt(*to, 32);
            in.text = *text;
            out.emplace_back(std::move(in));
        }
    }
    return out;
}

}  // namespace ujumbe::channels
