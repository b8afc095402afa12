#pragma once
// Small pieces every module's store uses: a page window, a page of results
// with the total, and helpers that turn query results into values.

#include <bit>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
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

// Splits `n` rows into statement-sized batches and calls fn(first, count)
// for each: `max` rows while that many remain, then descending powers of
// two. Multi-row statements thus come in at most log2(max) + 2 shapes, which
// keeps prepared-statement caches small and warm.
template <typename F>
Status for_each_batch(std::size_t n, std::size_t max, F&& fn) {
    std::size_t first = 0;
    while (first < n) {
        std::size_t count = max;
        while (count > n - first) count = std::bit_floor(count - 1);
        UJ_TRY(fn(first, count));
        first += count;
    }
    return {};
}

// "($1, ..., $w), ($w+1, ...)" for `rows` rows of `width` values.
std::string value_rows(int rows, int width);
// "$a, $b, ..." for `count` parameters starting at `first`.
std::string placeholders(int first, std::size_t count);
// A PostgreSQL text[] literal: {"a","b"} with quotes and backslashes escaped.
std::string text_array(std::span<const std::string> items);

// Runs `sql_head` + " <key condition>" + `sql_tail` for every text key in
// `keys`, in statement-sized chunks: PostgreSQL takes them as one array
// (= ANY($n::text[])), SQLite as IN lists of 1, 4, 16, 64 or 256 padded
// with '' (few statement shapes, so prepared statements stay cached). `fixed` are
// the parameters before the keys'; `each` sees every chunk's result.
Status for_ids(Connection& c, const std::string& sql_head, const std::string& sql_tail,
               const std::vector<Value>& fixed, const std::vector<std::string>& keys,
               const std::function<Status(QueryResult&)>& each);
// The same over strong ids.
template <typename Tag>
Status for_ids(Connection& c, const std::string& sql_head, const std::string& sql_tail,
               const std::vector<Value>& fixed, const std::vector<Id<Tag>>& ids,
               const std::function<Status(QueryResult&)>& each) {
    std::vector<std::string> keys;
    keys.reserve(ids.size());
    for (const auto& id : ids) keys.push_back(id.value);
    return for_ids(c, sql_head, sql_tail, fixed, keys, each);
}

// Drops the rows of a statement run for its effect.
inline Status done(Result<QueryResult> r) {
    if (!r) return std::move(r).error();
    return {};
}

}  // namespace ujumbe::db
