#include "campaigns/service.h"

#include <map>

#include "campaigns/audience.h"
#include "campaigns/email_template.h"
#include "campaigns/estimate.h"
#include "campaigns/schedule.h"
#include "campaigns/store.h"
#include "campaigns/whatsapp_message.h"
#include "core/ids.h"
#include "core/validate.h"
#include "formats/sender_id.h"
#include "formats/sms_encoding.h"
#include "http/input.h"

namespace ujumbe::campaigns {

namespace {

using json = nlohmann::json;

constexpr int kWalkPage = 2000;

std::string count_text(std::int64_t n) {
    return std::to_string(n) + (n == 1 ? " contact" : " contacts");
}

std::int64_t excluded(const Exclusions& e, const char* reason) {
    const auto it = e.find(reason);
    return it == e.end() ? 0 : it->second;
}

// `settings`: every key known and well formed.
Status check_settings(const json& settings) {
    FieldErrors errors;
    for (const auto& [key, value] : settings.items()) {
        const std::string field = "settings." + http::echo_of(key);  // a key may be long
        if (key == "send_time") {
            if (!value.is_string() || !is_time_of_day(value.get<std::string>()))
                errors[field].push_back("A time of day as HH:MM (or HH:MM:SS).");
        } else if (key == "timezone") {
            if (!value.is_string() || !is_time_zone(value.get<std::string>()))
                errors[field].push_back("An IANA time zone name, e.g. Africa/Dar_es_Salaam.");
        } else if (key == "throttle") {
            const bool ok = value.is_object() && value.size() == 1 &&
                            value.contains("messages_per_second") &&
                            value["messages_per_second"].is_number_integer() &&
                            value["messages_per_second"].get<std::int64_t>() >= 1 &&
                            value["messages_per_second"].get<std::int64_t>() <= 100000;
            if (!ok) errors[field].push_back("An object {\"messages_per_second\": 1..100000}.");
        } else if (key == "opt_out_footer") {
            if (!value.is_boolean()) errors[field].push_back("true or false.");
        } else {
            errors[field].push_back(
                "Unknown setting: use send_time, timezone, throttle or opt_out_footer.");
        }
    }
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    return {};
}

Preview preview_of(const std::string& text, std::vector<std::string> variables) {
    Preview p;
    p.text = text;
    p.variables = std::move(variables);
    if (auto counted = formats::count_segments(text)) {
        p.encoding = formats::encoding_name(counted->encoding);
        p.segments = static_cast<int>(counted->segments);
    }
    p.characters = static_cast<std::int64_t>(utf8_length(text));
    return p;
}

Error missing_variable(const std::string& field, const std::string& variable) {
    Error e = Error::invalid(field, "No value for the variable " + variable + " and no default.");
    e.details = {{"variable", variable}};
    return e;
}

std::vector<std::string> variables_of(const TemplateText& t) {
    std::vector<std::string> out;
    for (const auto& p : t.pieces)
        if (p.variable && std::find(out.begin(), out.end(), p.text) == out.end())
            out.push_back(p.text);
    return out;
}

}  // namespace

std::vector<std::string> Estimated::explanations() const {
    std::vector<std::string> out = {
        "Duplicates removed: " + count_text(excluded(exclusions, "duplicates")),
        "Opted-out contacts excluded: " + count_text(excluded(exclusions, "opted_out")),
        "Invalid numbers excluded: " + count_text(excluded(exclusions, "invalid_numbers"))};
    if (auto n = excluded(exclusions, "inactive"))
        out.push_back("Inactive contacts excluded: " + count_text(n));
    if (auto n = excluded(exclusions, "not_found"))
        out.push_back("Unknown or deleted contacts excluded: " + count_text(n));
    if (missing_variables > 0)
        out.push_back("Missing template variables, skipped when sent: " +
                      count_text(missing_variables));
    return out;
}

Status owe_fallbacks(db::Connection& c, const std::vector<MessageId>& ids,
                     const std::string& status, Micros now) {
    if (status != "rejected" && status != "undelivered" && status != "failed" &&
        status != "expired")
        return {};
    return store::queue_failed_fallbacks(c, ids, "WHATSAPP_" + ascii_upper(status), now);
}

Result<TemplateText> campaign_text(db::Connection& c, const Campaign& k) {
    if (k.message_text) return parse_template(*k.message_text, "message_text");
    if (k.campaign_type == "whatsapp") return TemplateText{};  // its text is the template
    if (!k.template_id) return Error::invalid("message_text", "Give message_text or template.");
    UJ_ASSIGN(auto t, store::find_template(c, k.account_id, *k.template_id));
    if (!t) return Error::invalid("template", "The template no longer exists.");
    return parse_template(t->body, "template");
}

CampaignService::CampaignService(db::Database& db, Clock& clock,
                                 identity::IdentityService& identity,
                                 contacts::ContactsService& contacts,
                                 messaging::MessagingService& messaging,
                                 billing::BillingService* billing,
                                 std::function<void()> wake_runner)
    : db_(db),
      clock_(clock),
      identity_(identity),
      contacts_(contacts),
      messaging_(messaging),
      billing_(billing),
      wake_runner_(std::move(wake_runner)) {}

// ---- templates

namespace {

// Applies `in` to `t` and checks the whole: every part parses, and each
// channel has the parts it needs and no others.
Status apply_template_input(Template& t, const TemplateInput& in, bool creating) {
    FieldErrors errors;
    if (in.channel) {
        if (creating)
            t.channel = *in.channel;
        else if (*in.channel != t.channel)
            errors["channel"].push_back("A template's channel is set when it is created.");
    }
    if (in.name) t.name = *in.name;
    if (in.description) t.description = *in.description;
    if (in.body) t.body = *in.body;
    if (in.subject) t.subject = *in.subject;
    if (in.html) t.html = *in.html;
    const auto check = [&](const std::optional<std::string>& text, const char* field) {
        if (!text) return;
        if (auto parsed = parse_template(*text, field); !parsed)
            for (const auto& [name, problems] : parsed.error().errors)
                for (const auto& p : problems) errors[name].push_back(p);
    };
    if (t.channel == "email") {
        if (!t.subject || t.subject->empty())
            errors["subject"].push_back("An email template needs a subject.");
        if (t.body.size() > kMaxEmailTemplateBytes)
            errors["body"].push_back("At most " + std::to_string(kMaxEmailTemplateBytes) +
                                     " bytes.");
        check(t.subject, "subject");
        check(t.html, "html");
    } else {
        if (utf8_length(t.body) > kMaxSmsTemplateChars)
            errors["body"].push_back("At most " + std::to_string(kMaxSmsTemplateChars) +
                                     " characters.");
        if (t.subject) errors["subject"].push_back("Only email templates have a subject.");
        if (t.html) errors["html"].push_back("Only email templates have an HTML part.");
    }
    check(t.body, "body");
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    return {};
}

}  // namespace

Result<Template> CampaignService::create_template(const Principal& who, const TemplateInput& in) {
    Template t;
    t.id = TemplateId{new_uuid_v7(clock_.now())};
    t.account_id = who.account_id;
    UJ_TRY(apply_template_input(t, in, true));
    t.created_by = who.user_id;
    t.created_at = t.updated_at = clock_.now();
    return db_.write([&](db::Connection& c) -> Result<Template> {
        auto inserted = store::insert_template(c, t);
        if (!inserted && inserted.error().code == ErrorCode::kConflict)
            return Error::invalid("name", "A template with this name exists.");
        UJ_TRY(inserted);
        return t;
    });
}

Result<Template> CampaignService::get_template(const Principal& who, const TemplateId& id) {
    UJ_ASSIGN(auto t, db_.read([&](db::Connection& c) {
        return store::find_template(c, who.account_id, id);
    }));
    if (!t) return Error::not_found("Template");
    return std::move(*t);
}

Result<db::Listing<Template>> CampaignService::list_templates(
    const Principal& who, const std::optional<std::string>& search, db::Paged page) {
    return db_.read(
        [&](db::Connection& c) { return store::list_templates(c, who.account_id, search, page); });
}

Result<Template> CampaignService::update_template(const Principal& who, const TemplateId& id,
                                                  const TemplateInput& in) {
    return db_.write([&](db::Connection& c) -> Result<Template> {
        UJ_ASSIGN(auto found, store::find_template(c, who.account_id, id));
        if (!found) return Error::not_found("Template");
        Template t = std::move(*found);
        UJ_TRY(apply_template_input(t, in, false));
        t.updated_at = clock_.now();
        auto updated = store::update_template(c, t);
        if (!updated && updated.error().code == ErrorCode::kConflict)
            return Error::invalid("name", "A template with this name exists.");
        UJ_TRY(updated);
        return t;
    });
}

Status CampaignService::delete_template(const Principal& who, const TemplateId& id) {
    return db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto found, store::find_template(c, who.account_id, id));
        if (!found) return Error::not_found("Template");
        UJ_ASSIGN(auto uses, store::count_template_uses(c, who.account_id, id));
        if (uses > 0)
            return Error::conflict("TEMPLATE_IN_USE",
                                   "Campaigns that have not finished use this template.");
        return store::delete_template(c, who.account_id, id);
    });
}

