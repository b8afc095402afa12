#pragma once
// Pagination of SPEC.md section 2: `page` (1-based) and `page_size`
// (default 20, at most 100); history lists also page by `cursor`
// (db/window.h).

#include <cstdint>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "db/store_support.h"
#include "db/window.h"
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
// A history list's window: by `cursor` (or, without `page`, its first
// page) keyset, else by page number. 400 naming `cursor` for a cursor this
// server did not make, or one given with `page`.
Result<db::Window> list_window(const Request& request);
std::string encode_cursor(const db::Cursor& cursor);

struct WindowMeta {
    std::int64_t count = 0;
    bool count_is_estimate = false;
    bool more = false;
    std::optional<db::Cursor> next, previous;
};
// The list envelope of a window, with `count_is_estimate` and, for keyset
// windows, `next`/`previous` links with the cursor changed and the cursors
// themselves as `next_cursor`/`previous_cursor` (page numbers otherwise).
Response window_response(const Request& request, const db::Window& window, nlohmann::json results,
                         const WindowMeta& meta);
template <typename T>
Response window_response(const Request& request, const db::Window& window, nlohmann::json results,
                         const db::WindowListing<T>& listing) {
    return window_response(request, window, std::move(results),
                           WindowMeta{listing.count, listing.count_is_estimate, listing.more,
                                      listing.next, listing.previous});
}

// A list's `date_from` and `date_to` (dates or ISO 8601 times; a date_to
// date includes its whole day): [from, until). A bad one adds its problem
// to `errors` under its name.
struct DateRange {
    std::optional<Micros> from, until;
};
DateRange read_date_range(const Request& request, FieldErrors& errors);

// The list envelope of a list that is never paged (all of it, no next page).
Response whole_list(nlohmann::json results);

}  // namespace ujumbe::http
