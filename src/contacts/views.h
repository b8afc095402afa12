#pragma once
// The JSON shapes of the contacts API (docs/api-contacts.md) and the CSV
// rows of the export and the import error report.

#include <string>

#include <nlohmann/json.hpp>

#include "contacts/model.h"

namespace ujumbe::contacts {

nlohmann::json contact_json(const Contact& c);
// The JSON Schema of contact_json() (the OpenAPI document's "Contact").
nlohmann::json contact_schema();
nlohmann::json consent_json(const ConsentEvent& e);
nlohmann::json consent_schema();
nlohmann::json group_json(const Group& g);
nlohmann::json group_schema();
nlohmann::json segment_json(const Segment& s);
// The schema of segment_json(), whose rules are a "ContactSegmentRules".
nlohmann::json segment_schema();
// The schema of rules_to_json() (segment_rules.h).
nlohmann::json segment_rules_schema();
nlohmann::json import_json(const ImportJob& j);
nlohmann::json import_schema();

// The export's header line, and one contact as a CSV line (CRLF ended).
const std::string& export_header();
void append_export_row(std::string& out, const Contact& c);
const std::string& import_errors_header();
void append_import_error_row(std::string& out, const ImportRowError& e);

}  // namespace ujumbe::contacts
