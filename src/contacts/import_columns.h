#pragma once
// Which contact field each column of an imported CSV fills: from the
// caller's mapping (header -> field) or recognised from the header itself
// (docs/api-contacts.md, "CSV import").

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace ujumbe::contacts {

// The first record of the CSV in bytes [begin, end) of the file at `path`.
// 400 naming `file` when there is none or it cannot be read as CSV.
Result<std::vector<std::string>> read_csv_header(const std::string& path, std::int64_t begin,
                                                 std::int64_t end);

// One field per column: "name", "phone_e164", "email", "tags", "attributes",
// "attributes.<key>", "is_active", "is_opted_in" or "ignore", as a JSON array.
// 400 naming `mapping` for a mapping that is not an object of known fields,
// and naming `file` when no column gives a phone or an email.
Result<nlohmann::json> resolve_columns(const std::vector<std::string>& header,
                                       const nlohmann::json& mapping);

}  // namespace ujumbe::contacts
