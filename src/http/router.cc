#include "http/router.h"

#include <algorithm>

namespace ujumbe::http {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start < path.size()) {
        if (path[start] == '/') {
            ++start;
            continue;
        }
        const auto end = std::min(path.find('/', start), path.size());
        out.push_back(path.substr(start, end - start));
        start = end;
    }
    return out;
}

bool is_param(std::string_view segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void Router::add(Method method, std::string pattern, Handler handler, RouteOptions options) {
    Route route{method, pattern, {}, std::move(handler), std::move(options)};
    for (auto s : split_path(pattern)) route.segments.emplace_back(s);
    routes_.push_back(std::move(route));
}

std::variant<Router::Match, Router::NoMatch> Router::match(Method method,
                                                           std::string_view path) const {
    const auto parts = split_path(path);
    NoMatch none;
    for (const Route& route : routes_) {
        if (route.segments.size() != parts.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < parts.size() && same; ++i)
            same = is_param(route.segments[i]) || route.segments[i] == parts[i];
        if (!same) continue;
        if (route.method != method && !(method == Method::kHead && route.method == Method::kGet)) {
            if (std::find(none.allowed.begin(), none.allowed.end(), route.method) ==
                none.allowed.end())
                none.allowed.push_back(route.method);
            continue;
        }
        Match m{&route, {}};
        for (std::size_t i = 0; i < parts.size(); ++i)
            if (is_param(route.segments[i]))
                m.params.emplace(route.segments[i].substr(1, route.segments[i].size() - 2),
                                 std::string(parts[i]));
        return m;
    }
    return none;
}

}  // namespace ujumbe::http
