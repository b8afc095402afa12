#pragma once
// Prices from rate cards, pure: an account's price for a destination is its
// own card's best line (set by its parent: a price, or a markup over the
// parent's price), else its parent's price; the platform's base card is the
// root (and the cost). Best line: the longest matching prefix, then the
// destination's country, then the catch-all line.

#include <optional>
#include <string>
#include <vector>

#include "billing/model.h"

namespace ujumbe::billing {

// The line of `card` for (channel, E.164 number, its country), if any.
// With a gateway: its own lines first, then the lines for every gateway;
// without: only the lines for every gateway.
const Rate* best_rate(const std::vector<Rate>& card, const std::string& channel,
                      const std::string& e164, const std::string& country,
                      const std::optional<GatewayId>& gateway_id = std::nullopt);

// Cards from the root down: base card, then each account's card down to the
// sender. price_per_segment() walks them; nullopt when the base card has no
// line (the destination is not priced: it costs nothing).
struct PriceChain {
    std::vector<Rate> base;
    std::vector<std::vector<Rate>> cards;  // [0] is the top account below the platform
};
// The per-segment price at each level: [0] base (cost), then one per card;
// nullopt when a markup takes a price past int64.
std::optional<std::vector<Micros6>> prices_per_segment(const PriceChain& chain,
                                                       const std::string& channel,
                                                       const std::string& e164,
                                                       const std::string& country);

}  // namespace ujumbe::billing
