#pragma once
// CRM records as the API shows them (JSON) and as exports write them (CSV
// cells), by their entity's declaration.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crm/record.h"
#include "crm/schema.h"
#include "crm/store.h"

namespace ujumbe::crm {

// Every field; references with their names ("customer", "customer_name"),
// choices with their display text, money as amounts, times as ISO-8601;
// orders with their items and outstanding amount.
nlohmann::json record_json(const Entity& e, const Record& r);
nlohmann::json stats_json(const Entity& e, const store::Stats& s);
// The schema of a field's value: as shown (a set value), or as a request
// body gives it (`as_input`: money as text or a number).
nlohmann::json field_schema(const Field& f, bool as_input);
// Their schemas for kind `e` (the OpenAPI document).
nlohmann::json record_schema(const Entity& e);
nlohmann::json stats_schema(const Entity& e);

// "a, b, c." for the lists of choices and kinds messages name.
std::string listed(const std::vector<std::string>& items);

// The export's header and one record's cells.
std::vector<std::string> csv_header(const Entity& e);
std::vector<std::string> csv_row(const Entity& e, const Record& r);

}  // namespace ujumbe::crm
