#pragma once
// What a campaign's messages will cost: each text's segments times the
// account's price per segment for the number. Prices are looked up once
// per number prefix (its first six digits, which fix country and rate line
// for all but the rarest numbering plans), so a million recipients cost a
// few hundred lookups.

#include <string>
#include <unordered_map>

#include "billing/service.h"
#include "core/money.h"
#include "core/result.h"

namespace ujumbe::campaigns {

class Estimate {
public:
    // No billing: everything is free. `channel`'s rate cards price it.
    Estimate(billing::BillingService* billing, const AccountId& account,
             std::string channel = "sms");

    // Adds one message of `text` to `to` (E.164); false when the text is no
    // valid UTF-8.
    Status add(const std::string& to, const std::string& text);
    // Adds one message of `segments` segments to `to`.
    Status add_segments(const std::string& to, std::int64_t segments);
    MoneySum total() const { return total_; }
    const std::string& currency() const { return currency_; }

private:
    Result<Micros6> per_segment(const std::string& to);

    billing::BillingService* billing_;
    AccountId account_;
    std::string channel_;
    std::optional<billing::PricePlan> plan_;
    std::string currency_;
    std::unordered_map<std::string, Micros6> by_prefix_;
    MoneySum total_ = 0;
};

}  // namespace ujumbe::campaigns
