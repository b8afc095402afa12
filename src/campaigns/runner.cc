#include "campaigns/runner.h"

#include <algorithm>
#include <unordered_map>

#include "campaigns/audience.h"
#include "campaigns/estimate.h"
#include "campaigns/lifecycle.h"
#include "campaigns/schedule.h"
#include "campaigns/service.h"
#include "campaigns/store.h"
#include "campaigns/whatsapp_message.h"
#include "core/ids.h"
#include "core/log.h"
#include "formats/phone.h"

namespace ujumbe::campaigns {

namespace {

using messaging::MessageStatus;

// The time one campaign may send for before the next one's turn.
constexpr Micros kSlice = 200 * 1000;
// Final campaigns are counted at every count for this long, then this
// often (late receipts still come in).
constexpr Micros kFinalCountAll = 10 * 60 * kMicrosPerSecond;
constexpr Micros kFinalCountEvery = 60 * kMicrosPerSecond;
// A list this long has its statistics taken once written (PostgreSQL).
constexpr std::int64_t kAnalyzeAfter = 10'000;

// Whom the campaign sends as: the member who started it.
Principal sender_of(const Campaign& k) {
    Principal who;
    who.account_id = k.account_id;
    if (k.run_by)
        who.user_id = *k.run_by;
    else if (k.created_by)
        who.user_id = *k.created_by;
    return who;
}

bool reached_gateway(MessageStatus s) {
    return s == MessageStatus::kSent || messaging::reached(s) || s == MessageStatus::kUndelivered ||
           s == MessageStatus::kExpired || s == MessageStatus::kRejected;
}

bool failed_status(MessageStatus s) {
    return s == MessageStatus::kFailed || s == MessageStatus::kUndelivered ||
           s == MessageStatus::kExpired || s == MessageStatus::kRejected;
}

std::int64_t capped(MoneySum v) {
    return static_cast<std::int64_t>(
        std::min<MoneySum>(v, std::numeric_limits<std::int64_t>::max()));
}

}  // namespace

Runner::Runner(db::Database& db, Clock& clock, contacts::ContactsService& contacts,
               messaging::MessagingService& messaging, billing::BillingService* billing,
               RunnerOptions options, billing::PlanRenewals* renewals)
    : db_(db),
      clock_(clock),
      contacts_(contacts),
      messaging_(messaging),
      billing_(billing),
      options_(std::move(options)),
      renewals_(renewals) {}

void Runner::start() {
    loop_.start("campaigns", options_.poll, std::chrono::milliseconds(5), [this] { round(); });
}

void Runner::round() {
    auto status = [&]() -> Status {
        UJ_TRY(start_due());
        UJ_TRY(start_runs());
        UJ_ASSIGN(auto working,
                  db_.read([](db::Connection& c) { return store::working_campaigns(c, 100); }));
        bool more = false;
        for (auto& k : working) {
            if (loop_.stopping()) return {};
            // A lease is renewed when half of it is gone, not at every round.
            const Micros now = clock_.now();
            auto& until = leased_until_[k.id.value];
            if (until - now < options_.lease / 2) {
                UJ_ASSIGN(auto leased, db_.write([&](db::Connection& c) {
                    return store::lease_campaign(c, k.id, options_.node_id, now,
                                                 now + options_.lease);
                }));
                if (!leased) {
                    leased_until_.erase(k.id.value);
                    continue;
                }
                until = now + options_.lease;
            }
            auto worked = work(k);
            if (!worked) {
                if (is_database_fault(worked.error())) return std::move(worked).error();
                log::warn("campaign round failed",
                          {{"campaign_id", k.id.value}, {"error", worked.error().message}});
                continue;
            }
            more = more || *worked != Next::kLater;
        }
        UJ_ASSIGN(bool more_fallbacks, send_fallbacks());
        more = more || more_fallbacks;
        if (clock_.now() - counted_at_ >= options_.count_every) UJ_TRY(count());
        if (renewals_ && clock_.now() - renewed_at_ >= options_.renew_every) {
            renewed_at_ = clock_.now();
            UJ_TRY(renewals_->run());
        }
        if (more) loop_.wake();
        return {};
    }();
    if (!status) log::warn("campaign runner round failed", {{"error", status.error().message}});
}

Status Runner::start_due() {
    const Micros now = clock_.now();
    UJ_ASSIGN(auto due,
              db_.read([&](db::Connection& c) { return store::due_campaigns(c, now, 100); }));
    for (auto& k : due) {
        k.status = CampaignStatus::kRunning;
        k.started_at = now;
        k.updated_at = now;
        UJ_TRY(db_.write([&](db::Connection& c) {
            return store::set_status(c, k, CampaignStatus::kScheduled);
        }));
        log::info("scheduled campaign started", {{"campaign_id", k.id.value}});
    }
    return {};
}

Status Runner::start_runs() {
    const Micros now = clock_.now();
    UJ_ASSIGN(auto due, db_.read([&](db::Connection& c) { return store::due_runs(c, now, 100); }));
    for (auto& parent : due) {
        const auto zone = parent.settings.text("timezone").value_or("UTC");
        const auto occurrence = *parent.next_run_at;
        // Occurrences missed while no node ran (a server down) start one
        // run now; the next is the first one after now.
        std::optional<Micros> next;
        if (auto recurrence = parse_recurrence(parent.recurring_schedule))
            next = next_occurrence(parent.settings.text("send_time").value_or(""), zone, now,
                                   *recurrence);
        Campaign run;
        run.id = CampaignId{new_uuid_v7(now)};
        run.account_id = parent.account_id;
        run.parent_id = parent.id;
        run.name = parent.name + " (" + local_date(occurrence, zone) + ")";
        run.description = parent.description;
        run.campaign_type = parent.campaign_type;
        run.message_text = parent.message_text;
        run.template_id = parent.template_id;
        run.whatsapp_template = parent.whatsapp_template;
        run.sender_id = parent.sender_id;
        run.status = CampaignStatus::kRunning;
        run.scheduled_at = occurrence;
        run.started_at = now;
        run.targets = parent.targets;
        run.settings = parent.settings;
        run.created_by = parent.created_by;
        run.created_by_name = parent.created_by_name;
        run.run_by = parent.run_by;
        run.created_at = run.updated_at = now;
        bool started = false;
        UJ_TRY(db_.write([&](db::Connection& c) -> Status {
            UJ_ASSIGN(auto moved, store::advance_run(c, parent.id, occurrence, next));
            if (!moved) return {};  // another node started this run
            UJ_TRY(store::insert_campaign(c, run));
            started = true;
            if (next) return {};
            parent.status = CampaignStatus::kCompleted;
            parent.completed_at = now;
            parent.next_run_at.reset();
            parent.updated_at = now;
            auto ended = store::set_status(c, parent, CampaignStatus::kScheduled);
            if (!ended) return std::move(ended).error();
            return {};
        }));
        if (started)
            log::info("recurring campaign run started",
                      {{"campaign_id", parent.id.value}, {"run_id", run.id.value}});
    }
    return {};
}

Result<Runner::Next> Runner::work(Campaign& k) {
    const Micros now = clock_.now();
    const bool retrying = k.status == CampaignStatus::kPaused;
    if (retrying) {
        if (k.paused_at && now - *k.paused_at > options_.balance_wait) {
            UJ_TRY(halt(k, CampaignStatus::kFailed, k.status_reason.value_or("PAUSED")));
            return Next::kLater;
        }
        auto& tried = tried_[k.id.value];
        if (now - tried < options_.retry) return Next::kLater;
        tried = now;
    }
    if (!k.phase || *k.phase != phase::kSending) {
        UJ_TRY(expand(k));
        if (k.status != CampaignStatus::kRunning && !retrying) return Next::kLater;
    }
    const Micros deadline = clock_.now() + kSlice;
    while (clock_.now() < deadline && !loop_.stopping()) {
        const auto before = k.status;
        UJ_ASSIGN(auto next, send_batch(k));
        if (retrying && before == CampaignStatus::kPaused && k.status == CampaignStatus::kPaused)
            return Next::kLater;  // still cannot send
        if (next != Next::kNow) return next;
    }
    return Next::kNow;
}

Status Runner::expand(Campaign& k) {
    const Principal who = sender_of(k);
    UJ_TRY(db_.write([&](db::Connection& c) -> Status {
        UJ_TRY(store::clear_recipients(c, k.id));
        return store::begin_expansion(c, k.id, clock_.now());
    }));
    auto audience = resolve_audience(contacts_, who, k.targets);
    if (!audience) {
        if (is_database_fault(audience.error())) return std::move(audience).error();
        return halt(k, CampaignStatus::kFailed, "TARGETS_INVALID");
    }
    auto text = db_.read([&](db::Connection& c) { return campaign_text(c, k); });
    if (!text) {
        if (is_database_fault(text.error())) return std::move(text).error();
        return halt(k, CampaignStatus::kFailed, "TEMPLATE_INVALID");
    }
    const std::string channel = k.first_channel();
    std::optional<std::string> footer;  // SMS's: mail carries its unsubscribe link
    if (k.settings.opt_out_footer() && channel == "sms") {
        UJ_ASSIGN(footer, db_.read([&](db::Connection& c) {
            return store::opt_out_footer(c, k.account_id);
        }));
    }
    // What is sent first decides the price (a mixed campaign's SMS only follows failures).
    Estimate cost(billing_, k.account_id, channel);
    Exclusions exclusions;
    std::int64_t seq = 0;
    Micros leased_at = clock_.now();
    std::vector<Recipient> rows;
    UJ_TRY(walk_audience(
        contacts_, who, *audience, options_.expand_page, exclusions,
        [&](std::vector<Candidate>& batch) -> Status {
            rows.clear();
            rows.reserve(batch.size());
            for (auto& cand : batch) {
                const auto r = compose(*text, cand.values, footer);
                if (!r.missing) UJ_TRY(cost.add(cand.address, r.text));
                rows.push_back({.seq = seq++,
                                .contact_id = std::move(cand.contact_id),
                                .phone = std::move(cand.address)});
            }
            const Micros now = clock_.now();
            const bool renew = now - leased_at > options_.lease / 4;
            UJ_TRY(db_.write([&](db::Connection& c) -> Status {
                UJ_TRY(store::insert_recipients(c, k.id, rows));
                UJ_TRY(store::set_expanded(c, k.id, seq));
                if (renew)
                    UJ_TRY(store::lease_campaign(c, k.id, options_.node_id, now,
                                                 now + options_.lease));
                return {};
            }));
            if (renew) leased_at = now;
            if (loop_.stopping()) return Error::unavailable("the server is stopping");
            return {};
        },
        channel));
    k.phase = phase::kSending;
    k.next_seq = 0;
    k.total_recipients = seq;
    k.exclusions = std::move(exclusions);
    k.estimated_cost = capped(cost.total());
    if (!cost.currency().empty()) k.currency = cost.currency();
    k.updated_at = clock_.now();
    UJ_TRY(db_.write([&](db::Connection& c) { return store::finish_expansion(c, k); }));
    if (seq >= kAnalyzeAfter) UJ_TRY(db_.write(store::refresh_statistics));
    log::info("campaign recipients written",
              {{"campaign_id", k.id.value}, {"recipients", k.total_recipients}});
    return {};
}

std::int64_t Runner::allowance(const Campaign& k) {
    const Micros second = clock_.now() / kMicrosPerSecond;
    const auto left = [&](const std::string& key, std::int64_t rate) -> std::int64_t {
        if (rate <= 0) return options_.batch;
        auto& bucket = buckets_[key];
        if (bucket.second != second) bucket = {second, 0};
        return std::max<std::int64_t>(0, rate - bucket.used);
    };
    return std::min(left(k.id.value, k.settings.messages_per_second()),
                    left("account:" + k.account_id.value, options_.account_per_second));
}

void Runner::spend(const Campaign& k, std::int64_t sent) {
    for (const auto& key : {k.id.value, "account:" + k.account_id.value})
        if (auto it = buckets_.find(key); it != buckets_.end()) it->second.used += sent;
}

Result<Runner::Next> Runner::send_batch(Campaign& k) {
    std::int64_t limit = std::min<std::int64_t>(options_.batch, allowance(k));
    if (limit <= 0) return Next::kLater;
    UJ_ASSIGN(auto waiting, messaging_.campaign_waiting(k.id));
    limit = std::min(limit, options_.waiting - waiting);
    if (limit <= 0) return Next::kSoon;
    UJ_ASSIGN(auto rows, db_.read([&](db::Connection& c) {
        return store::recipients_from(c, k.id, k.next_seq, static_cast<int>(limit));
    }));
    if (rows.empty()) {
        UJ_TRY(complete(k));
        return Next::kLater;
    }
    auto text = db_.read([&](db::Connection& c) { return campaign_text(c, k); });
    if (!text) {
        if (is_database_fault(text.error())) return std::move(text).error();
        UJ_TRY(halt(k, CampaignStatus::kFailed, "TEMPLATE_INVALID"));
        return Next::kLater;
    }
    std::optional<std::string> footer;
    if (k.settings.opt_out_footer()) {
        UJ_ASSIGN(footer, db_.read([&](db::Connection& c) {
            return store::opt_out_footer(c, k.account_id);
        }));
    }
    const Principal who = sender_of(k);
    UJ_ASSIGN(auto quiet,
              db_.read([&](db::Connection& c) { return store::quiet_hours(c, k.account_id); }));
    const Micros now = clock_.now();

    // whatsapp and mixed campaigns send their WhatsApp template first.
    const bool whatsapp_first = k.campaign_type == "whatsapp" || k.campaign_type == "mixed";
    // Mail is filled from its template by the accept path (messaging::SendTemplates).
    const bool email = k.campaign_type == "email";
    const bool personal = whatsapp_first ? whatsapp_template_has_variables(k.whatsapp_template)
                                         : !email && text->has_variables();
    // Each recipient's values, read now: personalisation uses what the
    // contact says at send time.
    std::unordered_map<std::string, contacts::Contact> contacts;
    if (personal) {
        std::vector<ContactId> ids;
        ids.reserve(rows.size());
        for (const auto& r : rows) ids.push_back(r.contact_id);
        UJ_ASSIGN(auto found, contacts_.contacts_by_ids(who, ids));
        for (auto& c : found) contacts.emplace(c.id.value, std::move(c));
    }
    std::vector<messaging::SendRequest> requests;
    std::vector<std::size_t> row_of;  // each request's row
    std::vector<std::pair<std::int64_t, std::string>> reasons;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& row = rows[i];
        TemplateValues values;
        if (personal) {
            auto it = contacts.find(row.contact_id.value);
            if (it == contacts.end()) {
                reasons.emplace_back(row.seq, "CONTACT_DELETED");
                continue;
            }
            values = values_of(std::move(it->second));
        }
        values.phone = row.phone;  // the number in the frozen list
        messaging::SendRequest r;
        r.to = row.phone;
        r.campaign_id = k.id;
        if (email) {
            r.channel = "email";
            r.template_id = k.template_id;
        } else if (whatsapp_first) {
            auto rendered = render_whatsapp_template(k.whatsapp_template, values);
            if (rendered.missing) {
                reasons.emplace_back(row.seq, "MISSING_VARIABLE: " + *rendered.missing);
                continue;
            }
            r.channel = "whatsapp";
            r.content = {{"template", std::move(rendered.template_object)}};
        } else {
            auto composed = compose(*text, values, footer);
            if (composed.missing) {
                reasons.emplace_back(row.seq, "MISSING_VARIABLE: " + *composed.missing);
                continue;
            }
            r.body = std::move(composed.text);
            r.sender_id = k.sender_id;
        }
        if (quiet) {
            const auto& zone = zone_of_number(row.phone);
            if (!zone.empty()) r.send_at = quiet_until(*quiet, zone, now);
        }
        requests.push_back(std::move(r));
        row_of.push_back(i);
    }

