#pragma once
// Wallets, the ledger, top-ups and transfers, credit limits, the trial
// credit, rate cards and quotes; and for the message pipeline: prices,
// charging in the accepting transaction, refunds. Money is micro-units.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "billing/model.h"
#include "billing/ports.h"
#include "billing/pricing.h"
#include "core/clock.h"
#include "core/principal.h"
#include "core/result.h"
#include "db/database.h"
#include "db/settings_epoch.h"
#include "db/store_support.h"
#include "db/window.h"
#include "identity/service.h"

namespace ujumbe::billing {

struct BillingOptions {
    std::string currency = "USD";
    Micros6 trial_credit = 5 * kMicrosPerUnit;  // 0: none
    bool refund_undelivered = false;            // also refund `undelivered` (and expired)
    // A plan renewal the wallet cannot pay is tried again this often, and
    // the plan lapses this long after the first try (billing/renewals.h).
    Micros plan_retry = 3600 * kMicrosPerSecond;
    Micros plan_grace = 7 * 86400 * kMicrosPerSecond;
};

struct MoneyMove {
    std::optional<AccountId> account_id;  // the target (top-up, transfer, credit limit)
    Micros6 amount = 0;
    std::string reference;
    std::string description;
};

struct Moved {
    LedgerEntry entry;      // of the target account
    bool replayed = false;  // the reference was used before with this amount
};

struct RateInput {
    std::optional<AccountId> account_id;  // empty: the base card (platform admin)
    std::string channel = "sms";
    std::string prefix;
    std::string country;
    std::optional<Micros6> price;
    std::optional<std::int64_t> markup_ppm;
    std::optional<GatewayId> gateway_id;  // base card only
};

// A message a gateway took, for its cost through that gateway.
struct CostQuery {
    MessageId message_id;
    std::string channel, to;
    int segments = 1;
};

// The cards a sender's prices come from, read once per send.
struct PricePlan {
    AccountId account;
    std::optional<AccountId> reseller;  // pays its own price for its client's sends
    PriceChain chain;
    std::string currency;
};

// One accepted message's charges.
struct ChargeLine {
    MessageId message_id;
    MessagePrice price;
};

// What a send needs from billing: the sender's price plan and the daily cap
// of its subscribed plan, if any.
struct SendTerms {
    PricePlan prices;
    std::optional<std::int64_t> plan_cap;
};

class BillingService {
public:
    BillingService(db::Database& db, Clock& clock, identity::IdentityService& identity,
                   BillingOptions options, BillingPorts ports = {});

    const std::string& currency() const { return options_.currency; }

    Result<Wallet> wallet(const Principal& who, const std::optional<AccountId>& account_id);
    Result<db::WindowListing<LedgerEntry>> transactions(const Principal& who,
                                                        const std::optional<AccountId>& account_id,
                                                        const LedgerQuery& q,
                                                        const db::Window& window);
    Result<std::vector<LedgerEntry>> export_page(const Principal& who,
                                                 const std::optional<AccountId>& account_id,
                                                 const LedgerQuery& q, const std::string& after,
                                                 int limit);
    // By the account's parent or the platform admin; one reference, one top-up.
    Result<Moved> topup(const Principal& who, const MoneyMove& in);
    // The platform admin corrects a balance (either way) with a reason.
    Result<Moved> adjust(const Principal& who, const MoneyMove& in);
    // From the caller (a reseller) to one of its children.
    Result<Moved> transfer(const Principal& who, const MoneyMove& in);
    Result<Wallet> set_credit_limit(const Principal& who, const MoneyMove& in);
    // The caller's own wallet: below `threshold` (none: never) a charge
    // writes a wallet.low_balance event. Owners and admins.
    Result<Wallet> set_low_balance_alert(const Principal& who, std::optional<Micros6> threshold);
    // The caller's wallet and ledger totals of the UTC days
    // [first_day, past_day) (days since 1970-01-01), for analytics.
    Result<LedgerDays> ledger_days(const Principal& who, std::int64_t first_day,
                                   std::int64_t past_day);
    // A reseller's revenue from each of its clients over [from, until)
    // (owners and admins of a reseller).
    Result<std::vector<ClientRevenue>> client_revenue(const Principal& who, Micros from,
                                                      Micros until);
    // A month ("2026-11") of the caller's ledger, or of a child's.
    Result<Statement> statement(const Principal& who, const std::optional<AccountId>& account_id,
                                const std::string& month);
    // ---- plans and subscriptions
    Result<std::vector<Plan>> plans();
    // The caller's subscription; pay as you go (is_default) when none is stored.
    Result<Subscription> subscription(const Principal& who);
    // Owner or admin: subscribes the caller's account to `plan_code`,
    // charging the plan's monthly fee from the wallet now (402 when it
    // cannot pay); a new 30-day period starts. No proration.
    Result<Subscription> subscribe(const Principal& who, const std::string& plan_code);
    Result<Usage> usage(const Principal& who);
    // 422 PLAN_LIMIT_REACHED when the account's plan allows no more of
    // `resource` ("users", "contacts") than `current`.
    Status check_plan_limit(const AccountId& account, const std::string& resource,
                            std::int64_t current);
    // The plan whose limits apply to the account, when it has one.
    Result<std::optional<Plan>> active_plan(const AccountId& account);

