#include "analytics/request_log_store.h"

#include <array>
#include <map>
#include <string>
#include <string_view>
#include <tuple>

#include "core/ids.h"
#include "db/filter.h"
#include "db/store_support.h"

namespace ujumbe::analytics::store {

namespace {

constexpr const char* kColumns =
    "id, account_id, user_id, api_key_id, method, route, status, duration_us, ip, request_id, "
    "created_at";
constexpr int kWidth = 11;

LoggedRequest request_from(const db::Row& r) {
    LoggedRequest out;
    out.id = r.text(0);
    auto& l = out.line;
    l.account_id = AccountId{r.text(1)};
    l.user_id = UserId{r.text(2)};
    l.api_key_id = r.opt_id<ApiKeyId>(3);
    l.method = http::parse_method(r.text(4));
    l.route = r.text(5);
    l.status = static_cast<int>(r.i64(6));
    l.duration_us = r.i64(7);
    l.ip = r.text(8);
    l.request_id = r.text(9);
    l.at = r.i64(10);
    return out;
}

// PostgreSQL's array literal of texts: each element quoted, `"` and `\`
// escaped; a missing one is NULL.
class TextArray {
public:
    void add(std::string_view v) {
        out_ += out_.size() > 1 ? ",\"" : "\"";
        for (char ch : v) {
            if (ch == '"' || ch == '\\') out_ += '\\';
            out_ += ch;
        }
        out_ += '"';
    }
    void add_null() { out_ += out_.size() > 1 ? ",NULL" : "NULL"; }
    void add(std::int64_t v) {
        if (out_.size() > 1) out_ += ',';
        out_ += std::to_string(v);
    }
    std::string done() { return out_ + "}"; }

private:
    std::string out_ = "{";
};

// PostgreSQL: a batch as one array per column, unnested by the server: one
// statement of 11 parameters however many lines, far less to parse.
Status insert_as_arrays(Connection& c, const std::vector<http::RequestLine>& lines) {
    std::array<TextArray, kWidth> columns;
    for (const auto& l : lines) {
        columns[0].add(new_uuid_v7(l.at));
        columns[1].add(l.account_id.value);
        columns[2].add(l.user_id.value);
        if (l.api_key_id)
            columns[3].add(l.api_key_id->value);
        else
            columns[3].add_null();
        columns[4].add(http::method_name(l.method));
        columns[5].add(l.route);
        columns[6].add(static_cast<std::int64_t>(l.status));
        columns[7].add(l.duration_us);
        columns[8].add(l.ip);
        columns[9].add(l.request_id);
        columns[10].add(l.at);
    }
    std::vector<db::Value> params;
    params.reserve(kWidth);
    for (auto& column : columns) params.emplace_back(column.done());
    return db::done(c.run(std::string("INSERT INTO api_requests (") + kColumns +
                              ") SELECT * FROM unnest($1::text[], $2::text[], $3::text[], "
                              "$4::text[], $5::text[], $6::text[], $7::int[], $8::bigint[], "
                              "$9::text[], $10::text[], $11::bigint[])",
                          params));
}

}  // namespace

Status insert_requests(Connection& c, const std::vector<http::RequestLine>& lines) {
    if (c.dialect() == db::Dialect::kPostgres) return insert_as_arrays(c, lines);
    // Full batches share one statement shape (and so one prepared statement).
    constexpr std::size_t kRowsPerInsert = 256;
    std::vector<db::Value> params;
    return db::for_each_batch(
        lines.size(), kRowsPerInsert, [&](std::size_t first, std::size_t count) {
            params.clear();
            params.reserve(count * kWidth);
            for (std::size_t i = first; i < first + count; ++i) {
                const http::RequestLine& l = lines[i];
                params.emplace_back(new_uuid_v7(l.at));
                params.emplace_back(l.account_id.value);
                params.emplace_back(l.user_id.value);
                params.push_back(db::optional_id(l.api_key_id));
                params.emplace_back(std::string(http::method_name(l.method)));
                params.emplace_back(l.route);
                params.emplace_back(static_cast<std::int64_t>(l.status));
                params.emplace_back(l.duration_us);
                params.emplace_back(l.ip);
                params.emplace_back(l.request_id);
                params.emplace_back(l.at);
            }
            return db::done(c.run(std::string("INSERT INTO api_requests (") + kColumns +
                                      ") VALUES " + db::value_rows(static_cast<int>(count), kWidth),
                                  params));
        });
}

Status add_api_usage(Connection& c, const std::vector<http::RequestLine>& lines) {
    // In key order, one statement: two nodes' writers lock rows alike.
    std::map<std::tuple<std::string, std::int64_t, std::string>, std::int64_t> counted;
    for (const auto& l : lines)
        ++counted[{l.account_id.value, l.at / kMicrosPerDay, l.user_id.value}];
    if (counted.empty()) return {};
    std::vector<db::Value> params;
    params.reserve(counted.size() * 4);
    for (const auto& [key, n] : counted) {
        params.emplace_back(std::get<0>(key));
        params.emplace_back(std::get<1>(key));
        params.emplace_back(std::get<2>(key));
        params.emplace_back(n);
    }
    return db::done(c.run("INSERT INTO api_usage (account_id, day, user_id, requests) VALUES " +
                              db::value_rows(static_cast<int>(counted.size()), 4) +
                              " ON CONFLICT (account_id, day, user_id) DO UPDATE SET requests = "
                              "api_usage.requests + excluded.requests",
                          params));
}

Result<std::vector<DailyRequests>> daily_requests(Connection& c, const AccountId& account,
                                                  std::int64_t first_day, std::int64_t past_day) {
    UJ_ASSIGN(auto rows, c.query("SELECT day, user_id, requests FROM api_usage WHERE "
                                 "account_id = $1 AND day >= $2 AND day < $3 ORDER BY 1, 2",
                                 {account.value, first_day, past_day}));
    std::vector<DailyRequests> out;
    out.reserve(rows.rows.size());
    for (const auto& r : rows.rows)
        out.push_back({.day = r.i64(0), .user_id = r.text(1), .requests = r.i64(2)});
    return out;
}

Result<db::WindowListing<LoggedRequest>> list_requests(Connection& c, const RequestLogQuery& q,
                                                       const db::Window& w) {
    db::Filter f;
    if (q.account_id) f.add("account_id = {}", q.account_id->value);
    if (q.method) f.add("method = {}", *q.method);
    if (q.route) f.add("route = {}", *q.route);
    if (q.status) f.add("status = {}", static_cast<std::int64_t>(*q.status));
    if (q.status_class) {
        f.add("status >= {}", static_cast<std::int64_t>(*q.status_class * 100));
        f.add("status < {}", static_cast<std::int64_t>(*q.status_class * 100 + 100));
    }
    if (q.user_id) f.add("user_id = {}", q.user_id->value);
    if (q.api_key_id) f.add("api_key_id = {}", q.api_key_id->value);
    if (q.from) f.add("created_at >= {}", *q.from);
    if (q.until) f.add("created_at < {}", *q.until);
    db::WindowListing<LoggedRequest> out;
    UJ_TRY(db::count_up_to(c, "FROM api_requests", f, db::kExactCountCap, out));
    const std::string tail = db::window_clause(f, w, "created_at", "id");
    UJ_ASSIGN(auto rows,
              c.run(std::string("SELECT ") + kColumns + " FROM api_requests" + f.sql() + tail,
                    f.params()));
    for (const auto& r : rows.rows) out.items.push_back(request_from(r));
    db::settle(out, w, [](const LoggedRequest& e) { return db::Position{e.line.at, e.id}; });
    return out;
}

Result<std::int64_t> prune_requests(Connection& c, Micros before, int limit) {
    UJ_ASSIGN(auto r, c.query("DELETE FROM api_requests WHERE (created_at, id) IN (SELECT "
                              "created_at, id FROM api_requests WHERE created_at < $1 "
                              "ORDER BY created_at LIMIT $2)",
                              {before, std::int64_t{limit}}));
    return r.affected;
}

}  // namespace ujumbe::analytics::store
