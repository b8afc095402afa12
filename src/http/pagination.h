#pragma once
// Page-number pagination of SPEC.md section 2: `page` (1-based) and
// `page_size` (default 20, at most 100).

#include <cstdint>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "http/request.h"

namespace ujumbe::http {

struct Page {
    std::int64_t number = 1;
    std::int64_t size = 20;
    std::int64_t offset() const { return (number - 1) * size; }
};

constexpr std::int64_t kMaxPageSize = 100;

// 400 naming `page` or `page_size` when they are not positive whole numbers;
// a page_size above the maximum is capped.
Result<Page> parse_page(const Request& request);

// {"results", "count", "next", "previous"}; next/previous are the request's
// path and query with `page` changed, or null.
nlohmann::json page_data(const Request& request, const Page& page, nlohmann::json results,
                         std::int64_t count);

}  // namespace ujumbe::http
