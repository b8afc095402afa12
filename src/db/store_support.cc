#include "db/store_support.h"

#include <algorithm>

namespace ujumbe::db {

std::string value_rows(int rows, int width) {
    std::string out;
    int n = 1;
    for (int r = 0; r < rows; ++r) {
        out += r ? ", (" : "(";
        for (int i = 0; i < width; ++i) out += (i ? ", $" : "$") + std::to_string(n++);
        out += ')';
    }
    return out;
}

std::string placeholders(int first, std::size_t count) {
    std::string out;
    for (std::size_t i = 0; i < count; ++i)
        out += (i ? ", $" : "$") + std::to_string(first + static_cast<int>(i));
    return out;
}

std::string text_array(std::span<const std::string> items) {
    std::string out = "{";
    for (const auto& item : items) {
        if (out.size() > 1) out += ',';
        out += '"';
        for (char ch : item) {
            if (ch == '"' || ch == '\\') out += '\\';
            out += ch;
        }
        out += '"';
    }
    return out + "}";
}

Status for_ids(Connection& c, const std::string& sql_head, const std::string& sql_tail,
               const std::vector<Value>& fixed, const std::vector<std::string>& keys,
               const std::function<Status(QueryResult&)>& each) {
    if (keys.empty()) return {};
    const int first = static_cast<int>(fixed.size()) + 1;
    std::vector<Value> params = fixed;
    if (c.dialect() == Dialect::kPostgres) {
        params.emplace_back(text_array(keys));
        UJ_ASSIGN(
            auto r,
            c.run(sql_head + " = ANY($" + std::to_string(first) + "::text[])" + sql_tail, params));
        return each(r);
    }
    // Lists of 1, 4, 16, 64 or 256: a lone key (the single send's case)
    // costs one lookup, not 256, and the statement shapes stay few.
    constexpr std::size_t kLongest = 256;
    for (std::size_t at = 0; at < keys.size(); at += kLongest) {
        const std::size_t left = std::min(keys.size() - at, kLongest);
        std::size_t list = 1;
        while (list < left) list *= 4;
        params.assign(fixed.begin(), fixed.end());
        params.reserve(fixed.size() + list);
        for (std::size_t i = at; i < at + list; ++i)
            params.emplace_back(i < keys.size() ? keys[i] : std::string());
        UJ_ASSIGN(auto r,
                  c.run(sql_head + " IN (" + placeholders(first, list) + ")" + sql_tail, params));
        UJ_TRY(each(r));
    }
    return {};
}

}  // namespace ujumbe::db
