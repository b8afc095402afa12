#include "messaging/accept.h"

#include <algorithm>
#include <cctype>
#include <future>
#include <map>
#include <memory>
#include <utility>

#include "core/ids.h"
#include "core/utf8.h"
#include "core/validate.h"
#include "formats/phone.h"
#include "formats/sender_id.h"
#include "formats/sms_encoding.h"
#include "messaging/store.h"

namespace ujumbe::messaging {

namespace {

// An address as given, trimmed and lower-cased (as contacts keep theirs).
std::string email_address(std::string_view given) {
    while (!given.empty() && std::isspace(static_cast<unsigned char>(given.front())))
        given.remove_prefix(1);
    while (!given.empty() && std::isspace(static_cast<unsigned char>(given.back())))
        given.remove_suffix(1);
    std::string out(given);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

Error daily_cap_error(const std::string& whose, std::int64_t cap, Micros now) {
    Error e = Error::rate_limited(
        static_cast<int>((kMicrosPerDay - now % kMicrosPerDay) / kMicrosPerSecond) + 1);
    e.error_code = "DAILY_LIMIT_REACHED";
    e.message =
        "The " + whose + "'s daily message limit (" + std::to_string(cap) + ") would be exceeded.";
    e.details = {{"limit", cap}, {"scope", whose}};
    return e;
}

}  // namespace

// The call on its way through the steps: every request's outcome, and the
// messages still going (with the request each came from and its country).
struct AcceptPath::Batch {
    const Principal& who;
    identity::SendProfile profile;
    std::string country;  // of the account: numbers without a prefix
    Micros now = 0;
    std::vector<SendOutcome> outcomes;
    std::vector<Message> messages;
    std::vector<std::size_t> owners;     // outcome index of each message
    std::vector<std::string> countries;  // destination country of each message
    // Sender approval per (sender, destination country), read once per call.
    std::map<std::pair<std::string, std::string>, bool> approved;
    // Filled by price (no billing: none, sending is free).
    std::shared_ptr<const billing::SendTerms> terms;
    std::vector<billing::ChargeLine> lines;
    // Due now / scheduled: their queue rows.
    std::vector<std::pair<MessageId, Micros>> now_due, later_due;
    std::optional<Dispatch::Lease> lease;           // room reserved with this node's dispatcher
    std::unique_ptr<SendTemplates::Use> templates;  // once a request names a template
};

AcceptPath::AcceptPath(db::Database& db, Clock& clock, identity::IdentityService& identity,
                       contacts::ContactsService& contacts, Committer& committer,
                       AcceptOptions options, MessagingPorts ports)
    : db_(db),
      clock_(clock),
      identity_(identity),
      contacts_(contacts),
      committer_(committer),
      options_(std::move(options)),
      ports_(ports),
      accepted_(metrics::Registry::global().counter("ujumbe_messages_accepted_total",
                                                    "Messages accepted (committed), by channel.",
                                                    {"channel"})) {}

Result<BulkResult> AcceptPath::run(const Principal& who, const std::vector<SendRequest>& requests,
                                   const AlsoInCommit& also) {
    UJ_ASSIGN(auto profile, identity_.send_profile(who));
    Batch b{.who = who, .profile = std::move(profile)};
    const auto& account = b.profile.account;
    b.country = account.default_country.empty() ? account.country : account.default_country;
    b.now = clock_.now();
    b.outcomes.resize(requests.size());
    b.messages.reserve(requests.size());

    UJ_TRY(db_.read([&](db::Connection& c) { return check(c, b, requests); }));
    if (!b.messages.empty()) {
        UJ_TRY(price(b));
        UJ_TRY(accept(b, also));
        hand_over(b);
        std::map<std::string, std::uint64_t> by_channel;
        for (const auto& m : b.messages) ++by_channel[m.channel];
        for (const auto& [channel, n] : by_channel) accepted_.add({channel}, n);
    }
    BulkResult result;
    for (std::size_t k = 0; k < b.messages.size(); ++k)
        b.outcomes[b.owners[k]].message = std::move(b.messages[k]);
    for (const auto& o : b.outcomes) (o.message ? result.accepted : result.rejected) += 1;
    result.outcomes = std::move(b.outcomes);
    return result;
}

Status AcceptPath::check(db::Connection& c, Batch& b, const std::vector<SendRequest>& requests) {
    for (std::size_t i = 0; i < requests.size(); ++i) {
        b.outcomes[i].to = requests[i].to;
        UJ_TRY(check_one(c, b, i, requests[i]));
    }
    return check_consent(c, b);
}

Status AcceptPath::check_one(db::Connection& c, Batch& b, std::size_t i, const SendRequest& r) {
    auto& outcome = b.outcomes[i];
    // Mail goes to an address; every other channel to a phone number.
    formats::PhoneDetails details;
    if (r.channel == "email") {
        details.e164 = email_address(r.to);
        if (!is_valid_email(details.e164)) {
            outcome.error = Error::refusal("to", "INVALID_EMAIL", "Not a valid email address.");
            return {};
        }
    } else {
        details = formats::describe_phone(r.to, b.country);
        if (!details.valid) {
            outcome.error = Error::refusal("to", "INVALID_NUMBER", "Not a valid phone number.");
            return {};
        }
    }
    Message m;
    m.id = MessageId{new_uuid_v7(b.now)};
    m.account_id = b.profile.account.id;
    m.user_id = b.who.user_id;
    m.api_key_id = b.who.api_key_id;
    m.to = details.e164;
    std::optional<SendRequest> filled;  // r with its template's text
    if (r.template_id) {
        if (!ports_.templates) {
            outcome.error =
                Error::refusal("template_id", "TEMPLATES_NOT_AVAILABLE",
                               "This server sends no templates.", ErrorCode::kFailedPrecondition);
            return {};
        }
        if (!b.templates) b.templates = ports_.templates->begin(m.account_id);
        filled = r;
        UJ_ASSIGN(auto refused, b.templates->fill(c, m.to, *filled));
        if (refused) {
            outcome.error = std::move(*refused);
            return {};
        }
    }
    const SendRequest& req = filled ? *filled : r;
    bool checked = false;
    if (req.channel == "sms") {
        UJ_ASSIGN(checked, check_sms(c, b, req, details.country, m, outcome));
    } else {
        UJ_ASSIGN(checked, check_other_channel(c, req, m, outcome));
    }
    if (!checked) return {};
    const bool later = r.send_at && *r.send_at > b.now + kMicrosPerSecond;
    m.status = later ? status::kScheduled : status::kQueued;
    UJ_TRY(check_change(m.id, std::nullopt, m.status));
    m.send_at = r.send_at;
    m.transactional = r.transactional;
    m.client_ref = r.client_ref;
    m.callback_url = r.callback_url;
    m.campaign_id = r.campaign_id;
    m.created_at = m.updated_at = b.now;
    b.messages.push_back(std::move(m));
    b.owners.push_back(i);
    b.countries.push_back(details.country);
    return {};
}

Result<bool> AcceptPath::check_other_channel(db::Connection& c, const SendRequest& r, Message& m,
                                             SendOutcome& outcome) {
    auto channel = ports_.channels.find(r.channel);
    if (channel == ports_.channels.end()) {
        outcome.error = Error::refusal("channel", "CHANNEL_NOT_AVAILABLE",
                                       "This server cannot send on the channel " + r.channel + ".",
                                       ErrorCode::kFailedPrecondition);
        return false;
    }
    m.channel = r.channel;
    std::optional<Message> replied;
    if (r.reply_to) {
        UJ_ASSIGN(replied, store::find_message(c, m.account_id, *r.reply_to));
        if (!replied || replied->channel != r.channel) {
            outcome.error = Error::refusal("reply_to", "INVALID_REPLY_TO",
                                           "No message of this channel has this id.");
            return false;
        }
    }
    UJ_ASSIGN(auto refused, channel->second->check(c, r, replied ? &*replied : nullptr, m));
    if (refused) {
        outcome.error = std::move(*refused);
        return false;
    }
    return true;
}

Result<bool> AcceptPath::check_sms(db::Connection& c, Batch& b, const SendRequest& r,
                                   const std::string& country, Message& m, SendOutcome& outcome) {
    if (!r.content.empty() || r.reply_to) {
        outcome.error = Error::refusal(r.reply_to ? "reply_to" : "channel", "CHANNEL_MISMATCH",
                                       "Media, templates and replies are for channel whatsapp.");
        return false;
    }
    if (r.body.empty() || !decode_utf8(r.body) || utf8_length(r.body) > options_.max_body_chars) {
        outcome.error =
            Error::refusal("body", "INVALID_BODY",
                           "The body must be 1 to " + std::to_string(options_.max_body_chars) +
                               " characters of UTF-8 text.");
        return false;
    }
    std::string sender = options_.default_sender_id;
    if (r.sender_id && *r.sender_id != options_.default_sender_id) {
        std::string problem;
        auto parsed = formats::parse_sender_id(*r.sender_id, &problem);
        if (!parsed) {
            outcome.error = Error::refusal("sender_id", "INVALID_SENDER_ID", problem);
            return false;
        }
        sender = parsed->value;
        auto key = std::make_pair(sender, country);
        auto it = b.approved.find(key);
        if (it == b.approved.end()) {
            UJ_ASSIGN(bool ok, store::sender_approved(c, b.profile.account.id, sender, country));
            it = b.approved.emplace(key, ok).first;
        }
        if (!it->second) {
            outcome.error = Error::refusal("sender_id", "SENDER_ID_NOT_APPROVED",
                                           "The sender id " + sender + " is not approved for " +
                                               (country.empty() ? "this country" : country) + ".",
                                           ErrorCode::kFailedPrecondition);
            return false;
        }
    }
    auto counted = formats::count_segments(r.body);
    m.sender = sender;
    m.body = r.body;
    m.encoding = formats::encoding_name(counted->encoding);
    m.segments = static_cast<int>(counted->segments);
    return true;
}

// Recipients of non-transactional messages who opted out of the message's
// channel (or of all) are refused.
Status AcceptPath::check_consent(db::Connection& c, Batch& b) {
    std::map<std::string, std::vector<std::string>> numbers;  // by channel
    for (const auto& m : b.messages)
        if (!m.transactional) numbers[m.channel].push_back(m.to);
    if (numbers.empty()) return {};
    std::map<std::string, std::unordered_set<std::string>> opted_out;
    bool any = false;
    for (const auto& [channel, of_channel] : numbers) {
        UJ_ASSIGN(opted_out[channel],
                  contacts_.opted_out(c, b.profile.account.id, of_channel, channel));
        any = any || !opted_out[channel].empty();
    }
    if (!any) return {};
    std::size_t kept = 0;
    for (std::size_t k = 0; k < b.messages.size(); ++k) {
        const auto& m = b.messages[k];
        if (!m.transactional && opted_out[m.channel].count(m.to)) {
            b.outcomes[b.owners[k]].error =
                Error::refusal("to", "RECIPIENT_OPTED_OUT",
                               "The recipient opted out of " + m.channel +
                                   "; only transactional messages may be sent.",
                               ErrorCode::kFailedPrecondition);
            continue;
        }
        if (kept != k) {
            b.messages[kept] = std::move(b.messages[k]);
            b.owners[kept] = b.owners[k];
            b.countries[kept] = std::move(b.countries[k]);
        }
        ++kept;
    }
    b.messages.resize(kept);
    b.owners.resize(kept);
    b.countries.resize(kept);
    return {};
}

// Reads the cards once and prices each message (charged by accept).
Status AcceptPath::price(Batch& b) {
    auto* billing = ports_.billing;
    if (!billing) return {};
    const auto& account = b.profile.account;
    UJ_ASSIGN(b.terms, billing->send_terms(account, b.who.settings_epoch));
    const auto& plan = b.terms->prices;
    b.lines.reserve(b.messages.size());
    for (std::size_t k = 0; k < b.messages.size(); ++k) {
        auto& m = b.messages[k];
        UJ_ASSIGN(auto p, billing->price_of(plan, m.channel, m.to, b.countries[k], m.segments));
        m.currency = plan.currency;
        m.price = p.price;
        m.cost = p.cost;
        b.lines.push_back({m.id, p});
    }
    return {};
}

struct AcceptPath::Waiting {
    Batch* batch;
    const AlsoInCommit* also;
    Status outcome;  // its own, when the commit succeeded
    std::promise<Status> done;
};

// One commit: daily caps, charge, messages, queue rows and first events.
Status AcceptPath::accept(Batch& b, const AlsoInCommit& also) {
    for (const auto& m : b.messages) {
        if (m.status == status::kScheduled)
            b.later_due.emplace_back(m.id, *m.send_at);
        else
            b.now_due.emplace_back(m.id, b.now);
    }
    auto* dispatch = ports_.dispatch;
    if (dispatch && !b.now_due.empty()) b.lease = dispatch->reserve(b.now_due.size());

    // The first call to wait posts the operation; it takes the calls waiting
    // when it runs (take_waiting), and the next to arrive posts the next one.
    Waiting me{.batch = &b, .also = &also};
    auto committed_future = me.done.get_future();
    bool post = false;
    {
        std::lock_guard lock(waiting_mutex_);
        waiting_.push_back(&me);
        post = !std::exchange(posted_, true);
    }
    if (post) post_commit(Take::kPromptFirst);
    Status committed = committed_future.get();
    if (!committed && b.lease) {
        std::vector<MessageId> in_doubt;
        if (is_database_fault(committed.error()))
            for (const auto& [id, due] : b.now_due) in_doubt.push_back(id);
        dispatch->unreserve(b.now_due.size(), std::move(in_doubt));
    }
    return committed;
}

void AcceptPath::post_commit(Take take) {
    auto taken = std::make_shared<std::vector<Waiting*>>();
    auto ran = std::make_shared<bool>(false);
    committer_.post(
        [this, take, taken, ran](db::Connection& c) -> Status {
            *taken = take_waiting(take);
            *ran = true;
            return commit_together(c, *taken);
        },
        [this, taken, ran](Status committed) {
            // Refused unrun (the server is stopping): every waiting call hears it.
            if (!*ran) *taken = take_waiting(Take::kAll);
            for (auto* w : *taken) w->done.set_value(committed ? std::move(w->outcome) : committed);
        });
}

std::vector<AcceptPath::Waiting*> AcceptPath::take_waiting(Take take) {
    const auto is_prompt = [](const Waiting* w) {
        return w->batch->messages.size() <= kPromptCallMessages;
    };
    std::vector<Waiting*> prompt;
    {
        std::lock_guard lock(waiting_mutex_);
        const auto prompts = std::count_if(waiting_.begin(), waiting_.end(), is_prompt);
        const bool mixed = prompts > 0 && prompts < static_cast<std::ptrdiff_t>(waiting_.size());
        if (take == Take::kAll || !mixed) {
            posted_ = false;
            return std::exchange(waiting_, {});
        }
        // Small calls commit now on their own; the large ones stay for the
        // next operation, which takes everything so they cannot starve.
        auto large = std::stable_partition(waiting_.begin(), waiting_.end(), is_prompt);
        prompt.assign(waiting_.begin(), large);
        waiting_.erase(waiting_.begin(), large);
    }
    post_commit(Take::kAll);
    return prompt;
}

Status AcceptPath::commit_together(db::Connection& c, std::vector<Waiting*>& calls) {
    const bool alone = calls.size() == 1;
    std::vector<const Message*> rows;
    std::vector<store::EventRow> events;
    std::vector<std::pair<MessageId, Micros>> leased, unleased, later;
    Micros lease_until = 0;
    std::string owner;
    for (auto* w : calls) {
        Batch& b = *w->batch;
        if (!alone) UJ_TRY(c.execute("SAVEPOINT accept"));
        Status own = caps_and_charge(c, b);
        // A caller that writes its own rows with the messages inserts them
        // at once, inside its savepoint.
        if (own && *w->also) {
            std::vector<const Message*> mine;
            for (const auto& m : b.messages) mine.push_back(&m);
            own = store::insert_messages(c, mine);
            if (own) own = (*w->also)(c, b.messages, b.owners);
        }
        if (!own && is_database_fault(own.error())) return own;
        if (!own && alone) return own;
        if (!alone) {
            if (!own) UJ_TRY(c.execute("ROLLBACK TO SAVEPOINT accept"));
            UJ_TRY(c.execute("RELEASE SAVEPOINT accept"));
        }
        w->outcome = own;
        if (!own) continue;
        if (ports_.hooks) {
            std::vector<const Message*> mine;
            for (const auto& m : b.messages) mine.push_back(&m);
            UJ_TRY(ports_.hooks->accepted(c, mine));
        }
        for (const auto& m : b.messages) {
            if (!*w->also) rows.push_back(&m);
            events.push_back(
                {m.account_id, m.id, event_type(m.status), m.status, std::nullopt, b.now});
        }
        later.insert(later.end(), b.later_due.begin(), b.later_due.end());
        auto& due = b.lease ? leased : unleased;
        due.insert(due.end(), b.now_due.begin(), b.now_due.end());
        if (b.lease) {
            owner = b.lease->owner;
            lease_until = std::max(lease_until, b.lease->until);
        }
    }
    UJ_TRY(store::insert_messages(c, rows));
    UJ_TRY(store::enqueue(c, leased, owner, lease_until));
    UJ_TRY(store::enqueue(c, unleased));
    UJ_TRY(store::enqueue(c, later));
    return store::insert_events(c, events);
}

Status AcceptPath::caps_and_charge(db::Connection& c, Batch& b) {
    const auto& account = b.profile.account;
    const std::int64_t day = b.now / kMicrosPerDay;
    const auto n = static_cast<std::int64_t>(b.messages.size());
    UJ_ASSIGN(auto totals, store::add_day_counts(c, account.id.value, b.who.user_id.value, day, n));
    if (account.max_messages_per_day && totals.first > *account.max_messages_per_day)
        return daily_cap_error("account", *account.max_messages_per_day, b.now);
    const auto plan_cap = b.terms ? b.terms->plan_cap : std::nullopt;
    if (plan_cap && totals.first > *plan_cap) return daily_cap_error("plan", *plan_cap, b.now);
    const auto& user_cap = b.profile.user_max_messages_per_day;
    if (user_cap && totals.second > *user_cap) return daily_cap_error("user", *user_cap, b.now);
    if (b.terms) {
        UJ_TRY(ports_.billing->charge(c, b.terms->prices, b.lines, b.who.user_id));
        // Messages included in the plan were charged nothing.
        for (std::size_t k = 0; k < b.messages.size(); ++k)
            b.messages[k].price = b.lines[k].price.price;
    }
    return {};
}

// Messages due now go to this node's dispatcher without a claim round when
// it made room for them; otherwise (and for scheduled ones) it is woken to
// claim them when due.
void AcceptPath::hand_over(Batch& b) {
    auto* dispatch = ports_.dispatch;
    if (!dispatch) return;
    if (b.lease) {
        std::vector<Message> handed;
        handed.reserve(b.now_due.size());
        for (const auto& m : b.messages)
            if (m.status != status::kScheduled) handed.push_back(m);
        dispatch->adopt(std::move(handed));
    }
    if (!b.lease || !b.later_due.empty()) dispatch->wake();
}

}  // namespace ujumbe::messaging
