#include "analytics/report_tables.h"

#include "core/money.h"

namespace ujumbe::analytics {

namespace {

using nlohmann::json;

json count_or_null(const std::optional<std::int64_t>& n) {
    return n ? json(*n) : json(nullptr);
}

void add_figures(std::vector<json>& row, const UsageFigures& f) {
    row.insert(row.end(), {f.messages, f.segments, money_sum_json(f.cost),
                           count_or_null(f.api_requests), count_or_null(f.media_bytes)});
}

json text_or_null(const std::string& s) {
    return s.empty() ? json(nullptr) : json(s);
}

}  // namespace

ReportTable usage_table(const Usage& u, UsageGroup group) {
    ReportTable t{.name = "results", .title = "Usage"};
    switch (group) {
        case UsageGroup::kDay:
            t.columns = {"date"};
            t.title = "Usage by day";
            break;
        case UsageGroup::kChannel:
            t.columns = {"channel"};
            t.title = "Usage by channel";
            break;
        case UsageGroup::kUser:
            t.columns = {"user_id", "name", "email"};
            t.title = "Usage by user";
            break;
    }
    t.key_columns = t.columns.size();
    for (const auto* k : {"messages", "segments", "cost", "api_requests", "media_bytes"})
        t.columns.emplace_back(k);
    for (const auto& r : u.report.rows) {
        std::vector<json> row;
        if (group == UsageGroup::kUser) {
            const auto found = u.members.find(r.key);
            const bool known = found != u.members.end();
            row = {text_or_null(r.key), known ? json(found->second.user.name) : json(nullptr),
                   known ? json(found->second.user.email) : json(nullptr)};
        } else {
            row = {r.key};
        }
        add_figures(row, r.figures);
        t.rows.push_back(std::move(row));
    }
    std::vector<json> total(t.key_columns, nullptr);
    add_figures(total, u.report.total);
    t.total = std::move(total);
    return t;
}

ReportTable revenue_table(const std::vector<billing::ClientRevenue>& clients,
                          const std::map<std::string, std::string>& names) {
    ReportTable t{
        .name = "clients",
        .title = "Revenue by client",
        .key_columns = 2,
        .columns = {"account_id", "client", "messages", "client_paid", "reseller_paid", "revenue"}};
    std::int64_t messages = 0;
    MoneySum client_paid = 0, reseller_paid = 0, revenue = 0;
    for (const auto& c : clients) {
        const auto name = names.find(c.account_id.value);
        t.rows.push_back({c.account_id.value,
                          name == names.end() ? json(nullptr) : json(name->second), c.messages,
                          money_sum_json(c.client_paid), money_sum_json(c.reseller_paid),
                          money_sum_json(c.revenue)});
        messages += c.messages;
        client_paid += c.client_paid;
        reseller_paid += c.reseller_paid;
        revenue += c.revenue;
    }
    t.total = std::vector<json>{nullptr,
                                nullptr,
                                messages,
                                money_sum_json(client_paid),
                                money_sum_json(reseller_paid),
                                money_sum_json(revenue)};
    return t;
}

}  // namespace ujumbe::analytics