Result<Preview> CampaignService::preview(const Principal& who, const std::optional<TemplateId>& id,
                                         const std::optional<std::string>& body,
                                         const std::optional<ContactId>& contact_id) {
    std::string text;
    std::string field = "body";
    std::optional<Template> stored;
    if (id) {
        UJ_ASSIGN(stored, get_template(who, *id));
        text = stored->body;
        field = "template";
    } else {
        text = body.value_or("");
    }
    UJ_ASSIGN(auto parsed, parse_template(text, field));
    TemplateValues values;
    if (contact_id) {
        auto contact = contacts_.get(who, *contact_id);
        if (!contact) {
            if (contact.error().code == ErrorCode::kNotFound)
                return Error::invalid("contact_id", "Unknown contact.");
            return std::move(contact).error();
        }
        values = values_of(std::move(contact->contact));
    }
    if (stored && stored->channel == "email") {
        UJ_ASSIGN(auto mail, parse_mail_template(*stored));
        auto rendered = render_mail(mail, values);
        if (rendered.missing) return missing_variable(field, *rendered.missing);
        Preview p;
        p.text = std::move(rendered.text);
        p.subject = std::move(rendered.subject);
        p.html = std::move(rendered.html);
        p.encoding = "utf8";
        p.characters = static_cast<std::int64_t>(utf8_length(p.text));
        for (const auto* part : {&mail.subject, &mail.text, &mail.html})
            for (auto& v : variables_of(*part))
                if (std::find(p.variables.begin(), p.variables.end(), v) == p.variables.end())
                    p.variables.push_back(std::move(v));
        return p;
    }
    UJ_ASSIGN(auto footer, opt_out_footer(who));
    const auto rendered = compose(parsed, values, footer);
    if (rendered.missing) return missing_variable(field, *rendered.missing);
    return preview_of(rendered.text, variables_of(parsed));
}

