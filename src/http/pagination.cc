#include "http/pagination.h"

#include "http/envelope.h"

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

std::string url_for_page(const Request& request, std::int64_t page) {
    std::vector<std::string> keys, values;
    for (const auto& [k, v] : request.query) {
        if (k == "page") continue;
        keys.push_back(k);
        values.push_back(v);
    }
    keys.emplace_back("page");
    values.push_back(std::to_string(page));
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

}  // namespace ujumbe::http
