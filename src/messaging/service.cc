#include "messaging/service.h"

#include <map>
#include <unordered_map>

#include "core/ids.h"
#include "core/utf8.h"
#include "core/validate.h"
#include "formats/phone.h"
#include "formats/sender_id.h"
#include "formats/sms_encoding.h"
#include "messaging/store.h"

namespace ujumbe::messaging {

namespace {

constexpr Micros kMicrosPerDay = 86'400 * kMicrosPerSecond;

Error daily_cap_error(const std::string& whose, std::int64_t cap, Micros now) {
    Error e = Error::rate_limited(
        static_cast<int>((kMicrosPerDay - now % kMicrosPerDay) / kMicrosPerSecond) + 1);
    e.error_code = "DAILY_LIMIT_REACHED";
    e.message =
        "The " + whose + "'s daily message limit (" + std::to_string(cap) + ") would be exceeded.";
    e.details = {{"limit", cap}, {"scope", whose}};
    return e;
}

Error sender_not_found() {
    return Error::not_found("Sender ID");
}

}  // namespace

MessagingService::MessagingService(db::Database& db, Clock& clock,
                                   identity::IdentityService& identity,
                                   contacts::ContactsService& contacts, Committer& committer,
                                   MessagingOptions options, MessagingPorts ports)
    : db_(db),
      clock_(clock),
      identity_(identity),
      contacts_(contacts),
      committer_(committer),
      options_(std::move(options)),
      dispatch_(ports.dispatch),
      billing_(ports.billing) {}

Result<Message> MessagingService::send(const Principal& who, const SendRequest& request) {
    UJ_ASSIGN(auto result, send_bulk(who, {request}));
    auto& outcome = result.outcomes.front();
    if (outcome.message) return std::move(*outcome.message);
    Error e = Error::invalid(
        outcome.error_code == "INVALID_SENDER_ID" || outcome.error_code == "SENDER_ID_NOT_APPROVED"
            ? "sender_id"
        : outcome.error_code == "INVALID_BODY" ? "body"
                                               : "to",
        outcome.error_message);
    e.error_code = *outcome.error_code;
    if (e.error_code == "RECIPIENT_OPTED_OUT" || e.error_code == "SENDER_ID_NOT_APPROVED")
        e.code = ErrorCode::kFailedPrecondition;
    return e;
}

Result<BulkResult> MessagingService::send_bulk(const Principal& who,
                                               const std::vector<SendRequest>& requests) {
    UJ_ASSIGN(auto profile, identity_.send_profile(who));
    const auto& account = profile.account;
    const std::string country =
        account.default_country.empty() ? account.country : account.default_country;
    const Micros now = clock_.now();

    BulkResult result;
    result.outcomes.resize(requests.size());
    std::vector<Message> messages;
    std::vector<std::size_t> owners;     // outcome index of each message
    std::vector<std::string> countries;  // destination country of each message
    messages.reserve(requests.size());
    // Sender approval per (sender, destination country), read once per call.
    std::map<std::pair<std::string, std::string>, bool> approved;
    std::unordered_map<std::string, std::string> country_of;

    auto reject = [&](std::size_t i, std::string code, std::string message) {
        result.outcomes[i].error_code = std::move(code);
        result.outcomes[i].error_message = std::move(message);
    };

    UJ_TRY(db_.read([&](db::Connection& c) -> Status {
        for (std::size_t i = 0; i < requests.size(); ++i) {
            const auto& r = requests[i];
            result.outcomes[i].to = r.to;
            std::string problem;
            auto details = formats::describe_phone(r.to, country);
            if (!details.valid) {
                reject(i, "INVALID_NUMBER", "Not a valid phone number.");
                continue;
            }
            if (r.body.empty() || !decode_utf8(r.body) ||
                utf8_length(r.body) > options_.max_body_chars) {
                reject(i, "INVALID_BODY",
                       "The body must be 1 to " + std::to_string(options_.max_body_chars) +
                           " characters of UTF-8 text.");
                continue;
            }
            std::string sender = options_.default_sender_id;
            if (r.sender_id && *r.sender_id != options_.default_sender_id) {
                auto parsed = formats::parse_sender_id(*r.sender_id, &problem);
                if (!parsed) {
                    reject(i, "INVALID_SENDER_ID", problem);
                    continue;
                }
                sender = parsed->value;
                auto key = std::make_pair(sender, details.country);
                auto it = approved.find(key);
                if (it == approved.end()) {
                    UJ_ASSIGN(bool ok,
                              store::sender_approved(c, account.id, sender, details.country));
                    it = approved.emplace(key, ok).first;
                }
                if (!it->second) {
                    reject(i, "SENDER_ID_NOT_APPROVED",
                           "The sender id " + sender + " is not approved for " +
                               (details.country.empty() ? "this country" : details.country) + ".");
                    continue;
                }
            }
            auto counted = formats::count_segments(r.body);
            Message m;
            m.id = new_uuid_v7(now);
            m.account_id = account.id;
            m.user_id = who.user_id.value;
            if (who.api_key_id) m.api_key_id = who.api_key_id->value;
            m.to = details.e164;
            m.sender = sender;
            m.body = r.body;
            m.encoding = formats::encoding_name(counted->encoding);
            m.segments = static_cast<int>(counted->segments);
            const bool later = r.send_at && *r.send_at > now + kMicrosPerSecond;
            m.status = later ? status::kScheduled : status::kQueued;
            m.send_at = r.send_at;
            m.transactional = r.transactional;
            m.client_ref = r.client_ref;
            m.callback_url = r.callback_url;
            m.created_at = m.updated_at = now;
            messages.push_back(std::move(m));
            owners.push_back(i);
            countries.push_back(details.country);
        }
        // Consent: opted-out recipients of non-transactional messages.
        std::vector<std::string> numbers;
        for (const auto& m : messages)
            if (!m.transactional) numbers.push_back(m.to);
        if (numbers.empty()) return {};
        UJ_ASSIGN(auto opted_out, contacts_.opted_out(c, account.id, numbers));
        if (opted_out.empty()) return {};
        std::vector<Message> kept;
        std::vector<std::size_t> kept_owners;
        std::vector<std::string> kept_countries;
        for (std::size_t k = 0; k < messages.size(); ++k) {
            if (!messages[k].transactional && opted_out.count(messages[k].to)) {
                reject(owners[k], "RECIPIENT_OPTED_OUT",
                       "The recipient opted out; only transactional messages may be sent.");
                continue;
            }
            kept.push_back(std::move(messages[k]));
            kept_owners.push_back(owners[k]);
            kept_countries.push_back(std::move(countries[k]));
        }
        messages.swap(kept);
        owners.swap(kept_owners);
        countries.swap(kept_countries);
        return {};
    }));

    if (!messages.empty()) {
        const std::int64_t day = now / kMicrosPerDay;
        const auto n = static_cast<std::int64_t>(messages.size());
        std::vector<std::pair<std::string, Micros>> now_due, later_due;
        for (const auto& m : messages) {
            if (m.status == status::kScheduled)
                later_due.emplace_back(m.id, *m.send_at);
            else
                now_due.emplace_back(m.id, now);
        }
        // Prices: read the cards once, price each message (charged in the commit).
        std::optional<billing::PricePlan> plan;
        std::optional<std::int64_t> plan_cap;
        std::vector<billing::ChargeLine> lines;
        if (billing_) {
            UJ_ASSIGN(auto subscribed, billing_->active_plan(account.id));
            if (subscribed) plan_cap = subscribed->max_messages_per_day;
            UJ_ASSIGN(plan, billing_->price_plan(account));
            lines.reserve(messages.size());
            for (std::size_t k = 0; k < messages.size(); ++k) {
                auto& m = messages[k];
                UJ_ASSIGN(auto p,
                          billing_->price_of(*plan, m.channel, m.to, countries[k], m.segments));
                m.currency = plan->currency;
                m.price = p.price;
                m.cost = p.cost;
                lines.push_back({m.id, p});
            }
        }
        std::optional<Dispatch::Lease> lease;
        if (dispatch_ && !now_due.empty()) lease = dispatch_->reserve(now_due.size());
        auto committed = committer_.run([&](db::Connection& c) -> Status {
            UJ_ASSIGN(auto totals,
                      store::add_day_counts(c, account.id.value, who.user_id.value, day, n));
            if (account.max_messages_per_day && totals.first > *account.max_messages_per_day)
                return daily_cap_error("account", *account.max_messages_per_day, now);
            if (plan_cap && totals.first > *plan_cap)
                return daily_cap_error("plan", *plan_cap, now);
            if (profile.user_max_messages_per_day &&
                totals.second > *profile.user_max_messages_per_day)
                return daily_cap_error("user", *profile.user_max_messages_per_day, now);
            if (plan) {
                UJ_TRY(billing_->charge(c, *plan, lines, who.user_id.value));
                // Messages included in the plan were charged nothing.
                for (std::size_t k = 0; k < messages.size(); ++k)
                    messages[k].price = lines[k].price.price;
            }
            std::vector<const Message*> rows;
            std::vector<store::EventRow> events;
            rows.reserve(messages.size());
            for (const auto& m : messages) {
                rows.push_back(&m);
                events.push_back(
                    {m.account_id.value, m.id, "message." + m.status, m.status, std::nullopt, now});
            }
            UJ_TRY(store::insert_messages(c, rows));
            UJ_TRY(store::enqueue(c, now_due, lease ? lease->owner : "", lease ? lease->until : 0));
            UJ_TRY(store::enqueue(c, later_due));
            return store::insert_events(c, events);
        });
        if (!committed) {
            if (lease) dispatch_->unreserve(now_due.size());
            return std::move(committed).error();
        }
        if (dispatch_) {
            if (lease) {
                std::vector<Message> handed;
                handed.reserve(now_due.size());
                for (const auto& m : messages)
                    if (m.status != status::kScheduled) handed.push_back(m);
                dispatch_->adopt(std::move(handed));
            }
            if (!lease || !later_due.empty()) dispatch_->wake();
        }
    }
    for (std::size_t k = 0; k < messages.size(); ++k)
        result.outcomes[owners[k]].message = std::move(messages[k]);
    for (const auto& o : result.outcomes) (o.message ? result.accepted : result.rejected) += 1;
    return result;
}

Result<db::Listing<Message>> MessagingService::list(const Principal& who, const MessageQuery& q,
                                                    db::Paged page) {
    return db_.read(
        [&](db::Connection& c) { return store::list_messages(c, who.account_id, q, page); });
}

Result<MessageDetail> MessagingService::get(const Principal& who, const std::string& id) {
    return db_.read([&](db::Connection& c) -> Result<MessageDetail> {
        UJ_ASSIGN(auto found, store::find_message(c, who.account_id, id));
        if (!found) return Error::not_found("Message");
        MessageDetail d{std::move(*found), {}, {}};
        UJ_ASSIGN(d.parts, store::parts_of(c, id));
        UJ_ASSIGN(d.events, store::events_of(c, id));
        return d;
    });
}

Result<std::vector<Receipt>> MessagingService::receipts(const Principal& who,
                                                        const std::string& id) {
    return db_.read([&](db::Connection& c) -> Result<std::vector<Receipt>> {
        UJ_ASSIGN(auto found, store::find_message(c, who.account_id, id));
        if (!found) return Error::not_found("Message");
        return store::receipts_of(c, id);
    });
}

Result<MessageStats> MessagingService::stats(const Principal& who, const MessageQuery& q) {
    return db_.read([&](db::Connection& c) { return store::stats(c, who.account_id, q); });
}

Result<Message> MessagingService::cancel(const Principal& who, const std::string& id) {
    Message out;
    UJ_TRY(committer_.run([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto found, store::find_message(c, who.account_id, id));
        if (!found) return Error::not_found("Message");
        if (found->status != status::kScheduled)
            return Error::invalid_status(found->status, {status::kScheduled});
        const Micros now = clock_.now();
        UJ_TRY(store::dequeue(c, id));
        UJ_TRY(store::change_status(c, id, {.status = status::kCanceled, .done_at = now}, now));
        if (billing_) UJ_TRY(billing_->finished(c, {id}, status::kCanceled));
        UJ_TRY(store::insert_events(c, {{who.account_id.value, id, "message.canceled",
                                         status::kCanceled, std::nullopt, now}}));
        out = std::move(*found);
        out.status = status::kCanceled;
        out.done_at = out.updated_at = now;
        return {};
    }));
    return out;
}