Result<std::optional<std::string>> CampaignService::opt_out_footer(const Principal& who) {
    return db_.read([&](db::Connection& c) { return store::opt_out_footer(c, who.account_id); });
}

Result<std::optional<std::string>> CampaignService::set_opt_out_footer(
    const Principal& who, const std::optional<std::string>& footer) {
    if (!who.can_manage())
        return Error::forbidden("Only the account's owner or admins set the footer.");
    UJ_TRY(db_.write([&](db::Connection& c) {
        return store::set_opt_out_footer(c, who.account_id, footer, clock_.now());
    }));
    return footer;
}

Result<std::optional<QuietHours>> CampaignService::quiet_hours(const Principal& who) {
    return db_.read([&](db::Connection& c) { return store::quiet_hours(c, who.account_id); });
}

Result<std::optional<QuietHours>> CampaignService::set_quiet_hours(
    const Principal& who, const std::optional<QuietHours>& quiet) {
    if (!who.can_manage())
        return Error::forbidden("Only the account's owner or admins set quiet hours.");
    if (quiet) {
        FieldErrors errors;
        for (const auto& [field, value] : {std::pair{"start", quiet->start}, {"end", quiet->end}})
            if (value.size() != 5 || !is_time_of_day(value))
                errors[field].push_back("A time of day as HH:MM.");
        if (errors.empty() && quiet->start == quiet->end)
            errors["end"].push_back("Must differ from start.");
        if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    }
    UJ_TRY(db_.write([&](db::Connection& c) {
        return store::set_quiet_hours(c, who.account_id, quiet, clock_.now());
    }));
    return quiet;
}

