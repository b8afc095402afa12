#pragma once
// Small pieces every module's store uses: a page window, a page of results
// with the total, and helpers that turn query results into values.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/connection.h"
#include "db/filter.h"

namespace ujumbe::db {

struct Paged {
    std::int64_t limit = 20;
    std::int64_t offset = 0;
};

template <typename T>
struct Listing {
    std::vector<T> items;
    std::int64_t count = 0;
};

// The first row converted, or nullopt when there is none.
template <typename T, typename F>
Result<std::optional<T>> one(Result<std::optional<Row>> row, F&& convert) {
    if (!row) return std::move(row).error();
    if (!*row) return std::optional<T>{};
    return std::optional<T>(convert(**row));
}

// Every row converted.
template <typename T, typename F>
Result<std::vector<T>> all(Result<QueryResult> result, F&& convert) {
    if (!result) return std::move(result).error();
    std::vector<T> out;
    out.reserve(result->rows.size());
    for (const auto& r : result->rows) out.push_back(convert(r));
    return out;
}

// The single number a "SELECT count(*) ..." + filter returns.
inline Result<std::int64_t> count_of(Connection& c, const std::string& sql, const Filter& f) {
    UJ_ASSIGN(auto result, c.run(sql + f.sql(), f.params()));
    return result.rows.empty() ? 0 : result.rows.front().i64(0);
}

// " LIMIT $n OFFSET $m", binding both.
inline std::string limit_clause(Filter& f, const Paged& page) {
    const auto limit = f.bind(page.limit);
    const auto offset = f.bind(page.offset);
    return " LIMIT " + limit + " OFFSET " + offset;
}

// Drops the rows of a statement run for its effect.
inline Status done(Result<QueryResult> r) {
    if (!r) return std::move(r).error();
    return {};
}

}  // namespace ujumbe::db
