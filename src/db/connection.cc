#include "db/connection.h"

#include <charconv>

namespace ujumbe::db {

namespace {
const std::string kEmpty;
}

const std::string& Row::text(std::size_t i) const {
    const auto& cell = cells_.at(i);
    return cell ? *cell : kEmpty;
}

std::int64_t Row::i64(std::size_t i) const {
    return opt_i64(i).value_or(0);
}

std::optional<std::int64_t> Row::opt_i64(std::size_t i) const {
    const auto& cell = cells_.at(i);
    if (!cell) return std::nullopt;
    std::int64_t v = 0;
    std::from_chars(cell->data(), cell->data() + cell->size(), v);
    return v;
}

bool Row::boolean(std::size_t i) const {
    const auto& cell = cells_.at(i);
    return cell && (*cell == "1" || *cell == "t" || *cell == "true");
}

int CommitListeners::on_events(std::function<void()> listener) {
    std::lock_guard lock(mutex_);
    on_events_.emplace_back(++next_, std::move(listener));
    return next_;
}

void CommitListeners::forget(int handle) {
    std::lock_guard lock(mutex_);
    std::erase_if(on_events_, [&](const auto& l) { return l.first == handle; });
}

void CommitListeners::events_committed() {
    std::lock_guard lock(mutex_);
    for (const auto& [handle, listener] : on_events_) listener();
}

Result<std::optional<Row>> Connection::query_one(std::string_view sql,
                                                 std::initializer_list<Value> params) {
    UJ_ASSIGN(auto result, query(sql, params));
    if (result.rows.empty()) return std::optional<Row>{};
    return std::optional<Row>(std::move(result.rows.front()));
}

Result<std::int64_t> Connection::execute(std::string_view sql,
                                         std::initializer_list<Value> params) {
    UJ_ASSIGN(auto result, query(sql, params));
    return result.affected;
}

}  // namespace ujumbe::db
