#pragma once
// Page-number pagination of SPEC.md section 2: `page` (1-based) and
// `page_size` (default 20, at most 100).

#include <cstdint>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "db/store_support.h"
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

// The request's page as the limit/offset window stores query with.
Result<db::Paged> page_window(const Request& request);
// The list envelope for the request's page (call page_window first: a bad
// page parameter was refused there).
Response page_response(const Request& request, nlohmann::json results, std::int64_t count);
// The list envelope of a list that is never paged (all of it, no next page).
Response whole_list(nlohmann::json results);

}  // namespace ujumbe::http
