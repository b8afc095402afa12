#include "analytics/dlr_report.h"

#include <nlohmann/json.hpp>

#include "messaging/status.h"

namespace ujumbe::analytics {

namespace {

using nlohmann::json;

std::vector<std::string> columns_with(const char* key) {
    return {key, "messages", "segments", "delivered", "undelivered", "pending", "delivery_rate"};
}

std::vector<json> row_of(json key, const Tally& t) {
    const auto rate = t.delivery_rate();
    return {std::move(key),
            t.sent,
            t.segments,
            t.delivered,
            t.undelivered,
            t.pending,
            rate ? json(*rate) : json(nullptr)};
}

json key_or_null(const std::string& key) {
    return key.empty() ? json(nullptr) : json(key);
}

ReportTable table_of(const char* name, const char* title, const char* key,
                     const std::map<std::string, Tally>& tallies) {
    ReportTable t{.name = name, .title = title, .columns = columns_with(key)};
    for (const auto& [k, tally] : tallies) t.rows.push_back(row_of(key_or_null(k), tally));
    return t;
}

}  // namespace

void DlrFold::add(const messaging::DeliveryRow& m, const Names& names) {
    const auto count = [&m](Tally& t) { count_outbound(t, m.channel, m.status, 1, m.segments); };
    count(total_);
    count(by_status_[m.status]);
    count(by_day_[m.created_at / kMicrosPerDay]);
    count(by_gateway_[names.gateway]);
    count(by_country_[names.country]);
    count(by_operator_[names.operator_name]);
    // A receipt of a delivery has its "error" too (000): not a failure.
    const auto status = messaging::parse_status(m.status);
    if (!m.error_code.empty() && !(status && messaging::reached(*status)))
        count(by_error_[m.error_code]);
}

std::vector<ReportTable> DlrFold::tables(std::int64_t first_day, std::int64_t last_day) const {
    std::vector<ReportTable> out;
    ReportTable summary{
        .name = "summary", .title = "All messages", .columns = columns_with("scope")};
    summary.rows.push_back(row_of("all", total_));
    out.push_back(std::move(summary));
    out.push_back(table_of("by_status", "By status", "status", by_status_));
    ReportTable days{.name = "by_day", .title = "By day", .columns = columns_with("date")};
    for (std::int64_t day = first_day; day <= last_day; ++day) {
        const auto found = by_day_.find(day);
        days.rows.push_back(
            row_of(day_date(day), found == by_day_.end() ? Tally{} : found->second));
    }
    out.push_back(std::move(days));
    out.push_back(table_of("by_gateway", "By gateway", "gateway", by_gateway_));
    out.push_back(table_of("by_country", "By country", "country", by_country_));
    out.push_back(table_of("by_operator", "By operator", "operator", by_operator_));
    out.push_back(table_of("by_error_code", "By error code", "error_code", by_error_));
    return out;
}

}  // namespace ujumbe::analytics
