#pragma once
// Writes a report (analytics/report.h) as JSON, CSV or PDF.
//
// JSON: the request (report, date_from, date_to, ...), then each table
// under its name as a list of objects keyed by column, and the tables'
// total rows under "totals". CSV: a report of one table is that table with
// its total as a last row; a report of several (whose columns after the
// first are the same) has a "table" and a "key" column first. PDF: an A4
// document with a heading and a table of each.

#include <string>

#include <nlohmann/json.hpp>

#include "analytics/report.h"
#include "core/result.h"

namespace ujumbe::analytics {

struct RenderedReport {
    std::string content_type, filename, body;
};

nlohmann::json report_json(const Report& r);
std::string report_csv(const Report& r);
Result<std::string> report_pdf(const Report& r);
// In `format`, with its content type and a file name such as
// "dlr-2026-11-01-2026-11-30.csv".
Result<RenderedReport> render_report(const Report& r, ReportFormat format);

}  // namespace ujumbe::analytics
