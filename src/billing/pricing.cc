#include "billing/pricing.h"

namespace ujumbe::billing {

namespace {
const Rate* best_of(const std::vector<Rate>& card, const std::string& channel,
                    const std::string& e164, const std::string& country,
                    const std::optional<GatewayId>& gateway_id) {
    const std::string digits = e164.starts_with('+') ? e164.substr(1) : e164;
    const Rate* by_prefix = nullptr;
    const Rate* by_country = nullptr;
    const Rate* fallback = nullptr;
    for (const auto& r : card) {
        if (r.channel != channel || r.gateway_id != gateway_id) continue;
        if (!r.prefix.empty()) {
            if (digits.starts_with(r.prefix) &&
                (!by_prefix || r.prefix.size() > by_prefix->prefix.size()))
                by_prefix = &r;
        } else if (!r.country.empty()) {
            if (r.country == country) by_country = &r;
        } else {
            fallback = &r;
        }
    }
    return by_prefix ? by_prefix : by_country ? by_country : fallback;
}
}  // namespace

const Rate* best_rate(const std::vector<Rate>& card, const std::string& channel,
                      const std::string& e164, const std::string& country,
                      const std::optional<GatewayId>& gateway_id) {
    if (gateway_id)
        if (const Rate* own = best_of(card, channel, e164, country, gateway_id)) return own;
    return best_of(card, channel, e164, country, std::nullopt);
}

std::optional<std::vector<Micros6>> prices_per_segment(const PriceChain& chain,
                                                       const std::string& channel,
                                                       const std::string& e164,
                                                       const std::string& country) {
    std::vector<Micros6> out;
    const Rate* base = best_rate(chain.base, channel, e164, country);
    Micros6 price = base && base->price ? *base->price : 0;
    out.push_back(price);
    for (const auto& card : chain.cards) {
        if (const Rate* line = best_rate(card, channel, e164, country)) {
            if (line->price)
                price = *line->price;
            else if (line->markup_ppm) {
                auto marked = mul_div(price, 1'000'000 + *line->markup_ppm, 1'000'000);
                if (!marked) return std::nullopt;
                price = *marked;
            }
        }
        out.push_back(price);
    }
    return out;
}

}  // namespace ujumbe::billing