// ---- campaigns

Result<Campaign> CampaignService::find(db::Connection& c, const Principal& who,
                                       const CampaignId& id) {
    UJ_ASSIGN(auto found, store::find_campaign(c, who.account_id, id));
    if (!found) return Error::not_found("Campaign");
    return std::move(*found);
}

Status CampaignService::apply_input(db::Connection& c, const Principal& who, Campaign& k,
                                    const CampaignInput& in, bool creating) {
    FieldErrors errors;
    if (in.name) k.name = *in.name;
    if (creating && !in.name) errors["name"].push_back("This field is required.");
    if (in.description) k.description = *in.description;
    if (in.campaign_type) {
        k.campaign_type = *in.campaign_type;
    }
    if (in.whatsapp_template) k.whatsapp_template = *in.whatsapp_template;
    const bool whatsapp_first = k.campaign_type == "whatsapp" || k.campaign_type == "mixed";
    if (whatsapp_first) {
        if (auto bad = check_whatsapp_template(k.whatsapp_template); !bad)
            for (const auto& [field, problems] : bad.error().errors)
                for (const auto& p : problems) errors[field].push_back(p);
    } else if (k.whatsapp_template.is_object()) {
        errors["whatsapp_template"].push_back("Only whatsapp and mixed campaigns send one.");
    }
    if (in.message_text) k.message_text = *in.message_text;
    if (in.template_id) k.template_id = *in.template_id;
    if (in.message_text && *in.message_text && in.template_id && *in.template_id)
        errors["template"].push_back("Give message_text or template, not both.");
    else if (in.message_text && *in.message_text)
        k.template_id.reset();
    else if (in.template_id && *in.template_id)
        k.message_text.reset();
    // A WhatsApp campaign's text is its template; a mixed one's SMS is the fallback.
    if (!k.message_text && !k.template_id && k.campaign_type == "email")
        errors["template"].push_back(
            "An email campaign sends an email template: give "
            "`template`.");
    else if (!k.message_text && !k.template_id && k.campaign_type != "whatsapp")
        errors["message_text"].push_back(k.campaign_type == "mixed"
                                             ? "Give message_text or template: the SMS sent "
                                               "when WhatsApp fails."
                                             : "Give message_text or template.");
    if (k.message_text) {
        auto parsed = parse_template(*k.message_text, "message_text");
        if (!parsed) errors["message_text"].push_back(parsed.error().errors.begin()->second[0]);
    }
    // Mail is made from an email template (its subject and parts); SMS
    // from text or an SMS template.
    const bool email = k.campaign_type == "email";
    if (email && k.message_text)
        errors["message_text"].push_back(
            "An email campaign sends an email template: give "
            "`template`.");
    if (k.template_id && (in.template_id || in.campaign_type)) {
        UJ_ASSIGN(auto t, store::find_template(c, who.account_id, *k.template_id));
        if (!t)
            errors["template"].push_back("Unknown template.");
        else if ((t->channel == "email") != email)
            errors["template"].push_back(email ? "An email campaign needs an email template."
                                               : "Give an SMS template: this one is for email.");
    }
    if (email && in.sender_id && *in.sender_id)
        errors["sender_id"].push_back("Mail goes from its gateway's address.");
    if (in.sender_id) {
        k.sender_id = *in.sender_id;
        std::string problem;
        if (k.sender_id && !formats::parse_sender_id(*k.sender_id, &problem))
            errors["sender_id"].push_back(problem);
    }
    if (in.scheduled_at) k.scheduled_at = *in.scheduled_at;
    if (in.contact_ids) k.targets.contact_ids = *in.contact_ids;
    if (in.segment_ids) k.targets.segment_ids = *in.segment_ids;
    if (in.criteria) k.targets.criteria = *in.criteria;
    if (k.targets.contact_ids.empty() && k.targets.segment_ids.empty() &&
        k.targets.criteria.empty())
        errors["target_contact_ids"].push_back(
            "Give target_contact_ids, target_segment_ids or target_criteria.");
    if (in.settings) {
        auto checked = check_settings(*in.settings);
        if (!checked)
            for (auto& [field, problems] : checked.error().errors)
                errors[field] = std::move(problems);
        k.settings.raw = *in.settings;
    }
    if (in.is_recurring) k.is_recurring = *in.is_recurring;
    if (in.recurring_schedule) k.recurring_schedule = *in.recurring_schedule;
    if (k.is_recurring) {
        if (auto r = parse_recurrence(k.recurring_schedule); !r)
            for (auto& [field, problems] : r.error().errors) errors[field] = std::move(problems);
        for (const char* key : {"send_time", "timezone"})
            if (!k.settings.text(key))
                errors[std::string("settings.") + key].push_back(
                    "A recurring campaign sends at settings.send_time in settings.timezone.");
    }
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    return {};
}

