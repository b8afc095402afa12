#pragma once
// Windows over lists ordered newest first by (created_at, id), the order of
// every history list (messages, ledger entries, webhook deliveries): by
// page number (LIMIT/OFFSET, what users already have), or by cursor
// (keyset: the rows after a position, which costs the same on the last page
// as on the first and neither skips nor repeats a row when rows are
// added meanwhile). docs/message-history.md.
//
//   db::Filter f({account});
//   f.where("account_id = $1");
//   const auto tail = db::window_clause(f, window, "created_at", "id");
//   auto rows = run("SELECT ... FROM t" + f.sql() + tail, f.params());
//   db::WindowListing<T> out{...rows...};
//   db::settle(out, window, [](const T& t) { return db::Position{t.created_at, t.id.value}; });

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "db/connection.h"
#include "db/filter.h"

namespace ujumbe::db {

// A row's place in the order.
struct Position {
    Micros at = 0;
    std::string id;
    bool operator==(const Position&) const = default;
};

// Where a cursor points: the rows older than `from` (the next page), or the
// rows newer than it (the previous page).
struct Cursor {
    Position from;
    bool newer = false;
    bool operator==(const Cursor&) const = default;
};

struct Window {
    std::int64_t limit = 20;
    // Page numbers: the rows skipped. Unused with a cursor.
    std::int64_t offset = 0;
    // Keyset paging: the first page (no cursor) or the page a cursor names.
    bool keyset = false;
    std::optional<Cursor> cursor;
};

// A window's rows, newest first, and what lies beyond them.
template <typename T>
struct WindowListing {
    std::vector<T> items;
    std::int64_t count = 0;
    // `count` is not exact: the filter was too costly to count whole, and
    // `count` is the bound counted to or the planner's estimate.
    bool count_is_estimate = false;
    bool more = false;  // rows after the window's last (older) exist
    std::optional<Cursor> next, previous;
};

// Adds the window's keyset condition (if any) to `f` and returns the
// ORDER BY and LIMIT (and OFFSET) that read it: one row more than the
// window, so settle() knows whether more follow. `at` and `id` are the
// columns as the query names them.
std::string window_clause(Filter& f, const Window& w, const std::string& at, const std::string& id);

// Drops the extra row, puts a cursor window's rows newest first and sets
// `more`, `next` and `previous` (cursors for keyset windows).
template <typename T, typename PositionOf>
void settle(WindowListing<T>& out, const Window& w, PositionOf position_of) {
    const bool newer = w.cursor && w.cursor->newer;
    const bool beyond = static_cast<std::int64_t>(out.items.size()) > w.limit;
    if (beyond) out.items.pop_back();
    if (newer) std::reverse(out.items.begin(), out.items.end());
    // Read toward newer rows, the extra one is newer than the window.
    out.more = newer ? true : beyond;
    if (!w.keyset || out.items.empty()) return;
    if (out.more) out.next = Cursor{position_of(out.items.back()), false};
    if (newer ? beyond : w.cursor.has_value())
        out.previous = Cursor{position_of(out.items.front()), true};
}

// The rows matching `f` in `from_sql` ("FROM t"), counted up to `cap`;
// beyond it the listing says `cap` with count_is_estimate.
template <typename T>
Status count_up_to(Connection& c, const std::string& from_sql, const Filter& f, std::int64_t cap,
                   WindowListing<T>& out) {
    UJ_ASSIGN(auto r, c.run("SELECT count(*) FROM (SELECT 1 " + from_sql + f.sql() + " LIMIT " +
                                std::to_string(cap + 1) + ") capped",
                            f.params()));
    const std::int64_t n = r.rows.empty() ? 0 : r.rows.front().i64(0);
    out.count = std::min(n, cap);
    out.count_is_estimate = n > cap;
    return {};
}

// Counts cheaper than this many rows are exact.
constexpr std::int64_t kExactCountCap = 10'000;

// PostgreSQL: the planner's estimate of the rows of "SELECT 1 <from_sql>"
// with `f` (EXPLAIN, nothing run); nullopt on SQLite, which has none.
Result<std::optional<std::int64_t>> planner_estimate(Connection& c, const std::string& from_sql,
                                                     const Filter& f);

}  // namespace ujumbe::db
