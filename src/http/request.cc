#include "http/request.h"

#include <uriparser/Uri.h>

#include <array>

namespace ujumbe::http {

namespace {
constexpr std::array<std::pair<Method, std::string_view>, 7> kMethods = {{
    {Method::kGet, "GET"},
    {Method::kPost, "POST"},
    {Method::kPut, "PUT"},
    {Method::kPatch, "PATCH"},
    {Method::kDelete, "DELETE"},
    {Method::kHead, "HEAD"},
    {Method::kOptions, "OPTIONS"},
}};
}  // namespace

std::string_view method_name(Method m) {
    for (const auto& [method, name] : kMethods)
        if (method == m) return name;
    return "OTHER";
}

Method parse_method(std::string_view name) {
    for (const auto& [method, text] : kMethods)
        if (text == name) return method;
    return Method::kOther;
}

std::optional<std::string_view> Request::header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers)
        if (name == lower_name) return std::string_view(value);
    return std::nullopt;
}

std::optional<std::string> Request::query_param(const std::string& name) const {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
}

std::vector<std::string> Request::query_params(const std::string& name) const {
    std::vector<std::string> out;
    auto [begin, end] = query.equal_range(name);
    for (auto it = begin; it != end; ++it) out.push_back(it->second);
    return out;
}

namespace {

// Well-formed %XX escapes only, and never %00: a NUL would cut the decoded
// text short and let a path match a different route than the one sent.
bool valid_percent_encoding(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') continue;
        if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
            !std::isxdigit(static_cast<unsigned char>(s[i + 2])) ||
            (s[i + 1] == '0' && s[i + 2] == '0'))
            return false;
        i += 2;
    }
    return true;
}

}  // namespace

bool parse_target(std::string_view target, std::string& path,
                  std::multimap<std::string, std::string>& query) {
    if (target.empty() || target.front() != '/') return false;
    const auto q = target.find('?');
    std::string raw_path(target.substr(0, q));
    if (!valid_percent_encoding(raw_path)) return false;
    // Decodes %XX only; '+' in a path is a literal plus.
    uriUnescapeInPlaceExA(raw_path.data(), URI_FALSE, URI_BR_DONT_TOUCH);
    path.assign(raw_path.c_str());
    query.clear();
    if (q == std::string_view::npos || q + 1 >= target.size()) return true;
    const std::string_view raw_query = target.substr(q + 1);
    if (!valid_percent_encoding(raw_query)) return false;
    UriQueryListA* list = nullptr;
    int count = 0;
    if (uriDissectQueryMallocA(&list, &count, raw_query.data(),
                               raw_query.data() + raw_query.size()) != URI_SUCCESS)
        return false;
    for (UriQueryListA* it = list; it; it = it->next)
        query.emplace(it->key ? it->key : "", it->value ? it->value : "");
    uriFreeQueryListA(list);
    return true;
}

}  // namespace ujumbe::http