Result<Estimated> CampaignService::estimate(const Principal& who, const Campaign& k) {
    UJ_ASSIGN(auto audience, resolve_audience(contacts_, who, k.targets));
    UJ_ASSIGN(auto text, db_.read([&](db::Connection& c) { return campaign_text(c, k); }));
    const std::string channel = k.first_channel();
    std::optional<std::string> footer;  // SMS's: mail carries its unsubscribe link
    if (k.settings.opt_out_footer() && channel == "sms") {
        UJ_ASSIGN(footer, opt_out_footer(who));
    }
    Estimated out;
    out.segment_names = audience.segment_names;
    Estimate cost(billing_, who.account_id, channel);
    std::int64_t fixed_segments = 0;
    if (channel != "sms") {
        fixed_segments = 1;  // one WhatsApp message or mail a recipient
    } else if (!text.has_variables()) {
        const auto counted = formats::count_segments(compose(text, {}, footer).text);
        fixed_segments = counted ? static_cast<std::int64_t>(counted->segments) : 1;
    }
    UJ_TRY(walk_audience(
        contacts_, who, audience, kWalkPage, out.exclusions,
        [&](std::vector<Candidate>& batch) -> Status {
            for (const auto& cand : batch) {
                ++out.total_recipients;
                if (fixed_segments > 0) {
                    UJ_TRY(cost.add_segments(cand.address, fixed_segments));
                    continue;
                }
                const auto r = compose(text, cand.values, footer);
                if (r.missing)
                    ++out.missing_variables;
                else
                    UJ_TRY(cost.add(cand.address, r.text));
            }
            return {};
        },
        channel));
    out.estimated_cost = cost.total();
    out.currency = cost.currency();
    return out;
}

Result<Estimated> CampaignService::dry_run(const Principal& who, const CampaignInput& in) {
    Campaign k;
    k.account_id = who.account_id;
    UJ_TRY(db_.read([&](db::Connection& c) { return apply_input(c, who, k, in, true); }));
    return estimate(who, k);
}

Result<Created> CampaignService::create(const Principal& who, const CampaignInput& in) {
    Campaign k;
    k.id = CampaignId{new_uuid_v7(clock_.now())};
    k.account_id = who.account_id;
    UJ_TRY(db_.read([&](db::Connection& c) { return apply_input(c, who, k, in, true); }));
    UJ_ASSIGN(auto estimated, estimate(who, k));
    UJ_ASSIGN(auto me, identity_.me(who));
    k.created_by = who.user_id;
    k.created_by_name = me.user.name;
    k.total_recipients = estimated.total_recipients;
    k.estimated_cost = static_cast<std::int64_t>(
        std::min<MoneySum>(estimated.estimated_cost, std::numeric_limits<std::int64_t>::max()));
    k.currency = estimated.currency.empty() ? std::nullopt : std::optional(estimated.currency);
    k.exclusions = estimated.exclusions;
    k.created_at = k.updated_at = clock_.now();
    UJ_TRY(db_.write([&](db::Connection& c) { return store::insert_campaign(c, k); }));
    UJ_ASSIGN(auto view, view_of(who, std::move(k)));
    return Created{std::move(view), std::move(estimated)};
}