    store::BatchDone done;
    done.from_seq = k.next_seq;
    done.to_seq = rows.back().seq + 1;
    bool recorded = false;
    const auto record = [&](db::Connection& c, const std::vector<messaging::Message>& sent,
                            const std::vector<std::size_t>& owners) -> Status {
        done.accepted.clear();
        done.skipped.clear();
        done.charged = 0;
        std::vector<bool> taken(rows.size(), false);
        for (std::size_t m = 0; m < sent.size(); ++m) {
            const auto i = row_of[owners[m]];
            taken[i] = true;
            done.accepted.emplace_back(rows[i].seq, sent[m].id);
            done.charged += sent[m].price.value_or(0);
        }
        for (std::size_t i = 0; i < rows.size(); ++i)
            if (!taken[i]) done.skipped.push_back(rows[i].seq);
        UJ_ASSIGN(auto moved, store::record_batch(c, k.id, done, clock_.now()));
        if (!moved) return Error::conflict("CAMPAIGN_MOVED", "Another node sent this batch.");
        // A mixed campaign owes an SMS to whoever WhatsApp refused.
        if (k.campaign_type == "mixed" && !done.skipped.empty())
            UJ_TRY(store::queue_fallbacks(c, k.id, done.skipped, "WHATSAPP_REFUSED", clock_.now()));
        recorded = true;
        return {};
    };
    if (!requests.empty()) {
        auto sent = messaging_.send_bulk(who, requests, record);
        if (!sent) {
            const Error& e = sent.error();
            if (is_database_fault(e)) return std::move(sent).error();
            if (e.error_code == "CAMPAIGN_MOVED") return Next::kLater;
            if (k.status == CampaignStatus::kRunning)
                UJ_TRY(halt(k, CampaignStatus::kPaused, e.error_code));
            return Next::kLater;
        }
        for (std::size_t j = 0; j < sent->outcomes.size(); ++j)
            if (const auto& o = sent->outcomes[j]; o.error)
                reasons.emplace_back(rows[row_of[j]].seq, o.error->error_code);
        spend(k, static_cast<std::int64_t>(requests.size()));
    }
    if (!recorded) {
        const std::vector<messaging::Message> none;
        UJ_TRY(db_.write([&](db::Connection& c) { return record(c, none, {}); }));
    }
    if (!reasons.empty())
        UJ_TRY(db_.write([&](db::Connection& c) { return store::set_reasons(c, k.id, reasons); }));
    k.next_seq = done.to_seq;
    if (k.status == CampaignStatus::kPaused) {
        // A paused campaign that could send again runs on.
        const auto was = k.status;
        k.status = CampaignStatus::kRunning;
        k.status_reason.reset();
        k.updated_at = clock_.now();
        UJ_TRY(db_.write([&](db::Connection& c) { return store::set_status(c, k, was); }));
        tried_.erase(k.id.value);
    }
    return Next::kNow;
}

