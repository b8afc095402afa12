#pragma once
// Reports (docs/analytics.md, "Reports"): delivery (DLR) analytics, usage
// and a reseller's revenue over a range of UTC days. A report is a list of
// tables of plain cells, so every format (JSON, CSV, PDF) writes every
// report the same way.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "analytics/usage.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/principal.h"

namespace ujumbe::analytics {

enum class ReportKind { kDlr, kUsage, kRevenue };
enum class ReportFormat { kJson, kCsv, kPdf };

std::string_view report_kind_name(ReportKind k);
std::optional<ReportKind> parse_report_kind(std::string_view name);
std::string_view report_format_name(ReportFormat f);
std::optional<ReportFormat> parse_report_format(std::string_view name);
std::string_view usage_group_name(UsageGroup g);
std::optional<UsageGroup> parse_usage_group(std::string_view name);

struct ReportRequest {
    ReportKind kind = ReportKind::kDlr;
    std::int64_t first_day = 0, last_day = 0;  // UTC days since 1970-01-01, both included
    UsageGroup group_by = UsageGroup::kDay;    // usage
    std::optional<std::string> channel;        // dlr: one channel or all
};

// One table of a report. The first `key_columns` columns say what a row is
// about (a status, a day, a client); the others are figures. Cells are
// strings, numbers or null (nothing to say: no gateway chosen yet).
struct ReportTable {
    std::string name;   // its key in JSON and its "table" cell in CSV
    std::string title;  // its heading in PDF
    std::size_t key_columns = 1;
    std::vector<std::string> columns;
    std::vector<std::vector<nlohmann::json>> rows;
    std::optional<std::vector<nlohmann::json>> total;  // a last row adding the others up
};

struct Report {
    ReportRequest request;
    std::string account_name, currency;
    Micros generated_at = 0;
    std::vector<ReportTable> tables;
};

using ReportExportId = Id<struct ReportExportTag>;

// A report asked for as a file: built in the background as the member who
// asked, kept until it expires.
struct ReportExport {
    ReportExportId id;
    AccountId account_id;
    UserId user_id;
    Role role = Role::kAgent;  // of the member when asking
    AccountType account_type = AccountType::kBusiness;
    ReportRequest request;
    ReportFormat format = ReportFormat::kJson;
    std::string status = "queued";  // queued | running | completed | failed
    std::optional<std::string> error;
    std::int64_t attempts = 0;
    Micros lease_until = 0;
    std::optional<std::string> content_type, filename;
    std::optional<std::int64_t> size_bytes;
    Micros created_at = 0;
    std::optional<Micros> started_at, finished_at;
    Micros expires_at = 0;
};

// The UTC day (since 1970-01-01) of a date such as "2026-12-05"; nullopt
// for anything else (a time included).
std::optional<std::int64_t> parse_day(std::string_view date);
inline constexpr const char* kDayHint = "Must be a date such as 2026-12-05.";

// "Delivery report", "Usage report", "Revenue report".
std::string report_title(ReportKind k);

}  // namespace ujumbe::analytics