Result<std::vector<NumberCheck>> MessagingService::validate_numbers(
    const Principal& who, const std::vector<std::string>& numbers,
    const std::optional<std::string>& country) {
    std::string default_country;
    if (country) {
        default_country = *country;
    } else {
        UJ_ASSIGN(default_country, contacts_.phone_country(who));
    }
    std::vector<NumberCheck> out;
    for (const auto& n : numbers) {
        NumberCheck check{.input = n};
        auto d = formats::describe_phone(n, default_country);
        check.valid = d.valid;
        if (d.valid) {
            check.e164 = d.e164;
            check.country = d.country;
            check.type = d.type;
        } else {
            std::string problem;
            formats::normalize_phone(n, default_country, &problem);
            check.problem = problem.empty() ? "Not a valid phone number." : problem;
        }
        out.push_back(std::move(check));
    }
    return out;
}

Result<Quote> MessagingService::quote(const Principal& who, const std::string& to,
                                      const std::string& body) {
    UJ_ASSIGN(auto country, contacts_.phone_country(who));
    auto details = formats::describe_phone(to, country);
    if (!details.valid) {
        Error e = Error::invalid("to", "Not a valid phone number.");
        e.error_code = "INVALID_NUMBER";
        return e;
    }
    auto counted = formats::count_segments(body);
    if (!counted) return Error::invalid("body", "Must be UTF-8 text.");
    Quote q{.to = details.e164,
            .country = details.country,
            .encoding = formats::encoding_name(counted->encoding),
            .segments = static_cast<int>(counted->segments)};
    if (!billing_) return q;
    UJ_ASSIGN(auto plan, billing_->price_plan(who.account_id));
    UJ_ASSIGN(auto one, billing_->price_of(plan, "sms", q.to, q.country, 1));
    q.price_per_segment = one.price;
    UJ_ASSIGN(q.price, checked(checked_mul(one.price, q.segments), "price", kMaxPrice));
    q.currency = plan.currency;
    return q;
}