const std::string& Runner::zone_of_number(const std::string& e164) {
    const std::string prefix = e164.substr(0, 7);
    auto it = zones_.find(prefix);
    if (it == zones_.end()) {
        const auto country = formats::describe_phone(e164, "").country;
        it = zones_.emplace(prefix, zone_of_country(country).value_or("")).first;
    }
    return it->second;
}

Status Runner::halt(Campaign& k, CampaignStatus to, const std::string& reason) {
    const auto was = k.status;
    const Micros now = clock_.now();
    k.status = to;
    k.status_reason = reason;
    if (to == CampaignStatus::kPaused) k.paused_at = now;
    if (is_final(to)) k.completed_at = now;
    k.updated_at = now;
    UJ_TRY(db_.write([&](db::Connection& c) { return store::set_status(c, k, was); }));
    log::warn("campaign stopped", {{"campaign_id", k.id.value},
                                   {"status", std::string(status_name(to))},
                                   {"reason", reason}});
    return {};
}

Status Runner::complete(Campaign& k) {
    const auto was = k.status;
    const Micros now = clock_.now();
    k.status = CampaignStatus::kCompleted;
    k.status_reason.reset();
    k.completed_at = now;
    k.updated_at = now;
    UJ_TRY(db_.write([&](db::Connection& c) { return store::set_status(c, k, was); }));
    buckets_.erase(k.id.value);
    tried_.erase(k.id.value);
    leased_until_.erase(k.id.value);
    log::info("campaign completed", {{"campaign_id", k.id.value}});
    return {};
}

