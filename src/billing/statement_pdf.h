#pragma once
// A month's statement as a PDF (GET /billing/statements?format=pdf): the
// account's business details, the balances, the entries by type, the
// charges by destination and, for a reseller, the revenue by client.

#include <string>

#include "billing/model.h"
#include "core/result.h"

namespace ujumbe::billing {

Result<std::string> statement_pdf(const Statement& s);

}  // namespace ujumbe::billing
