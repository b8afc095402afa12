#include "routing/operators.h"

#include <algorithm>
#include <cctype>

#include "core/validate.h"
#include "formats/csv.h"

namespace ujumbe::routing {

namespace {

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    std::size_t start = 0;
    while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start]))) ++start;
    return s.substr(start);
}

bool digits(std::string_view s, std::size_t min, std::size_t max) {
    return s.size() >= min && s.size() <= max && all_digits(s);
}

bool name_text(std::string_view s) {
    return !s.empty() && s.size() <= 50 &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= 0x20 && c != 0x7F; });
}

constexpr std::size_t kMaxRows = 100'000;

}  // namespace

void OperatorTable::assign(const std::vector<OperatorPrefix>& rows) {
    rows_.clear();
    longest_ = 0;
    for (const auto& r : rows) {
        longest_ = std::max(longest_, r.prefix.size());
        rows_[r.prefix] = r;
    }
}

std::optional<OperatorPrefix> OperatorTable::find(std::string_view number) const {
    for (std::size_t n = std::min(longest_, number.size()); n > 0; --n) {
        auto it = rows_.find(number.substr(0, n));
        if (it != rows_.end()) return it->second;
    }
    return std::nullopt;
}

bool operator_matches(const std::string& rule_operator, const OperatorInfo& op) {
    if (op.name.empty() && op.mcc.empty()) return false;
    std::string code = rule_operator;
    std::erase(code, '-');
    if (digits(code, 4, 6)) return code == op.mcc + op.mnc;
    return ascii_lower(rule_operator) == ascii_lower(op.name);
}

bool valid_rule_operator(const std::string& text) {
    return name_text(text) && trim(text) == text;
}

Result<OperatorImport> parse_operator_csv(std::string_view csv) {
    std::size_t at = 0;
    formats::csv::Reader reader([&](char* buf, std::size_t cap) {
        const std::size_t n = std::min(cap, csv.size() - at);
        std::copy_n(csv.data() + at, n, buf);
        at += n;
        return n;
    });
    std::vector<std::string> fields;
    std::map<std::string, std::size_t> column;
    OperatorImport out;
    std::size_t line = 0;
    while (true) {
        const auto outcome = reader.next(fields);
        if (outcome == formats::csv::Outcome::kEnd) break;
        ++line;
        if (outcome != formats::csv::Outcome::kRecord)
            return Error::invalid("body", "Line " + std::to_string(line) + ": " + reader.error());
        if (column.empty()) {
            for (std::size_t i = 0; i < fields.size(); ++i)
                column[ascii_lower(trim(fields[i]))] = i;
            for (const char* need : {"prefix", "operator", "mcc", "mnc"})
                if (!column.count(need))
                    return Error::invalid("body", std::string("The header needs a ") + need +
                                                      " column (prefix,operator,mcc,mnc,country).");
            continue;
        }
        const auto cell = [&](const char* name) {
            auto it = column.find(name);
            return it == column.end() || it->second >= fields.size() ? std::string()
                                                                     : trim(fields[it->second]);
        };
        const std::string where = "Line " + std::to_string(line) + ": ";
        OperatorPrefix row{cell("prefix"), cell("operator"), cell("mcc"), cell("mnc"),
                           cell("country")};
        if (row.prefix.starts_with('+')) row.prefix.erase(0, 1);
        if (!digits(row.prefix, 1, 15))
            return Error::invalid("body", where + "prefix must be 1 to 15 digits.");
        if (!name_text(row.name))
            return Error::invalid("body", where + "operator must be 1 to 50 characters.");
        if (!digits(row.mcc, 3, 3) || !digits(row.mnc, 2, 3))
            return Error::invalid("body", where + "mcc is 3 digits and mnc 2 or 3.");
        for (auto& c : row.country)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (!row.country.empty() &&
            (row.country.size() != 2 || !std::isalpha(static_cast<unsigned char>(row.country[0])) ||
             !std::isalpha(static_cast<unsigned char>(row.country[1]))))
            return Error::invalid("body", where + "country is an ISO 3166-1 alpha-2 code.");
        if (out.rows.size() >= kMaxRows)
            return Error::invalid("body", "At most 100,000 ranges in one import.");
        out.rows.push_back(std::move(row));
    }
    if (column.empty()) return Error::invalid("body", "The CSV is empty.");
    return out;
}

}  // namespace ujumbe::routing
