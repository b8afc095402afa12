#include "db/store_support.h"

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

}  // namespace ujumbe::db