Result<CampaignView> CampaignService::view_of(const Principal& who, Campaign k) {
    CampaignView v;
    for (const auto& id : k.targets.segment_ids)
        if (auto s = contacts_.get_segment(who, id))
            v.segment_names.push_back(s->name);
        else if (s.error().code != ErrorCode::kNotFound)
            return std::move(s).error();
    if (k.template_id) {
        UJ_ASSIGN(auto t, db_.read([&](db::Connection& c) {
            return store::find_template(c, who.account_id, *k.template_id);
        }));
        if (t) v.template_name = t->name;
    }
    v.campaign = std::move(k);
    return v;
}

Result<CampaignView> CampaignService::get(const Principal& who, const CampaignId& id) {
    UJ_ASSIGN(auto k, db_.read([&](db::Connection& c) { return find(c, who, id); }));
    return view_of(who, std::move(k));
}

Result<db::Listing<CampaignView>> CampaignService::list(const Principal& who,
                                                        const store::CampaignQuery& q,
                                                        db::Paged page) {
    UJ_ASSIGN(auto listing, db_.read([&](db::Connection& c) {
        return store::list_campaigns(c, who.account_id, q, page);
    }));
    db::Listing<CampaignView> out;
    out.count = listing.count;
    for (auto& k : listing.items) {
        UJ_ASSIGN(auto v, view_of(who, std::move(k)));
        out.items.push_back(std::move(v));
    }
    return out;
}

Result<CampaignView> CampaignService::update(const Principal& who, const CampaignId& id,
                                             const CampaignInput& in) {
    UJ_ASSIGN(auto k, db_.read([&](db::Connection& c) { return find(c, who, id); }));
    UJ_TRY(check_action(k.status, Action::kEdit));
    const auto expected = k.status;
    UJ_TRY(db_.read([&](db::Connection& c) { return apply_input(c, who, k, in, false); }));
    // A scheduled campaign edited is scheduled again by its new fields.
    if (k.status == CampaignStatus::kScheduled) UJ_TRY(plan_schedule(k, clock_.now()));
    UJ_ASSIGN(auto estimated, estimate(who, k));
    k.total_recipients = estimated.total_recipients;
    k.estimated_cost = static_cast<std::int64_t>(
        std::min<MoneySum>(estimated.estimated_cost, std::numeric_limits<std::int64_t>::max()));
    k.exclusions = estimated.exclusions;
    k.updated_at = clock_.now();
    UJ_ASSIGN(auto saved,
              db_.write([&](db::Connection& c) { return store::save_campaign(c, k, expected); }));
    if (!saved) {
        UJ_ASSIGN(auto now, db_.read([&](db::Connection& c) { return find(c, who, id); }));
        UJ_TRY(check_action(now.status, Action::kEdit));
        return Error::conflict("CONFLICT", "The campaign changed meanwhile; try again.");
    }
    return view_of(who, std::move(k));
}

Status CampaignService::remove(const Principal& who, const CampaignId& id) {
    return db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto k, find(c, who, id));
        UJ_TRY(check_action(k.status, Action::kDelete));
        return store::delete_campaign(c, who.account_id, id);
    });
}

Status plan_schedule(Campaign& k, Micros now) {
    const auto send_time = k.settings.text("send_time");
    const auto zone = k.settings.text("timezone");
    if (k.is_recurring) {
        UJ_ASSIGN(auto recurrence, parse_recurrence(k.recurring_schedule));
        const auto next =
            next_occurrence(send_time.value_or(""), zone.value_or(""), now, recurrence);
        if (!next)
            return Error::invalid("recurring_schedule.until", "No occurrence is left before it.");
        k.next_run_at = next;
        return {};
    }
    if (k.scheduled_at && *k.scheduled_at > now) return {};
    if (send_time && zone) {
        k.scheduled_at = next_occurrence(*send_time, *zone, now);
        if (k.scheduled_at) return {};
    }
    return Error::invalid("scheduled_at",
                          "Set a time in the future, or settings.send_time and timezone, to "
                          "schedule at.");
}

