#include "billing/service.h"

#include <algorithm>
#include <limits>

#include "billing/ledger_entry.h"
#include "billing/plans.h"
#include "billing/renewals.h"
#include "billing/store.h"
#include "core/dates.h"
#include "core/ids.h"
#include "formats/phone.h"

namespace ujumbe::billing {

namespace {

Error insufficient(Micros6 balance, Micros6 required, Micros6 credit_limit,
                   const std::string& currency, const std::string& whose) {
    Error e = Error::conflict("INSUFFICIENT_BALANCE",
                              whose == "account" ? "The wallet cannot pay for this."
                                                 : "The reseller's wallet cannot pay for this.");
    e.code = ErrorCode::kInsufficientBalance;
    e.details = {{"balance", money_json(balance)},
                 {"required", money_json(required)},
                 {"credit_limit", money_json(credit_limit)},
                 {"currency", currency},
                 {"wallet", whose}};
    return e;
}

}  // namespace

BillingService::BillingService(db::Database& db, Clock& clock, identity::IdentityService& identity,
                               BillingOptions options, BillingPorts ports)
    : db_(db), clock_(clock), identity_(identity), options_(std::move(options)), ports_(ports) {}

Result<identity::Account> BillingService::managed_account(const Principal& who,
                                                          const AccountId& id) {
    if (!is_uuid(id.value)) return Error::not_found("Account");
    auto account = identity_.account_by_id(AccountId{id});
    if (!account) return Error::not_found("Account");
    const bool parent = account->parent_id && *account->parent_id == who.account_id;
    if (!(who.is_platform_admin() || (parent && who.can_manage())))
        return Error::not_found("Account");
    return std::move(*account);
}

Result<Wallet> BillingService::wallet(const Principal& who,
                                      const std::optional<AccountId>& account_id) {
    AccountId target = who.account_id;
    if (account_id && *account_id != who.account_id) {
        UJ_ASSIGN(auto account, managed_account(who, *account_id));
        target = account.id;
    }
    return db_.write([&](db::Connection& c) {
        return store::ensure_wallet(c, target, options_.currency, clock_.now());
    });
}

Result<LedgerDays> BillingService::ledger_days(const Principal& who, std::int64_t first_day,
                                               std::int64_t past_day) {
    return db_.read([&](db::Connection& c) -> Result<LedgerDays> {
        LedgerDays out;
        UJ_ASSIGN(out.wallet, store::find_wallet(c, who.account_id, options_.currency));
        UJ_ASSIGN(out.days,
                  store::daily_ledger(c, who.account_id, options_.currency, first_day, past_day));
        return out;
    });
}

Result<db::WindowListing<LedgerEntry>> BillingService::transactions(
    const Principal& who, const std::optional<AccountId>& account_id, const LedgerQuery& q,
    const db::Window& window) {
    AccountId target = who.account_id;
    if (account_id && *account_id != who.account_id) {
        UJ_ASSIGN(auto account, managed_account(who, *account_id));
        target = account.id;
    }
    return db_.read([&](db::Connection& c) { return store::list_entries(c, target, q, window); });
}

Result<std::vector<LedgerEntry>> BillingService::export_page(
    const Principal& who, const std::optional<AccountId>& account_id, const LedgerQuery& q,
    const std::string& after, int limit) {
    AccountId target = who.account_id;
    if (account_id && *account_id != who.account_id) {
        UJ_ASSIGN(auto account, managed_account(who, *account_id));
        target = account.id;
    }
    return db_.read(
        [&](db::Connection& c) { return store::entries_after(c, target, q, after, limit); });
}

Result<Moved> BillingService::move_in(const Principal& who, const identity::Account& target,
                                      const std::string& type, const MoneyMove& in,
                                      const std::optional<AccountId>& source) {
    if (type == entry_type::kAdjustment ? in.amount == 0 : in.amount <= 0)
        return Error::invalid("amount", type == entry_type::kAdjustment
                                            ? "Must not be zero."
                                            : "Must be more than zero.");
    if (in.amount > kMaxAmount || in.amount < -kMaxAmount)
        return amount_out_of_range("amount", kMaxAmount);
    const Micros now = clock_.now();
    auto moved = db_.write([&](db::Connection& c) -> Result<Moved> {
        UJ_ASSIGN(auto earlier, store::find_by_reference(c, target.id, type, in.reference));
        if (earlier) {
            if (earlier->amount != in.amount)
                return Error::precondition(
                    "REFERENCE_REUSED",
                    "This reference was used for another amount: " + format_money(earlier->amount) +
                        " " + earlier->currency + ".");
            return Moved{std::move(*earlier), true};
        }
        UJ_TRY(store::ensure_wallet(c, target.id, options_.currency, now));
        std::vector<LedgerEntry> entries;
        if (source) {
            UJ_TRY(store::ensure_wallet(c, *source, options_.currency, now));
            UJ_ASSIGN(auto left,
                      store::move_balance(c, *source, options_.currency, -in.amount, now));
            if (!left) {
                UJ_ASSIGN(auto w, store::find_wallet(c, *source, options_.currency));
                return insufficient(w ? w->balance : 0, in.amount, w ? w->credit_limit : 0,
                                    options_.currency, "account");
            }
            auto out = new_entry(*source, options_.currency, entry_type::kTransferOut, -in.amount,
                                 *left, now);
            out.reference = in.reference;
            out.description = in.description;
            out.actor_id = who.user_id;
            out.counterparty_id = target.id;
            entries.push_back(std::move(out));
        }
        UJ_ASSIGN(auto balance,
                  store::move_balance(c, target.id, options_.currency, in.amount, now));
        if (!balance && in.amount > 0) {
            Error e = amount_out_of_range("amount", kMaxBalance);
            e.message = "amount: the balance would pass the most a wallet holds, " +
                        format_money(kMaxBalance) + ".";
            e.errors["amount"] = {"The balance would pass " + format_money(kMaxBalance) + "."};
            return e;
        }
        if (!balance) {  // a negative adjustment past the credit limit
            UJ_ASSIGN(auto w, store::find_wallet(c, target.id, options_.currency));
            return insufficient(w ? w->balance : 0, -in.amount, w ? w->credit_limit : 0,
                                options_.currency, "account");
        }
        auto e = new_entry(target.id, options_.currency, type, in.amount, *balance, now);
        e.reference = in.reference;
        e.description = in.description;
        e.actor_id = who.user_id;
        e.counterparty_id = source ? *source : who.account_id;
        entries.push_back(e);
        UJ_TRY(store::insert_entries(c, entries));
        return Moved{std::move(e), false};
    });
    if (!moved && moved.error().error_code == "UNIQUE_VIOLATION") {
        // A concurrent request with the same reference won: answer as its replay.
        UJ_ASSIGN(auto earlier, db_.read([&](db::Connection& c) {
            return store::find_by_reference(c, target.id, type, in.reference);
        }));
        if (earlier && earlier->amount == in.amount) return Moved{std::move(*earlier), true};
        return Error::precondition("REFERENCE_REUSED", "This reference was used already.");
    }
    return moved;
}

Result<Moved> BillingService::topup(const Principal& who, const MoneyMove& in) {
    if (!in.account_id) return Error::invalid("account_id", "This field is required.");
    if (*in.account_id == who.account_id && !who.is_platform_admin())
        return Error::forbidden("An account is topped up by its parent or the platform admin.");
    UJ_ASSIGN(auto target, managed_account(who, *in.account_id));
    return move_in(who, target, entry_type::kTopup, in, std::nullopt);
}

Result<Moved> BillingService::adjust(const Principal& who, const MoneyMove& in) {
    if (!who.is_platform_admin()) return Error::forbidden("Adjustments are the platform admin's.");
    if (!in.account_id) return Error::invalid("account_id", "This field is required.");
    if (in.description.empty())
        return Error::invalid("description", "Say why the balance is adjusted.");
    UJ_ASSIGN(auto target, managed_account(who, *in.account_id));
    return move_in(who, target, entry_type::kAdjustment, in, std::nullopt);
}

Result<Moved> BillingService::transfer(const Principal& who, const MoneyMove& in) {
    if (!in.account_id) return Error::invalid("account_id", "This field is required.");
    if (who.account_type != AccountType::kReseller || !who.can_manage())
        return Error::forbidden("Transfers go from a reseller to its own clients.");
    UJ_ASSIGN(auto target, managed_account(who, *in.account_id));
    return move_in(who, target, entry_type::kTransferIn, in, who.account_id);
}

Result<Wallet> BillingService::set_credit_limit(const Principal& who, const MoneyMove& in) {
    if (!in.account_id) return Error::invalid("account_id", "This field is required.");
    if (in.amount < 0) return Error::invalid("credit_limit", "Must be zero or more.");
    if (in.amount > kMaxAmount) return amount_out_of_range("credit_limit", kMaxAmount);
    UJ_ASSIGN(auto target, managed_account(who, *in.account_id));
    return db_.write([&](db::Connection& c) -> Result<Wallet> {
        const Micros now = clock_.now();
        UJ_TRY(store::ensure_wallet(c, target.id, options_.currency, now));
        UJ_TRY(store::set_credit_limit(c, target.id, options_.currency, in.amount, now));
        return store::ensure_wallet(c, target.id, options_.currency, now);
    });
}

Result<Wallet> BillingService::set_low_balance_alert(const Principal& who,
                                                     std::optional<Micros6> threshold) {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins set wallet alerts");
    if (threshold && *threshold < 0) return Error::invalid("threshold", "Must be zero or more.");
    if (threshold && *threshold > kMaxAmount) return amount_out_of_range("threshold", kMaxAmount);
    return db_.write([&](db::Connection& c) -> Result<Wallet> {
        const Micros now = clock_.now();
        UJ_TRY(store::ensure_wallet(c, who.account_id, options_.currency, now));
        UJ_TRY(
            store::set_low_balance_threshold(c, who.account_id, options_.currency, threshold, now));
        return store::ensure_wallet(c, who.account_id, options_.currency, now);
    });
}

Status BillingService::grant_trial(db::Connection& c, const AccountId& account) {
    const Micros now = clock_.now();
    UJ_TRY(store::ensure_wallet(c, account, options_.currency, now));
    if (options_.trial_credit <= 0) return {};
    UJ_ASSIGN(auto balance,
              store::move_balance(c, account, options_.currency, options_.trial_credit, now));
    auto e = new_entry(account, options_.currency, entry_type::kTrial, options_.trial_credit,
                       balance.value_or(options_.trial_credit), now);
    e.description = "Trial credit";
    return store::insert_entries(c, {e});
}

Result<Statement> BillingService::statement(const Principal& who,
                                            const std::optional<AccountId>& account_id,
                                            const std::string& month) {
    AccountId target = who.account_id;
    if (account_id && *account_id != who.account_id) {
        UJ_ASSIGN(auto account, managed_account(who, *account_id));
        target = account.id;
    }
    const auto span = parse_month_param(month);
    if (!span) return Error::invalid("month", kMonthHint);
    UJ_ASSIGN(auto s, db_.read([&](db::Connection& c) {
        return store::statement(c, target, options_.currency, span->from, span->until);
    }));
    s.month = month;
    UJ_ASSIGN(auto account, identity_.account_by_id(target));
    s.holder = {
        .business_name = account.business_name.empty() ? account.name : account.business_name,
        .account_sid = account.account_sid,
        .contact_email = account.contact_email,
        .contact_phone = account.contact_phone,
        .country = account.country};
    return s;
}

Result<std::vector<ClientRevenue>> BillingService::client_revenue(const Principal& who, Micros from,
                                                                  Micros until) {
    if (who.account_type != AccountType::kReseller || !who.can_manage())
        return Error::forbidden("Only a reseller's owners and admins read its revenue");
    return db_.read([&](db::Connection& c) {
        return store::revenue_by_client(c, who.account_id, options_.currency, from, until);
    });
}

Result<std::vector<Plan>> BillingService::plans() {
    return read_plans(db_);
}

Result<Subscription> BillingService::subscription(const Principal& who) {
    return db_.read([&](db::Connection& c) -> Result<Subscription> {
        UJ_ASSIGN(auto found, store::find_subscription(c, who.account_id));
        if (found && found->status == "active") {
            if (found->past_due_since)
                found->grace_ends_at = *found->past_due_since + options_.plan_grace;
            return std::move(*found);
        }
        UJ_ASSIGN(auto payg, store::find_plan(c, "pay_as_you_go"));
        if (!payg) return Error::internal("the pay_as_you_go plan is missing");
        const Micros now = clock_.now();
        const auto month = format_iso8601(now).substr(0, 7);
        Subscription s{.account_id = who.account_id,
                       .plan = std::move(*payg),
                       .period_start = *parse_iso8601(month + "-01T00:00:00Z"),
                       .is_default = true};
        s.period_end = months_after(s.period_start, 1);
        if (found && found->lapsed_at) {
            s.lapsed_at = found->lapsed_at;
            s.lapsed_plan = found->plan.code;
        }
        return s;
    });
}

Result<Subscription> BillingService::subscribe(const Principal& who, const std::string& plan_code) {
    if (!who.can_manage()) return Error::forbidden("Only an owner or admin changes the plan.");
    const Micros now = clock_.now();
    return db_.write([&](db::Connection& c) -> Result<Subscription> {
        UJ_ASSIGN(auto plan, store::find_plan(c, plan_code));
        if (!plan) return Error::invalid("plan", "No such plan (see GET /billing/plans).");
        if (plan->monthly_fee > 0) {
            UJ_ASSIGN(auto left, charge_plan_fee(c, who.account_id, *plan, options_.currency,
                                                 "Plan " + plan->name + " from " +
                                                     format_iso8601(now).substr(0, 10),
                                                 who.user_id, now));
            if (!left) {
                UJ_ASSIGN(auto w, store::find_wallet(c, who.account_id, options_.currency));
                return insufficient(w ? w->balance : 0, plan->monthly_fee, w ? w->credit_limit : 0,
                                    options_.currency, "account");
            }
        }
        Subscription s{.account_id = who.account_id,
                       .plan = std::move(*plan),
                       .period_start = now,
                       .period_end = months_after(now, 1),
                       .cycle_anchor = now};
        UJ_TRY(store::put_subscription(c, s, now));
        return s;
    });
}

Result<std::optional<Plan>> BillingService::active_plan(const AccountId& account) {
    return read_active_plan(db_, account);
}

Status BillingService::check_plan_limit(const AccountId& account, const std::string& resource,
                                        std::int64_t current) {
    UJ_ASSIGN(auto plan, active_plan(account));
    if (!plan) return {};
    const auto& limit = resource == "users" ? plan->max_users : plan->max_contacts;
    if (!limit || current < *limit) return {};
    Error e = Error::precondition(
        "PLAN_LIMIT_REACHED",
        "The " + plan->name + " plan allows " + std::to_string(*limit) + " " + resource + ".");
    e.details = {
        {"resource", resource}, {"limit", *limit}, {"used", current}, {"plan", plan->code}};
    return e;
}

Result<Usage> BillingService::usage(const Principal& who) {
    UJ_ASSIGN(auto sub, subscription(who));
    Usage u;
    u.subscription = std::move(sub);
    const Micros now = clock_.now();
    const Micros until = std::min(now + 1, u.subscription.period_end);
    UJ_ASSIGN(auto spent, db_.read([&](db::Connection& c) {
        return store::charged(c, who.account_id, u.subscription.period_start, until);
    }));
    u.spend = -spent;
    if (ports_.usage) {
        const Micros day = now - now % (86'400 * kMicrosPerSecond);
        UJ_ASSIGN(auto m,
                  ports_.usage->messages(who.account_id, u.subscription.period_start, until, day));
        u.messages = m.messages;
        u.segments = m.segments;
        u.messages_today = m.today;
        UJ_ASSIGN(u.users, ports_.usage->users(who.account_id));
        UJ_ASSIGN(u.contacts, ports_.usage->contacts(who.account_id));
    }
    return u;
}

Result<std::vector<Rate>> BillingService::rates(const Principal& who,
                                                const std::optional<AccountId>& account_id) {
    store::CardOwner owner;  // none: the base card (the platform admin's own)
    if (account_id) {
        if (*account_id != who.account_id) {
            UJ_ASSIGN(auto account, managed_account(who, *account_id));
            owner = account.id;
        } else {
            owner = who.account_id;
        }
    } else if (!who.is_platform_admin()) {
        owner = who.account_id;
    }
    return db_.read([&](db::Connection& c) { return store::card_of(c, owner); });
}

Result<Rate> BillingService::put_rate(const Principal& who, const RateInput& in) {
    store::CardOwner owner;  // none: the base card
    if (in.account_id) {
        UJ_ASSIGN(auto account, managed_account(who, *in.account_id));
        owner = account.id;
    } else {
        if (!who.is_platform_admin())
            return Error::forbidden("The base card is the platform admin's.");
        if (!in.price) return Error::invalid("price", "The base card takes prices, not markups.");
    }
    if (in.gateway_id && owner)
        return Error::invalid("gateway_id", "Only lines of the base card name a gateway.");
    if (in.price.has_value() == in.markup_ppm.has_value())
        return Error::invalid("price", "Give either price or markup_percent.");
    if (in.price && *in.price > kMaxPrice) return amount_out_of_range("price", kMaxPrice);
    const Micros now = clock_.now();
    const auto put = [&](db::Connection& c) -> Result<Rate> {
        UJ_ASSIGN(auto line,
                  store::find_line(c, owner, in.channel, in.prefix, in.country,
                                   in.gateway_id ? in.gateway_id->value : std::string()));
        if (line) {
            line->price = in.price;
            line->markup_ppm = in.markup_ppm;
            line->updated_at = now;
            UJ_TRY(store::update_rate(c, *line));
            return std::move(*line);
        }
        Rate r{.id = RateId{new_uuid_v7(now)},
               .account_id = owner,
               .channel = in.channel,
               .prefix = in.prefix,
               .country = in.country,
               .price = in.price,
               .markup_ppm = in.markup_ppm,
               .gateway_id = in.gateway_id,
               .currency = options_.currency,
               .created_at = now,
               .updated_at = now};
        UJ_TRY(store::insert_rate(c, r));
        return r;
    };
    // The line is unique (migration 0026): a writer that inserted it since
    // this one looked is found on the second try, and its line updated.
    auto written = db_.write(put);
    if (!written && written.error().code == ErrorCode::kConflict) written = db_.write(put);
    return written;
}

Result<Rate> BillingService::editable_rate(db::Connection& c, const Principal& who,
                                           const RateId& id) {
    UJ_ASSIGN(auto r, store::find_rate(c, id));
    if (!r) return Error::not_found("Rate");
    if (!r->account_id) {
        if (!who.is_platform_admin()) return Error::not_found("Rate");
    } else {
        UJ_TRY(managed_account(who, *r->account_id));
    }
    return std::move(*r);
}

Result<Rate> BillingService::update_rate(const Principal& who, const RateId& id,
                                         std::optional<Micros6> price,
                                         std::optional<std::int64_t> markup_ppm) {
    if (price.has_value() == markup_ppm.has_value())
        return Error::invalid("price", "Give either price or markup_percent.");
    if (price && *price > kMaxPrice) return amount_out_of_range("price", kMaxPrice);
    return db_.write([&](db::Connection& c) -> Result<Rate> {
        UJ_ASSIGN(auto r, editable_rate(c, who, id));
        if (!r.account_id && !price)
            return Error::invalid("price", "The base card takes prices, not markups.");
        r.price = price;
        r.markup_ppm = markup_ppm;
        r.updated_at = clock_.now();
        UJ_TRY(store::update_rate(c, r));
        return r;
    });
}

Status BillingService::delete_rate(const Principal& who, const RateId& id) {
    return db_.write([&](db::Connection& c) -> Status {
        UJ_TRY(editable_rate(c, who, id));
        return store::delete_rate(c, id);
    });
}

Result<std::shared_ptr<const SendTerms>> BillingService::send_terms(
    const identity::Account& account, std::optional<std::int64_t> epoch) {
    if (!epoch) {
        UJ_ASSIGN(epoch, db_.read([](db::Connection& c) { return db::settings_epoch(c); }));
    }
    if (auto cached = send_terms_.find(account.id.value, *epoch)) return std::move(*cached);
    auto terms = std::make_shared<SendTerms>();
    UJ_ASSIGN(auto subscribed, active_plan(account.id));
    if (subscribed) terms->plan_cap = subscribed->max_messages_per_day;
    UJ_ASSIGN(terms->prices, price_plan(account));
    std::shared_ptr<const SendTerms> shared = std::move(terms);
    send_terms_.keep(account.id.value, *epoch, shared);
    return shared;
}

Result<PricePlan> BillingService::price_plan(const AccountId& account_id) {
    UJ_ASSIGN(auto account, identity_.account_by_id(account_id));
    return price_plan(account);
}

Result<PricePlan> BillingService::price_plan(const identity::Account& account) {
    PricePlan plan{account.id, std::nullopt, {}, options_.currency};
    std::optional<identity::Account> parent;
    if (account.parent_id) {
        auto p = identity_.account_by_id(*account.parent_id);
        if (p && p->type == AccountType::kReseller) parent = std::move(*p);
    }
    UJ_TRY(db_.read([&](db::Connection& c) -> Status {
        UJ_ASSIGN(plan.chain.base, store::card_of(c, std::nullopt));
        if (account.type == AccountType::kPlatform) return {};
        if (parent) {
            plan.reseller = parent->id;
            UJ_ASSIGN(auto reseller_card, store::card_of(c, parent->id));
            plan.chain.cards.push_back(std::move(reseller_card));
        }
        UJ_ASSIGN(auto own, store::card_of(c, account.id));
        plan.chain.cards.push_back(std::move(own));
        return {};
    }));
    return plan;
}

Result<MessagePrice> BillingService::price_of(const PricePlan& plan, const std::string& channel,
                                              const std::string& e164, const std::string& country,
                                              int segments) const {
    // Mail has no number: only the cards' one email line prices it (a digit
    // prefix never matches an address).
    static const std::string kNone;
    const bool mail = channel == "email";
    const auto per_segment =
        prices_per_segment(plan.chain, channel, mail ? kNone : e164, mail ? kNone : country);
    if (!per_segment) return amount_out_of_range("price", kMaxPrice);
    MessagePrice p;
    p.channel = channel;
    p.country = country;
    UJ_ASSIGN(p.cost, checked(checked_mul(per_segment->front(), segments), "price", kMaxPrice));
    UJ_ASSIGN(p.price, checked(checked_mul(per_segment->back(), segments), "price", kMaxPrice));
    if (plan.reseller && per_segment->size() >= 3) {
        UJ_ASSIGN(p.parent_price,
                  checked(checked_mul((*per_segment)[1], segments), "price", kMaxPrice));
    }
    return p;
}

Status BillingService::charge(db::Connection& c, const PricePlan& plan,
                              std::vector<ChargeLine>& lines, const std::optional<UserId>& actor) {
    const Micros now = clock_.now();
    std::int64_t priced = 0;
    for (const auto& l : lines) priced += l.price.price > 0 ? 1 : 0;
    if (priced > 0) {
        UJ_ASSIGN(auto included, store::use_included(c, plan.account, priced, now));
        for (auto& l : lines) {
            if (included == 0) break;
            if (l.price.price == 0) continue;
            l.price.price = 0;
            --included;
        }
    }
    auto debit = [&](const AccountId& payer, bool reseller, const char* whose) -> Status {
        Micros6 total = 0;
        // Past what any wallet may hold and owe, no wallet can pay it: kept
        // there, the debit below is refused without overflowing.
        constexpr Micros6 kUnpayable = kMaxBalance + kMaxAmount + 1;
        for (const auto& l : lines) {
            const auto sum = checked_add(total, reseller ? l.price.parent_price : l.price.price);
            total = sum && *sum < kUnpayable ? *sum : kUnpayable;
            if (total == kUnpayable) break;
        }
        if (total == 0) return {};
        UJ_TRY(store::ensure_wallet(c, payer, plan.currency, now));
        UJ_ASSIGN(auto left, store::move_balance(c, payer, plan.currency, -total, now));
        if (!left) {
            UJ_ASSIGN(auto w, store::find_wallet(c, payer, plan.currency));
            return insufficient(w ? w->balance : 0, total, w ? w->credit_limit : 0, plan.currency,
                                whose);
        }
        std::vector<LedgerEntry> entries;
        entries.reserve(lines.size());
        Micros6 balance = *left + total;
        for (const auto& l : lines) {
            const Micros6 amount = reseller ? l.price.parent_price : l.price.price;
            if (amount == 0) continue;
            balance -= amount;
            auto e = new_entry(payer, plan.currency, entry_type::kCharge, -amount, balance, now);
            e.message_id = l.message_id;
            e.channel = l.price.channel;
            e.country = l.price.country;
            e.actor_id = actor;
            e.description = reseller ? "Client message" : "Message";
            if (reseller) e.counterparty_id = plan.account;
            entries.push_back(std::move(e));
        }
        return store::insert_entries(c, entries);
    };
    UJ_TRY(debit(plan.account, false, "account"));
    if (plan.reseller) UJ_TRY(debit(*plan.reseller, true, "reseller"));
    return {};
}

Status BillingService::refund(db::Connection& c, const std::vector<MessageId>& message_ids,
                              const std::string& why) {
    if (message_ids.empty()) return {};
    UJ_ASSIGN(auto charges, store::charges_of(c, message_ids));
    const Micros now = clock_.now();
    for (const auto& charge : charges) {
        UJ_ASSIGN(bool done, store::refunded(c, charge.account_id, *charge.message_id));
        if (done) continue;  // a repeated receipt or failure
        const Micros6 amount = -charge.amount;
        // No ceiling: it gives back what was charged, which a wallet held.
        UJ_ASSIGN(auto balance, store::move_balance(c, charge.account_id, charge.currency, amount,
                                                    now, std::numeric_limits<Micros6>::max()));
        if (!balance) continue;  // the wallet is gone
        auto e = new_entry(charge.account_id, charge.currency, entry_type::kRefund, amount,
                           *balance, now);
        e.message_id = charge.message_id;
        e.counterparty_id = charge.counterparty_id;
        e.channel = charge.channel;
        e.country = charge.country;
        e.description = "Refund: message " + why;
        UJ_ASSIGN(bool inserted, store::insert_refund_once(c, e));
        if (!inserted)  // refunded before: take the credit back
            UJ_TRY(store::move_balance(c, charge.account_id, charge.currency, -amount, now));
    }
    return {};
}

Result<std::vector<std::pair<MessageId, Micros6>>> BillingService::gateway_costs(
    db::Connection& c, const GatewayId& gateway_id, const std::vector<CostQuery>& sent) {
    std::vector<std::pair<MessageId, Micros6>> out;
    UJ_ASSIGN(auto base, store::card_of(c, std::nullopt));
    const bool has_own = std::any_of(base.begin(), base.end(), [&](const Rate& r) {
        return r.gateway_id && *r.gateway_id == gateway_id;
    });
    if (!has_own) return out;  // costs stand as priced at acceptance
    for (const auto& q : sent) {
        const auto country = formats::describe_phone(q.to, "").country;
        const Rate* line = best_rate(base, q.channel, q.to, country, gateway_id);
        if (!line || !line->gateway_id || !line->price) continue;
        // Past int64 (a line stored before prices had a bound): the cost priced
        // at acceptance stands.
        if (auto cost = checked_mul(*line->price, q.segments))
            out.emplace_back(q.message_id, *cost);
    }
    return out;
}

Status BillingService::finished(db::Connection& c, const std::vector<MessageId>& message_ids,
                                const std::string& status) {
    if (!refunds_status(status)) return {};
    return refund(c, message_ids, status);
}

bool BillingService::refunds_status(const std::string& status) const {
    // Canceled: a scheduled message, charged at acceptance and never sent.
    if (status == "failed" || status == "rejected" || status == "canceled") return true;
    return options_.refund_undelivered && (status == "undelivered" || status == "expired");
}

}  // namespace ujumbe::billing
