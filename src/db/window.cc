#include "db/window.h"

#include <charconv>

namespace ujumbe::db {

std::string window_clause(Filter& f, const Window& w, const std::string& at,
                          const std::string& id) {
    const bool newer = w.cursor && w.cursor->newer;
    if (w.cursor) {
        // (at, id) < (t, i), spelled so that the index on (..., at) bounds
        // the scan on both engines: the first term is a range on it.
        const auto t = f.bind(w.cursor->from.at);
        const auto i = f.bind(w.cursor->from.id);
        const std::string cmp = newer ? ">" : "<";
        f.where(at + " " + cmp + "= " + t + " AND (" + at + " " + cmp + " " + t + " OR " + id +
                " " + cmp + " " + i + ")");
    }
    const char* order = newer ? " ASC" : " DESC";
    std::string tail =
        " ORDER BY " + at + order + ", " + id + order + " LIMIT " + f.bind(w.limit + 1);
    if (!w.keyset) tail += " OFFSET " + f.bind(w.offset);
    return tail;
}

Result<std::optional<std::int64_t>> planner_estimate(Connection& c, const std::string& from_sql,
                                                     const Filter& f) {
    if (c.dialect() != Dialect::kPostgres) return std::optional<std::int64_t>{};
    UJ_ASSIGN(auto r, c.run("EXPLAIN SELECT 1 " + from_sql + f.sql(), f.params()));
    // The first line is the top node: "... (cost=a..b rows=N width=w)".
    if (r.rows.empty()) return std::optional<std::int64_t>{};
    const std::string line = r.rows.front().text(0);
    const auto at = line.find(" rows=");
    if (at == std::string::npos) return std::optional<std::int64_t>{};
    std::int64_t rows = 0;
    const char* begin = line.data() + at + 6;
    const auto [end, ec] = std::from_chars(begin, line.data() + line.size(), rows);
    if (ec != std::errc{} || end == begin) return std::optional<std::int64_t>{};
    return std::optional<std::int64_t>{rows};
}

}  // namespace ujumbe::db