Result<bool> Runner::send_fallbacks() {
    // Campaigns whose SMS could not go (an empty wallet) wait a retry
    // interval, and do not hold up the others' meanwhile.
    std::vector<CampaignId> waiting;
    for (auto it = fallback_waits_.begin(); it != fallback_waits_.end();) {
        if (clock_.now() >= it->second) {
            it = fallback_waits_.erase(it);
            continue;
        }
        waiting.push_back(CampaignId{it->first});
        ++it;
    }
    UJ_ASSIGN(auto due, db_.read([&](db::Connection& c) {
        return store::due_fallbacks(c, options_.batch, waiting);
    }));
    std::map<std::string, std::vector<store::Fallback>> by_campaign;
    for (auto& f : due) by_campaign[f.campaign_id.value].push_back(std::move(f));
    for (auto& [id, owed] : by_campaign) {
        if (loop_.stopping()) return false;
        UJ_ASSIGN(auto found, db_.read([&, id = CampaignId{id}](db::Connection& c) {
            return store::campaign_by_id(c, id);
        }));
        std::vector<std::int64_t> seqs;
        for (const auto& f : owed) seqs.push_back(f.seq);
        std::vector<std::pair<std::int64_t, std::string>> reasons;
        std::vector<messaging::SendRequest> requests;
        std::vector<std::int64_t> seq_of;  // each request's recipient
        if (found) {
            const Campaign& k = *found;
            auto text = db_.read([&](db::Connection& c) { return campaign_text(c, k); });
            if (!text && is_database_fault(text.error())) return std::move(text).error();
            std::optional<std::string> footer;
            if (text && k.settings.opt_out_footer()) {
                UJ_ASSIGN(footer, db_.read([&](db::Connection& c) {
                    return store::opt_out_footer(c, k.account_id);
                }));
            }
            std::unordered_map<std::string, contacts::Contact> contacts;
            if (text && text->has_variables()) {
                std::vector<ContactId> ids;
                for (const auto& f : owed) ids.push_back(f.contact_id);
                UJ_ASSIGN(auto read, contacts_.contacts_by_ids(sender_of(k), ids));
                for (auto& c : read) contacts.emplace(c.id.value, std::move(c));
            }
            for (const auto& f : owed) {
                if (!text) {
                    reasons.emplace_back(f.seq, "FALLBACK_TEMPLATE_INVALID");
                    continue;
                }
                TemplateValues values;
                if (auto it = contacts.find(f.contact_id.value); it != contacts.end())
                    values = values_of(it->second);
                values.phone = f.phone;
                auto composed = compose(*text, values, footer);
                if (composed.missing) {
                    reasons.emplace_back(f.seq, "FALLBACK_MISSING_VARIABLE: " + *composed.missing);
                    continue;
                }
                messaging::SendRequest r;
                r.to = f.phone;
                r.body = std::move(composed.text);
                r.sender_id = k.sender_id;
                r.campaign_id = k.id;
                requests.push_back(std::move(r));
                seq_of.push_back(f.seq);
            }
        }
        bool recorded = false;
        const auto record = [&](db::Connection& c, const std::vector<messaging::Message>& sent,
                                const std::vector<std::size_t>& owners) -> Status {
            std::vector<std::pair<std::int64_t, MessageId>> done;
            for (std::size_t m = 0; m < sent.size(); ++m)
                done.emplace_back(seq_of[owners[m]], sent[m].id);
            UJ_ASSIGN(auto taken, store::finish_fallbacks(c, CampaignId{id}, seqs, done));
            if (!taken) return Error::conflict("CAMPAIGN_MOVED", "Another node sent these.");
            recorded = true;
            return {};
        };
        if (!requests.empty()) {
            auto sent = messaging_.send_bulk(sender_of(*found), requests, record);
            if (!sent) {
                const Error& e = sent.error();
                if (is_database_fault(e)) return std::move(sent).error();
                if (e.error_code != "CAMPAIGN_MOVED") {
                    log::warn("campaign SMS fallback not sent",
                              {{"campaign_id", id}, {"error", e.error_code}});
                    fallback_waits_[id] = clock_.now() + options_.retry;
                }
                continue;  // kept queued: tried again later
            }
            for (std::size_t j = 0; j < sent->outcomes.size(); ++j)
                if (const auto& o = sent->outcomes[j]; o.error)
                    reasons.emplace_back(seq_of[j], "FALLBACK: " + o.error->error_code);
        }
        if (!recorded) UJ_TRY(db_.write([&](db::Connection& c) { return record(c, {}, {}); }));
        if (!reasons.empty())
            UJ_TRY(db_.write([&, id = CampaignId{id}](db::Connection& c) {
                return store::set_reasons(c, id, reasons);
            }));
    }
    return static_cast<int>(due.size()) == options_.batch;
}

Status Runner::count() {
    const Micros now = clock_.now();
    counted_at_ = now;
    UJ_ASSIGN(auto counted, db_.read([&](db::Connection& c) {
        return store::counted_campaigns(c, now, options_.settle);
    }));
    for (const auto& k : counted) {
        if (is_final(k.status) && k.completed_at && now - *k.completed_at > kFinalCountAll &&
            k.counted_at && now - *k.counted_at < kFinalCountEvery)
            continue;
        UJ_ASSIGN(auto tally, messaging_.campaign_tally(k.id));
        store::Counts n;
        for (const auto& t : tally) {
            if (reached_gateway(t.status)) n.sent += t.count;
            if (messaging::reached(t.status)) n.delivered += t.count;
            if (t.status == MessageStatus::kRead) n.read += t.count;
            if (failed_status(t.status)) n.failed += t.count;
            if (billing_ && billing_->refunds_status(std::string(messaging::status_name(t.status))))
                n.refunded += t.price;
        }
        UJ_TRY(db_.write([&](db::Connection& c) { return store::set_counts(c, k.id, n, now); }));
    }
    return {};
}

}  // namespace ujumbe::campaigns
