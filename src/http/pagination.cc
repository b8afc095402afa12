#include "http/pagination.h"

#include "http/envelope.h"

#include "core/crypto.h"
#include "core/dates.h"

#include <uriparser/Uri.h>

#include <charconv>
#include <vector>

namespace ujumbe::http {

namespace {

Result<std::int64_t> positive(const Request& request, const std::string& name,
                              std::int64_t fallback) {
    auto text = request.query_param(name);
    if (!text) return fallback;
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
    if (ec != std::errc{} || end != text->data() + text->size() || v < 1)
        return Error::invalid(name, "Must be a positive whole number.");
    return v;
}

// The request's path and query with `key` set to `value` and `drop` left out.
std::string url_with(const Request& request, const std::string& key, const std::string& value,
                     const std::string& drop) {
    std::vector<std::string> keys, values;
    for (const auto& [k, v] : request.query) {
        if (k == key || k == drop) continue;
        keys.push_back(k);
        values.push_back(v);
    }
    keys.push_back(key);
    values.push_back(value);
    std::vector<UriQueryListA> list(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
        list[i].key = keys[i].c_str();
        list[i].value = values[i].c_str();
        list[i].next = i + 1 < keys.size() ? &list[i + 1] : nullptr;
    }
    char* composed = nullptr;
    // The raw path as received: the decoded one may hold '?', '#' or '%'.
    const std::string path = request.target.substr(0, request.target.find('?'));
    if (uriComposeQueryMallocA(&composed, list.data()) != URI_SUCCESS) return path;
    std::string url = path + "?" + composed;
    free(composed);
    return url;
}

std::string url_for_page(const Request& request, std::int64_t page) {
    return url_with(request, "page", std::to_string(page), "cursor");
}

bool is_id_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '_';
}

// "<at>.<0|1>.<id>", base64url: opaque to clients, checked when it comes back.
std::optional<db::Cursor> decode_cursor(std::string_view text) {
    if (text.empty() || text.size() > 200) return std::nullopt;
    const auto raw = base64url_decode(text);
    if (!raw) return std::nullopt;
    const auto first = raw->find('.');
    if (first == std::string::npos || first + 2 >= raw->size() || (*raw)[first + 2] != '.')
        return std::nullopt;
    db::Cursor c;
    const char* begin = raw->data();
    const auto [end, ec] = std::from_chars(begin, begin + first, c.from.at);
    if (ec != std::errc{} || end != begin + first || c.from.at < 0) return std::nullopt;
    const char flag = (*raw)[first + 1];
    if (flag != '0' && flag != '1') return std::nullopt;
    c.newer = flag == '1';
    c.from.id = raw->substr(first + 3);
    if (c.from.id.empty() || c.from.id.size() > 64) return std::nullopt;
    for (char ch : c.from.id)
        if (!is_id_char(ch)) return std::nullopt;
    return c;
}

}  // namespace

Result<Page> parse_page(const Request& request) {
    Page page;
    UJ_ASSIGN(page.number, positive(request, "page", 1));
    UJ_ASSIGN(page.size, positive(request, "page_size", 20));
    if (page.size > kMaxPageSize) page.size = kMaxPageSize;
    if (page.number > 1'000'000'000) return Error::invalid("page", "Is too large.");
    return page;
}

nlohmann::json page_data(const Request& request, const Page& page, nlohmann::json results,
                         std::int64_t count) {
    nlohmann::json next = nullptr, previous = nullptr;
    if (page.offset() + page.size < count) next = url_for_page(request, page.number + 1);
    if (page.number > 1) previous = url_for_page(request, page.number - 1);
    return {{"results", std::move(results)},
            {"count", count},
            {"next", std::move(next)},
            {"previous", std::move(previous)}};
}

std::string encode_cursor(const db::Cursor& cursor) {
    return base64url_encode(std::to_string(cursor.from.at) + (cursor.newer ? ".1." : ".0.") +
                            cursor.from.id);
}

Result<db::Window> list_window(const Request& request) {
    UJ_ASSIGN(auto p, parse_page(request));
    db::Window w;
    w.limit = p.size;
    if (auto text = request.query_param("cursor")) {
        if (request.query_param("page"))
            return Error::invalid("cursor", "Give either `cursor` or `page`, not both.");
        w.cursor = decode_cursor(*text);
        if (!w.cursor) return Error::invalid("cursor", "Not a cursor of this list.");
        w.keyset = true;
        return w;
    }
    w.keyset = !request.query_param("page");
    w.offset = p.offset();
    return w;
}

Response window_response(const Request& request, const db::Window& window, nlohmann::json results,
                         const WindowMeta& meta) {
    nlohmann::json next = nullptr, previous = nullptr, next_cursor = nullptr,
                   previous_cursor = nullptr;
    if (window.keyset) {
        if (meta.next) {
            next_cursor = encode_cursor(*meta.next);
            next = url_with(request, "cursor", next_cursor.get<std::string>(), "page");
        }
        if (meta.previous) {
            previous_cursor = encode_cursor(*meta.previous);
            previous = url_with(request, "cursor", previous_cursor.get<std::string>(), "page");
        }
    } else {
        const std::int64_t page = window.offset / window.limit + 1;
        if (meta.more) next = url_for_page(request, page + 1);
        if (page > 1) previous = url_for_page(request, page - 1);
    }
    return ok({{"results", std::move(results)},
               {"count", meta.count},
               {"count_is_estimate", meta.count_is_estimate},
               {"next", std::move(next)},
               {"previous", std::move(previous)},
               {"next_cursor", std::move(next_cursor)},
               {"previous_cursor", std::move(previous_cursor)}});
}

Result<db::Paged> page_window(const Request& request) {
    UJ_ASSIGN(auto p, parse_page(request));
    return db::Paged{p.size, p.offset()};
}

Response page_response(const Request& request, nlohmann::json results, std::int64_t count) {
    auto page = parse_page(request);
    return ok(page_data(request, page ? *page : Page{}, std::move(results), count));
}

Response whole_list(nlohmann::json results) {
    const auto count = static_cast<std::int64_t>(results.size());
    return ok({{"results", std::move(results)},
               {"count", count},
               {"next", nullptr},
               {"previous", nullptr}});
}

DateRange read_date_range(const Request& request, FieldErrors& errors) {
    DateRange out;
    for (const auto* name : {"date_from", "date_to"}) {
        auto v = request.query_param(name);
        if (!v) continue;
        const bool to = std::string_view(name) == "date_to";
        const auto t = parse_date_param(*v, to);
        if (!t) {
            errors[name].push_back(kDateHint);
            continue;
        }
        (to ? out.until : out.from) = *t;
    }
    return out;
}

}  // namespace ujumbe::http