    // The trial credit of a self-registered account, in its transaction.
    Status grant_trial(db::Connection& c, const AccountId& account);

    Result<std::vector<Rate>> rates(const Principal& who,
                                    const std::optional<AccountId>& account_id);
    Result<Rate> put_rate(const Principal& who, const RateInput& in);
    Result<Rate> update_rate(const Principal& who, const RateId& id, std::optional<Micros6> price,
                             std::optional<std::int64_t> markup_ppm);
    Status delete_rate(const Principal& who, const RateId& id);

    // ---- for the message pipeline (no caller checks)
    Result<PricePlan> price_plan(const AccountId& account);
    // The same from the sender's account row already read.
    Result<PricePlan> price_plan(const identity::Account& account);
    // Both of a send's billing reads, cached per account at the settings
    // epoch `epoch` (the caller's; read here when unset). `account` must be
    // as read at that epoch.
    // Shared, not copied: a rate card can be long.
    Result<std::shared_ptr<const SendTerms>> send_terms(const identity::Account& account,
                                                        std::optional<std::int64_t> epoch);
    // 422 AMOUNT_OUT_OF_RANGE (field price) when the price passes int64.
    Result<MessagePrice> price_of(const PricePlan& plan, const std::string& channel,
                                  const std::string& e164, const std::string& country,
                                  int segments) const;
    // Debits the sender (and its reseller) for `lines` in the caller's
    // transaction, one ledger entry per message and payer: 402
    // INSUFFICIENT_BALANCE (balance and required amount in details) when a
    // wallet cannot pay all of them. Messages still included in the
    // sender's plan period cost the sender nothing: their lines' price is
    // set to 0 (the reseller, if any, still pays its price).
    Status charge(db::Connection& c, const PricePlan& plan, std::vector<ChargeLine>& lines,
                  const std::optional<UserId>& actor);
    // Gives back what these messages were charged, once per message and payer.
    Status refund(db::Connection& c, const std::vector<MessageId>& message_ids,
                  const std::string& why);
    bool refunds_status(const std::string& status) const;
    // These messages reached `status` for good, in the transaction writing
    // it: refunds them when that status is refunded. Every path to a final
    // status (gateway answers, receipts, failures, cancels) comes here.
    Status finished(db::Connection& c, const std::vector<MessageId>& message_ids,
                    const std::string& status);
    // The cost of messages sent through `gateway_id` where the base card has
    // lines for that gateway (others keep the cost priced at acceptance).
    Result<std::vector<std::pair<MessageId, Micros6>>> gateway_costs(
        db::Connection& c, const GatewayId& gateway_id, const std::vector<CostQuery>& sent);

private:
    // A rate line the caller may change (its base card line, or a child's).
    Result<Rate> editable_rate(db::Connection& c, const Principal& who, const RateId& id);
    // The account the caller may move money of: its own child, or any for the admin.
    Result<identity::Account> managed_account(const Principal& who, const AccountId& id);
    Result<Moved> move_in(const Principal& who, const identity::Account& target,
                          const std::string& type, const MoneyMove& in,
                          const std::optional<AccountId>& source);

    db::Database& db_;
    Clock& clock_;
    identity::IdentityService& identity_;
    BillingOptions options_;
    BillingPorts ports_;
    db::SettingsCache<std::string, std::shared_ptr<const SendTerms>> send_terms_;  // by account
};

}  // namespace ujumbe::billing