Result<CampaignView> CampaignService::act(const Principal& who, const CampaignId& id,
                                          Action action) {
    UJ_ASSIGN(auto k, db_.write([&](db::Connection& c) -> Result<Campaign> {
        UJ_ASSIGN(auto k, find(c, who, id));
        UJ_TRY(check_action(k.status, action));
        const auto expected = k.status;
        const Micros now = clock_.now();
        switch (action) {
            case Action::kSchedule:
                UJ_TRY(plan_schedule(k, now));
                k.status = CampaignStatus::kScheduled;
                k.run_by = who.user_id;
                break;
            case Action::kStart:
                if (k.is_recurring)
                    return Error::precondition("RECURRING_CAMPAIGN",
                                               "A recurring campaign is scheduled: each "
                                               "occurrence starts a run of its own.");
                k.status = CampaignStatus::kRunning;
                k.started_at = now;
                k.run_by = who.user_id;
                break;
            case Action::kPause:
                k.status = CampaignStatus::kPaused;
                k.paused_at = now;
                break;
            case Action::kResume:
                k.status = CampaignStatus::kRunning;
                break;
            case Action::kCancel:
                k.status = CampaignStatus::kCancelled;
                k.completed_at = now;
                break;
            default:
                return Error::internal("not a status action");
        }
        k.status_reason.reset();
        k.updated_at = now;
        UJ_ASSIGN(auto moved, store::set_status(c, k, expected));
        if (!moved) return Error::conflict("CONFLICT", "The campaign changed meanwhile.");
        return k;
    }));
    if (action == Action::kStart || action == Action::kResume) wake_runner_();
    return view_of(who, std::move(k));
}

Result<std::pair<CampaignView, messaging::CampaignReport>> CampaignService::report(
    const Principal& who, const CampaignId& id) {
    UJ_ASSIGN(auto view, get(who, id));
    UJ_ASSIGN(auto report, messaging_.campaign_report(id));
    return std::make_pair(std::move(view), std::move(report));
}

Result<std::vector<RecipientView>> CampaignService::with_messages(const Principal& who,
                                                                  std::vector<Recipient> rows) {
    std::vector<MessageId> ids;
    for (const auto& r : rows)
        if (r.message_id) ids.push_back(*r.message_id);
    std::map<std::string, messaging::Message> by_id;
    if (!ids.empty()) {
        UJ_ASSIGN(auto found, messaging_.messages_by_ids(who, ids));
        for (auto& m : found) by_id.emplace(m.id.value, std::move(m));
    }
    std::vector<RecipientView> out;
    out.reserve(rows.size());
    for (auto& r : rows) {
        RecipientView v;
        if (r.message_id)
            if (auto it = by_id.find(r.message_id->value); it != by_id.end()) {
                v.message_status = std::string(messaging::status_name(it->second.status));
                v.price = it->second.price;
                v.error_code = it->second.error_code;
            }
        v.recipient = std::move(r);
        out.push_back(std::move(v));
    }
    return out;
}

Result<db::Listing<RecipientView>> CampaignService::recipients(const Principal& who,
                                                               const CampaignId& id,
                                                               const store::RecipientQuery& q,
                                                               db::Paged page) {
    UJ_ASSIGN(auto listing, db_.read([&](db::Connection& c) -> Result<db::Listing<Recipient>> {
        UJ_TRY(find(c, who, id));
        return store::list_recipients(c, id, q, page);
    }));
    db::Listing<RecipientView> out;
    out.count = listing.count;
    UJ_ASSIGN(out.items, with_messages(who, std::move(listing.items)));
    return out;
}

Result<std::vector<RecipientView>> CampaignService::export_recipients(
    const Principal& who, const CampaignId& id, const store::RecipientQuery& q,
    std::int64_t after_seq, int limit) {
    UJ_ASSIGN(auto rows, db_.read([&](db::Connection& c) -> Result<std::vector<Recipient>> {
        UJ_TRY(find(c, who, id));
        return store::export_recipients(c, id, q, after_seq, limit);
    }));
    return with_messages(who, std::move(rows));
}

Result<store::Progress> CampaignService::progress() {
    return db_.read([](db::Connection& c) { return store::progress(c); });
}

Result<store::Progress> CampaignService::progress(const Principal& who) {
    return db_.read([&](db::Connection& c) { return store::progress(c, who.account_id); });
}

}  // namespace ujumbe::campaigns