// ---- sender ids

Result<SenderIdRecord> MessagingService::register_sender_id(const Principal& who,
                                                            const SenderIdInput& in) {
    UJ_ASSIGN(auto all, register_sender_ids(who, {in}));
    auto& [record, error] = all.front();
    if (error) return std::move(*error);
    return std::move(*record);
}

Result<std::vector<std::pair<std::optional<SenderIdRecord>, std::optional<Error>>>>
MessagingService::register_sender_ids(const Principal& who, const std::vector<SenderIdInput>& in) {
    if (!who.can_manage()) return Error::forbidden("Only an owner or admin registers sender ids.");
    std::vector<std::pair<std::optional<SenderIdRecord>, std::optional<Error>>> out;
    const auto& regions = formats::supported_regions();
    const Micros now = clock_.now();
    for (const auto& item : in) {
        std::string problem;
        auto parsed = formats::parse_sender_id(item.sender, &problem);
        if (!parsed) {
            out.emplace_back(std::nullopt, Error::invalid("sender_id", problem));
            continue;
        }
        const bool known = item.country == "ZZ" || std::any_of(regions.begin(), regions.end(),
                                                               [&](const formats::Region& r) {
                                                                   return r.code == item.country;
                                                               });
        if (!known) {
            out.emplace_back(std::nullopt, Error::invalid("country",
                                                          "Not a supported country (see "
                                                          "GET /sender-ids/countries)."));
            continue;
        }
        SenderIdRecord s{
            .id = new_uuid_v7(now),
            .account_id = who.account_id,
            .sender = parsed->value,
            .kind = parsed->kind == formats::SenderKind::kNumeric ? "numeric" : "alphanumeric",
            .country = item.country,
            .status = "pending",
            .purpose = item.purpose,
            .created_at = now,
            .updated_at = now};
        auto stored = db_.write([&](db::Connection& c) { return store::insert_sender_id(c, s); });
        if (!stored && stored.error().error_code == "UNIQUE_VIOLATION") {
            out.emplace_back(
                std::nullopt,
                Error::conflict("SENDER_ID_EXISTS",
                                "This sender id is already registered for " + item.country + "."));
            continue;
        }
        UJ_TRY(stored);
        out.emplace_back(std::move(s), std::nullopt);
    }
    return out;
}

