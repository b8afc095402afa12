#include "campaigns/estimate.h"

#include "formats/phone.h"
#include "formats/sms_encoding.h"

namespace ujumbe::campaigns {

Estimate::Estimate(billing::BillingService* billing, const AccountId& account, std::string channel)
    : billing_(billing), account_(account), channel_(std::move(channel)) {
    if (billing_) currency_ = billing_->currency();
}

Result<Micros6> Estimate::per_segment(const std::string& to) {
    // Mail has one price, whatever the address.
    const std::string prefix = channel_ == "email" ? "" : to.substr(0, 7);  // '+' and six digits
    if (auto it = by_prefix_.find(prefix); it != by_prefix_.end()) return it->second;
    if (!plan_) {
        UJ_ASSIGN(auto plan, billing_->price_plan(account_));
        currency_ = plan.currency;
        plan_ = std::move(plan);
    }
    const auto details = formats::describe_phone(to, "");
    UJ_ASSIGN(auto one, billing_->price_of(*plan_, channel_, to, details.country, 1));
    by_prefix_.emplace(prefix, one.price);
    return one.price;
}

Status Estimate::add(const std::string& to, const std::string& text) {
    if (!billing_) return {};
    if (channel_ != "sms") return add_segments(to, 1);  // one message, whatever its length
    const auto counted = formats::count_segments(text);
    if (!counted) return Error::invalid("message_text", "Must be UTF-8 text.");
    return add_segments(to, static_cast<std::int64_t>(counted->segments));
}

Status Estimate::add_segments(const std::string& to, std::int64_t segments) {
    if (!billing_) return {};
    UJ_ASSIGN(auto price, per_segment(to));
    total_ += static_cast<MoneySum>(price) * static_cast<MoneySum>(segments);
    return {};
}

}  // namespace ujumbe::campaigns
