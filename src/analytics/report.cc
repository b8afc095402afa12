#include "analytics/report.h"

#include <array>
#include <utility>

#include "core/dates.h"

namespace ujumbe::analytics {

namespace {

constexpr std::array<std::pair<ReportKind, std::string_view>, 3> kKinds{
    {{ReportKind::kDlr, "dlr"}, {ReportKind::kUsage, "usage"}, {ReportKind::kRevenue, "revenue"}}};
constexpr std::array<std::pair<ReportFormat, std::string_view>, 3> kFormats{
    {{ReportFormat::kJson, "json"}, {ReportFormat::kCsv, "csv"}, {ReportFormat::kPdf, "pdf"}}};
constexpr std::array<std::pair<UsageGroup, std::string_view>, 3> kGroups{
    {{UsageGroup::kDay, "day"}, {UsageGroup::kUser, "user"}, {UsageGroup::kChannel, "channel"}}};

template <typename E, std::size_t N>
std::string_view name_in(const std::array<std::pair<E, std::string_view>, N>& names, E value) {
    for (const auto& [e, name] : names)
        if (e == value) return name;
    return {};
}

template <typename E, std::size_t N>
std::optional<E> parse_in(const std::array<std::pair<E, std::string_view>, N>& names,
                          std::string_view name) {
    for (const auto& [e, n] : names)
        if (n == name) return e;
    return std::nullopt;
}

}  // namespace

std::string_view report_kind_name(ReportKind k) {
    return name_in(kKinds, k);
}
std::optional<ReportKind> parse_report_kind(std::string_view name) {
    return parse_in(kKinds, name);
}
std::string_view report_format_name(ReportFormat f) {
    return name_in(kFormats, f);
}
std::optional<ReportFormat> parse_report_format(std::string_view name) {
    return parse_in(kFormats, name);
}
std::string_view usage_group_name(UsageGroup g) {
    return name_in(kGroups, g);
}
std::optional<UsageGroup> parse_usage_group(std::string_view name) {
    return parse_in(kGroups, name);
}

std::optional<std::int64_t> parse_day(std::string_view date) {
    const auto at = date.size() == 10 ? parse_date_param(std::string(date)) : std::nullopt;
    if (!at) return std::nullopt;
    return *at / kMicrosPerDay;
}

std::string report_title(ReportKind k) {
    switch (k) {
        case ReportKind::kDlr:
            return "Delivery report";
        case ReportKind::kUsage:
            return "Usage report";
        case ReportKind::kRevenue:
            return "Revenue report";
    }
    return "Report";
}

}  // namespace ujumbe::analytics
