#pragma once
// The billing domain: wallets, ledger entries and rate cards. Money is
// integer micro-units everywhere (core/money.h). Plain data, no I/O.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/money.h"
#include "core/result.h"

namespace ujumbe::billing {

struct Wallet {
    AccountId account_id;
    std::string currency;
    Micros6 balance = 0;
    Micros6 credit_limit = 0;  // the balance may go down to -credit_limit
    Micros created_at = 0;
    Micros updated_at = 0;
    // A charge taking the balance below it writes a wallet.low_balance event.
    std::optional<Micros6> low_balance_threshold;
};

namespace entry_type {
inline constexpr const char* kTopup = "topup";
inline constexpr const char* kCharge = "charge";
inline constexpr const char* kRefund = "refund";
inline constexpr const char* kTransferIn = "transfer_in";
inline constexpr const char* kTransferOut = "transfer_out";
inline constexpr const char* kAdjustment = "adjustment";
inline constexpr const char* kTrial = "trial";
}  // namespace entry_type

struct LedgerEntry {
    LedgerEntryId id;
    AccountId account_id;
    std::string currency;
    std::string type;
    Micros6 amount = 0;  // signed
    Micros6 balance_after = 0;
    std::optional<std::string> reference;
    std::string description;
    std::optional<UserId> actor_id;
    std::optional<MessageId> message_id;
    std::optional<AccountId> counterparty_id;
    std::optional<std::string> channel, country;  // charges and refunds
    Micros created_at = 0;
};

// The ledger entries of one UTC day (days since 1970-01-01) of one type,
// channel and country ('' for entries of no message) caused by one user
// ('' for none): a row of the ledger's rollups. `amount` is signed
// (charges are negative).
struct DailyLedger {
    std::int64_t day = 0;
    std::string type, channel, country, actor_id;
    std::int64_t entries = 0;
    MoneySum amount = 0;
};

// An account's wallet in the server's currency (none before its first
// use) and its ledger's days.
struct LedgerDays {
    std::optional<Wallet> wallet;
    std::vector<DailyLedger> days;
};

// A reseller's revenue from one client over a time: what the client paid
// for its messages minus what the reseller paid for the same messages,
// refunds of failed messages taken off both.
struct ClientRevenue {
    AccountId account_id;
    std::int64_t messages = 0;  // charged to the client
    MoneySum client_paid = 0, reseller_paid = 0, revenue = 0;
};

// A month of an account's ledger.
struct Statement {
    AccountId account_id;
    // Whose statement it is, as the account describes itself.
    struct Holder {
        std::string business_name, account_sid, contact_email, contact_phone, country;
    } holder;
    std::string currency;
    std::string month;  // YYYY-MM
    Micros from = 0, until = 0;
    // Sums of a month's entries may pass int64 (MoneySum); balances do not.
    Micros6 opening = 0;
    MoneySum closing = 0;
    struct ByType {
        std::string type;
        std::int64_t entries = 0;
        MoneySum amount = 0;
    };
    std::vector<ByType> by_type;
    struct ByDestination {
        std::string channel, country;
        std::int64_t messages = 0;
        MoneySum amount = 0;  // charged (negative)
    };
    std::vector<ByDestination> charges;
    // A reseller's revenue from each client (store::revenue_by_client).
    std::vector<ClientRevenue> children;
};

struct LedgerQuery {
    std::optional<std::string> type;
    std::optional<MessageId> message_id;
    std::optional<Micros> from, until;
};

// One line of a rate card. account_id empty: the platform's base card.
struct Rate {
    RateId id;
    std::optional<AccountId> account_id;
    std::string channel = "sms";
    std::string prefix;            // E.164 digits without '+'; "" with country "" matches all
    std::string country;           // ISO alpha-2 (used when prefix is "")
    std::optional<Micros6> price;  // per segment
    std::optional<std::int64_t> markup_ppm;  // over the parent's price
    // Base card only: what sending through this gateway costs (lines without
    // one price every gateway; selling prices never depend on the gateway).
    std::optional<GatewayId> gateway_id;
    std::string currency;
    Micros created_at = 0;
    Micros updated_at = 0;
};

struct Plan {
    std::string id, code, name;
    Micros6 monthly_fee = 0;
    std::int64_t included_messages = 0;
    std::optional<std::int64_t> max_users, max_contacts, max_messages_per_day;
    int sort_order = 0;
    // Requests a minute by rate class (auth, send, bulk, default); unset:
    // the server's configured limit.
    std::array<std::optional<std::int64_t>, 4> rate_limits;
    // Days a subscriber's final messages keep their bodies, and are kept at
    // all, at the most (messaging/retention.h); unset: no ceiling.
    std::optional<std::int64_t> body_retention_days, message_retention_days;
};

struct Subscription {
    AccountId account_id;
    Plan plan;
    std::string status = "active";
    Micros period_start = 0, period_end = 0;
    std::int64_t included_used = 0;  // included messages used this period
    bool is_default = false;         // no subscription stored: pay as you go
    // Periods are whole months from the anchor (billing/renewals.h).
    Micros cycle_anchor = 0;
    // The first renewal the wallet could not pay; the plan goes on until
    // the grace period after it ends (or a renewal is paid).
    std::optional<Micros> past_due_since;
    std::optional<Micros> renewal_tried_at;  // the last try of a renewal not paid
    std::optional<Micros> lapsed_at;         // downgraded to pay as you go
    std::string lapsed_plan;                 // the plan it had then
    std::optional<Micros> grace_ends_at;     // past due: when the plan lapses
};

// What an account used in its current period, against its plan.
struct Usage {
    Subscription subscription;
    std::int64_t messages = 0, segments = 0, messages_today = 0;
    MoneySum spend = 0;
    std::int64_t users = 0, contacts = 0;
};

// What sending one message costs whom.
struct MessagePrice {
    std::string channel = "sms", country;  // where it goes (for statements)
    Micros6 price = 0;                     // the sender pays (per message: x segments)
    Micros6 parent_price = 0;              // its reseller pays (0 without one)
    Micros6 cost = 0;                      // the base card
};

}  // namespace ujumbe::billing
