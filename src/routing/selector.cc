#include "routing/selector.h"

#include <algorithm>

#include "core/crypto.h"
#include "routing/operators.h"

namespace ujumbe::routing {

namespace {

int specificity(const RouteRule& r) {
    return (r.account_id ? 8 : 0) + (r.sender ? 4 : 0) + (r.operator_name ? 2 : 0) +
           (r.country.empty() ? 0 : 1);
}

}  // namespace

bool rule_matches(const RouteRule& rule, const RouteQuery& q) {
    if (!rule.is_active || rule.channel != q.channel) return false;
    const std::string digits = q.to.starts_with('+') ? q.to.substr(1) : q.to;
    if (!digits.starts_with(rule.prefix)) return false;
    if (!rule.country.empty() && rule.country != q.country) return false;
    if (rule.account_id && *rule.account_id != q.account_id) return false;
    if (rule.sender && *rule.sender != q.sender) return false;
    if (rule.operator_name &&
        !operator_matches(*rule.operator_name, {q.operator_name, q.mcc, q.mnc, "", ""}))
        return false;
    return true;
}

void sort_rules(std::vector<RouteRule>& rules) {
    std::stable_sort(rules.begin(), rules.end(), [](const RouteRule& a, const RouteRule& b) {
        if (a.priority != b.priority) return a.priority > b.priority;
        if (a.prefix.size() != b.prefix.size()) return a.prefix.size() > b.prefix.size();
        if (specificity(a) != specificity(b)) return specificity(a) > specificity(b);
        return a.created_at < b.created_at;
    });
}

std::optional<RouteChoice> select_route(const std::vector<RouteRule>& rules, const RouteQuery& q) {
    for (const auto& rule : rules) {
        if (!rule_matches(rule, q)) continue;
        RouteChoice choice{rule.id, rule.name, {}};
        auto add = [&](const GatewayId& id) {
            if (std::find(choice.gateways.begin(), choice.gateways.end(), id) ==
                choice.gateways.end())
                choice.gateways.push_back(id);
        };
        std::int64_t total = 0;
        for (const auto& t : rule.gateways) total += std::max(0, t.weight);
        if (total > 0) {
            auto point = static_cast<std::int64_t>(stable_hash(q.key) % total);
            for (const auto& t : rule.gateways) {
                point -= std::max(0, t.weight);
                if (point < 0) {
                    add(t.gateway_id);
                    break;
                }
            }
        }
        auto by_weight = rule.gateways;
        std::stable_sort(
            by_weight.begin(), by_weight.end(),
            [](const RouteTarget& a, const RouteTarget& b) { return a.weight > b.weight; });
        for (const auto& t : by_weight)
            if (t.weight > 0) add(t.gateway_id);
        for (const auto& id : rule.failover) add(id);
        if (choice.gateways.empty()) continue;
        return choice;
    }
    return std::nullopt;
}

}  // namespace ujumbe::routing
