#pragma once
// Segment rules as JSON (docs/api-contacts.md, "Segments"): reading them
// with every problem named `rules.<key>`, and writing them back.

#include <nlohmann/json.hpp>

#include "contacts/model.h"
#include "core/result.h"

namespace ujumbe::contacts {

// 400 VALIDATION_ERROR naming `rules.<key>` for unknown keys, wrong types,
// bad tags, unknown attribute ops, or timestamps that are not ISO-8601.
Result<SegmentRules> parse_rules(const nlohmann::json& rules);
nlohmann::json rules_to_json(const SegmentRules& rules);

}  // namespace ujumbe::contacts
