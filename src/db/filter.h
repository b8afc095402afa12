#pragma once
// Builds the WHERE clause of a list query from optional filters, numbering
// the parameters. `{}` in a condition stands for the next parameter.
//
//   db::Filter f({account_id});          // $1 is the tenant
//   f.where("account_id = $1");
//   if (role) f.add("role = {}", *role);   // becomes role = $2
//   conn.run("SELECT ... FROM t" + f.sql() + " LIMIT ...", f.params());

#include <string>
#include <vector>

#include "db/connection.h"

namespace ujumbe::db {

class Filter {
public:
    explicit Filter(std::vector<Value> fixed = {}) : params_(std::move(fixed)) {}

    // A condition using only parameters already given.
    void where(std::string condition);
    // A condition with one or more `{}`, all bound to `value`.
    void add(const std::string& condition, Value value);
    // Binds one more parameter and returns its placeholder ("$N").
    std::string bind(Value value);

    // " WHERE c1 AND c2" or "".
    std::string sql() const;
    const std::vector<Value>& params() const { return params_; }

private:
    std::vector<std::string> conditions_;
    std::vector<Value> params_;
};

// `text` made safe inside a LIKE pattern with ESCAPE '\', lower-cased and
// wrapped in % for a "contains" search.
std::string like_contains(const std::string& text);

}  // namespace ujumbe::db