Result<db::Listing<SenderIdRecord>> MessagingService::list_sender_ids(
    const Principal& who, const std::optional<std::string>& status,
    const std::optional<std::string>& country, const std::optional<std::string>& search,
    db::Paged page) {
    store::SenderIdQuery q{who.is_platform_admin() ? "" : who.account_id.value, status, country,
                           search};
    return db_.read([&](db::Connection& c) { return store::list_sender_ids(c, q, page); });
}

Result<SenderIdRecord> MessagingService::get_sender_id(const Principal& who,
                                                       const std::string& id) {
    const std::string scope = who.is_platform_admin() ? "" : who.account_id.value;
    UJ_ASSIGN(auto found,
              db_.read([&](db::Connection& c) { return store::find_sender_id(c, scope, id); }));
    if (!found) return sender_not_found();
    return std::move(*found);
}

Status MessagingService::delete_sender_id(const Principal& who, const std::string& id) {
    if (!who.can_manage()) return Error::forbidden("Only an owner or admin removes sender ids.");
    return db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto found, store::find_sender_id(c, who.account_id.value, id));
        if (!found) return sender_not_found();
        return store::delete_sender_id(c, id);
    });
}

Result<SenderIdRecord> MessagingService::decide_sender_id(
    const Principal& who, const std::string& id, bool approve,
    const std::optional<std::string>& reason) {
    if (!who.is_platform_admin())
        return Error::forbidden("Only the platform admin approves sender ids.");
    return db_.write([&](db::Connection& c) -> Result<SenderIdRecord> {
        UJ_ASSIGN(auto found, store::find_sender_id(c, "", id));
        if (!found) return sender_not_found();
        if (found->status != "pending") return Error::invalid_status(found->status, {"pending"});
        const Micros now = clock_.now();
        found->status = approve ? "approved" : "rejected";
        found->reason = reason;
        found->decided_at = now;
        found->updated_at = now;
        UJ_TRY(store::update_sender_id(c, *found));
        return std::move(*found);
    });
}

}  // namespace ujumbe::messaging
