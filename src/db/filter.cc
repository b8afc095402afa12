#include "db/filter.h"

#include <cctype>

namespace ujumbe::db {

void Filter::where(std::string condition) {
    conditions_.push_back(std::move(condition));
}

std::string Filter::bind(Value value) {
    params_.push_back(std::move(value));
    return "$" + std::to_string(params_.size());
}

void Filter::add(const std::string& condition, Value value) {
    const std::string placeholder = bind(std::move(value));
    std::string out;
    for (std::size_t i = 0; i < condition.size(); ++i) {
        if (condition.compare(i, 2, "{}") == 0) {
            out += placeholder;
            ++i;
        } else {
            out += condition[i];
        }
    }
    conditions_.push_back(std::move(out));
}

std::string Filter::sql() const {
    std::string out;
    for (const auto& c : conditions_) out += (out.empty() ? " WHERE " : " AND ") + c;
    return out;
}

std::string like_contains(const std::string& text) {
    std::string out = "%";
    for (char c : text) {
        if (c == '%' || c == '_' || c == '\\') out += '\\';
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out + "%";
}

}  // namespace ujumbe::db
