#include "messaging/service.h"

#include <map>

#include "core/ids.h"
#include "core/validate.h"
#include "formats/phone.h"
#include "formats/sender_id.h"
#include "formats/sms_encoding.h"
#include "messaging/rollups.h"
#include "messaging/store.h"

namespace ujumbe::messaging {

namespace {

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
      contacts_(contacts),
      committer_(committer),
      options_(std::move(options)),
      billing_(ports.billing),
      accept_(db, clock, identity, contacts, committer,
              {.default_sender_id = options_.default_sender_id,
               .max_body_chars = options_.max_body_chars},
              ports) {}

Result<Message> MessagingService::send(const Principal& who, const SendRequest& request) {
    UJ_ASSIGN(auto result, accept_.run(who, {request}));
    auto& outcome = result.outcomes.front();
    if (outcome.message) return std::move(*outcome.message);
    return std::move(*outcome.error);
}

Result<BulkResult> MessagingService::send_bulk(const Principal& who,
                                               const std::vector<SendRequest>& requests,
                                               const AlsoInCommit& also) {
    return accept_.run(who, requests, also);
}

MessageQuery MessagingService::bounded(MessageQuery q) const {
    if (q.search && !q.from) q.from = clock_.now() - kSearchDays * 86'400 * kMicrosPerSecond;
    return q;
}

Result<db::WindowListing<Message>> MessagingService::list(const Principal& who,
                                                          const MessageQuery& q,
                                                          const db::Window& window) {
    return db_.read([&](db::Connection& c) {
        return store::list_messages(c, who.account_id, bounded(q), window);
    });
}

Result<db::WindowListing<Message>> MessagingService::export_page(const Principal& who,
                                                                 const MessageQuery& q,
                                                                 const db::Window& window) {
    return db_.read([&](db::Connection& c) {
        return store::messages_in_window(c, who.account_id, bounded(q), window);
    });
}

Result<MessageDetail> MessagingService::get(const Principal& who, const MessageId& id) {
    return db_.read([&](db::Connection& c) -> Result<MessageDetail> {
        UJ_ASSIGN(auto found, store::find_message(c, who.account_id, id));
        if (!found) return Error::not_found("Message");
        MessageDetail d{std::move(*found), {}, {}};
        UJ_ASSIGN(d.parts, store::parts_of(c, id));
        UJ_ASSIGN(d.events, store::events_of(c, id));
        return d;
    });
}

Result<std::vector<Receipt>> MessagingService::receipts(const Principal& who, const MessageId& id) {
    return db_.read([&](db::Connection& c) -> Result<std::vector<Receipt>> {
        UJ_ASSIGN(auto found, store::find_message(c, who.account_id, id));
        if (!found) return Error::not_found("Message");
        return store::receipts_of(c, id);
    });
}

Result<MessageStats> MessagingService::stats(const Principal& who, const MessageQuery& q) {
    return db_.read([&](db::Connection& c) { return store::stats(c, who.account_id, bounded(q)); });
}

Result<std::vector<DailyCount>> MessagingService::daily_counts(const Principal& who,
                                                               std::int64_t first_day,
                                                               std::int64_t past_day) {
    return db_.read([&](db::Connection& c) {
        return store::daily_counts(c, who.account_id, first_day, past_day);
    });
}

Result<std::vector<DailyUsage>> MessagingService::daily_usage(const Principal& who,
                                                              std::int64_t first_day,
                                                              std::int64_t past_day) {
    return db_.read([&](db::Connection& c) {
        return store::daily_usage(c, who.account_id, first_day, past_day);
    });
}

Result<std::vector<DeliveryRow>> MessagingService::delivery_rows(
    const Principal& who, Micros from, Micros until,
    const std::optional<std::pair<Micros, MessageId>>& after, int limit) {
    return db_.read([&](db::Connection& c) {
        return store::delivery_rows(c, who.account_id, from, until, after, limit);
    });
}

Result<std::vector<BacklogCount>> MessagingService::backlog(const Principal& who) {
    if (!who.is_platform_admin())
        return Error::forbidden("Only the platform admin sees every account's backlog.");
    return db_.read([&](db::Connection& c) { return store::backlog(c, clock_.now()); });
}

Result<QueueDepth> MessagingService::queue_depth() {
    return db_.read([&](db::Connection& c) { return store::queue_depth(c, clock_.now()); });
}

Result<Message> MessagingService::cancel(const Principal& who, const MessageId& id) {
    Message out;
    UJ_TRY(committer_.run([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto found, store::find_message(c, who.account_id, id));
        if (!found) return Error::not_found("Message");
        if (!may_change(found->status, status::kCanceled)) {
            std::vector<std::string> allowed;
            for (auto s : statuses_before(status::kCanceled)) allowed.emplace_back(status_name(s));
            return Error::invalid_status(std::string(status_name(found->status)),
                                         std::move(allowed));
        }
        const Micros now = clock_.now();
        UJ_TRY(store::dequeue(c, id));
        UJ_TRY(store::change_status(c, id, {.status = status::kCanceled, .done_at = now}, now));
        if (billing_)
            UJ_TRY(billing_->finished(c, {id}, std::string(status_name(status::kCanceled))));
        UJ_TRY(store::insert_events(c, {{who.account_id, id, event_type(status::kCanceled),
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
            .id = SenderIdRecordId{new_uuid_v7(now)},
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
    store::SenderIdQuery q{who.visible_accounts(), status, country, search};
    return db_.read([&](db::Connection& c) { return store::list_sender_ids(c, q, page); });
}

Result<SenderIdRecord> MessagingService::get_sender_id(const Principal& who,
                                                       const SenderIdRecordId& id) {
    UJ_ASSIGN(auto found, db_.read([&](db::Connection& c) {
        return store::find_sender_id(c, who.visible_accounts(), id);
    }));
    if (!found) return sender_not_found();
    return std::move(*found);
}

Status MessagingService::delete_sender_id(const Principal& who, const SenderIdRecordId& id) {
    if (!who.can_manage()) return Error::forbidden("Only an owner or admin removes sender ids.");
    return db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto found, store::find_sender_id(c, AccountScope::only(who.account_id), id));
        if (!found) return sender_not_found();
        return store::delete_sender_id(c, id);
    });
}

Result<SenderIdRecord> MessagingService::decide_sender_id(
    const Principal& who, const SenderIdRecordId& id, bool approve,
    const std::optional<std::string>& reason) {
    if (!who.is_platform_admin())
        return Error::forbidden("Only the platform admin approves sender ids.");
    return db_.write([&](db::Connection& c) -> Result<SenderIdRecord> {
        UJ_ASSIGN(auto found, store::find_sender_id(c, AccountScope::all(), id));
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

Result<std::vector<Message>> MessagingService::messages_by_ids(const Principal& who,
                                                               const std::vector<MessageId>& ids) {
    UJ_ASSIGN(auto found,
              db_.read([&](db::Connection& c) { return store::messages_by_ids(c, ids); }));
    std::erase_if(found, [&](const Message& m) { return m.account_id != who.account_id; });
    return found;
}

Result<std::vector<CampaignTally>> MessagingService::campaign_tally(const CampaignId& id) {
    return db_.read([&](db::Connection& c) { return store::campaign_tally(c, id); });
}

Result<CampaignReport> MessagingService::campaign_report(const CampaignId& id) {
    UJ_ASSIGN(auto report,
              db_.read([&](db::Connection& c) { return store::campaign_report(c, id); }));
    // The store groups by number prefix; prefixes of one country add up.
    std::map<std::string, CampaignReport::Country> by_country;
    for (const auto& p : report.countries) {
        auto& sum = by_country[formats::describe_phone(p.country, "").country];
        sum.messages += p.messages;
        sum.delivered += p.delivered;
        sum.failed += p.failed;
    }
    report.countries.clear();
    for (auto& [country, sum] : by_country) {
        sum.country = country;
        report.countries.push_back(sum);
    }
    std::stable_sort(report.countries.begin(), report.countries.end(),
                     [](const auto& a, const auto& b) { return a.messages > b.messages; });
    return report;
}

Result<std::int64_t> MessagingService::campaign_waiting(const CampaignId& id) {
    return db_.read([&](db::Connection& c) { return store::campaign_waiting(c, id); });
}

Result<std::vector<Message>> MessagingService::messages_for_events(
    db::Connection& c, const std::vector<MessageId>& ids) {
    return store::messages_by_ids(c, ids);
}

}  // namespace ujumbe::messaging
