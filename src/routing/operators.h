#pragma once
// Mobile operators for routing (docs/operators.md): the prefix table that
// names a number's operator by its longest matching prefix, how a rule's
// `operator` matches one (a name, or MCC and MNC), and the CSV the table is
// imported from. Pure; the table lives in the registry, its rows in the
// store.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ujumbe::routing {

struct OperatorPrefix {
    std::string prefix;  // digits, with the country code
    std::string name;    // "Safaricom"
    std::string mcc, mnc;
    std::string country;  // ISO 3166-1 alpha-2
};

// A number's operator and where that came from: "prefix table",
// "number lookup", "lookup cache".
struct OperatorInfo {
    std::string name, mcc, mnc;
    std::string source;
    std::string detail;  // why a lookup was not used, when it was not
};

class OperatorTable {
public:
    void assign(const std::vector<OperatorPrefix>& rows);
    // The row of the longest prefix of `digits` (E.164 without '+'), if any.
    std::optional<OperatorPrefix> find(std::string_view digits) const;
    std::size_t size() const { return rows_.size(); }

private:
    std::map<std::string, OperatorPrefix, std::less<>> rows_;
    std::size_t longest_ = 0;
};

// Whether a rule's `operator` names `op`: its name (any case), or its MCC
// and MNC as "63902" or "639-02".
bool operator_matches(const std::string& rule_operator, const OperatorInfo& op);

// A rule's operator as given: 1-50 characters of a name, or MCC-MNC.
bool valid_rule_operator(const std::string& text);

// The CSV of an operator import: a header naming at least prefix, operator,
// mcc and mnc (country optional), one row per range. Errors name the line.
struct OperatorImport {
    std::vector<OperatorPrefix> rows;
};
Result<OperatorImport> parse_operator_csv(std::string_view csv);

}  // namespace ujumbe::routing
