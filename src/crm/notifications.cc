#include "crm/notifications.h"

#include "campaigns/template_text.h"
#include "core/log.h"
#include "core/money.h"
#include "crm/store.h"

namespace ujumbe::crm {

namespace {

// The record's fields as a template's attributes: text as it is shown,
// money as decimal text.
nlohmann::json attributes_of(const Entity& e, const Record& r) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& f : e.fields) {
        const auto v = r.values.find(f.name);
        if (v == r.values.end() || v->is_null()) continue;
        if (f.kind == Kind::kMoney)
            out[f.name] = format_money(v->get<std::int64_t>());
        else if (v->is_string() || v->is_number_integer())
            out[f.name] = *v;
        if (f.kind == Kind::kReference) {
            const auto name = r.values.find(f.name + "_name");
            if (name != r.values.end() && name->is_string()) out[f.name + "_name"] = *name;
        }
    }
    if (e.key == "orders")
        out["outstanding_amount"] =
            format_money(r.number("total_amount") - r.number("amount_paid"));
    return out;
}

}  // namespace

const std::vector<std::string>& notification_events() {
    static const std::vector<std::string> events = {"order.created",   "order.completed",
                                                    "order.cancelled", "payment.processed",
                                                    "payment.failed",  "issue.resolved"};
    return events;
}

Notifications::Notifications(db::Database& db, Clock& clock, messaging::MessagingService& messaging,
                             campaigns::CampaignService& campaigns)
    : db_(db), clock_(clock), messaging_(messaging), campaigns_(campaigns) {}

Result<std::vector<Notification>> Notifications::list(const Principal& who) {
    return db_.read([&](db::Connection& c) -> Result<std::vector<Notification>> {
        UJ_ASSIGN(auto stored, store::attached_templates(c, who.account_id));
        std::vector<Notification> out;
        for (auto& a : stored) out.push_back({a.event, TemplateId{a.template_id}, a.enabled});
        return out;
    });
}

Result<std::vector<Notification>> Notifications::set(const Principal& who,
                                                     const std::vector<Notification>& list) {
    if (!who.can_manage())
        return Error::forbidden("Only owners and admins attach templates to CRM events.");
    FieldErrors errors;
    for (std::size_t i = 0; i < list.size(); ++i)
        if (!campaigns_.get_template(who, list[i].template_id))
            errors["notifications." + std::to_string(i) + ".template"].push_back(
                "No such template in this account.");
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    std::vector<store::AttachedTemplate> stored;
    for (const auto& n : list) stored.push_back({n.event, n.template_id.value, n.enabled});
    UJ_TRY(db_.write([&](db::Connection& c) {
        return store::set_attached_templates(c, who.account_id, stored, clock_.now());
    }));
    return list;
}

std::optional<MessageId> Notifications::on_event(const Principal& who, const std::string& event,
                                                 const Entity& e, const Record& r) {
    const auto fail = [&](const std::string& why) {
        log::warn("CRM event message not sent",
                  {{"event", event}, {"record", r.id}, {"reason", why}});
        return std::optional<MessageId>{};
    };
    auto attached = db_.read([&](db::Connection& c) -> Result<std::optional<Notification>> {
        UJ_ASSIGN(auto all, store::attached_templates(c, who.account_id));
        for (auto& n : all)
            if (n.event == event && n.enabled)
                return std::optional<Notification>(
                    Notification{n.event, TemplateId{n.template_id}, true});
        return std::optional<Notification>{};
    });
    if (!attached) return fail(attached.error().message);
    if (!*attached || !r.has("customer")) return std::nullopt;
    auto customer = db_.read([&](db::Connection& c) {
        return store::find(c, entity("customers"), who.account_id, r.text("customer"));
    });
    if (!customer || !*customer) return fail("the customer is gone");
    const Record& k = **customer;
    auto number = db_.read(
        [&](db::Connection& c) { return store::customer_number(c, who.account_id, k.id); });
    if (!number) return fail(number.error().message);
    const std::string& phone = *number;
    if (phone.empty()) return fail("the customer has no phone number");
    auto t = campaigns_.get_template(who, (*attached)->template_id);
    if (!t) return fail("the template is gone");
    auto parsed = campaigns::parse_template(t->body, "template");
    if (!parsed) return fail(parsed.error().message);
    campaigns::TemplateValues values{k.text("name"), phone, k.text("email"), attributes_of(e, r)};
    const auto rendered = campaigns::render(*parsed, values);
    if (rendered.missing) return fail("the template's " + *rendered.missing + " has no value");
    messaging::SendRequest request;
    request.to = phone;
    request.body = rendered.text;
    request.client_ref = event + ":" + r.id;
    auto sent = messaging_.send(who, request);
    if (!sent) return fail(sent.error().message);
    return sent->id;
}

}  // namespace ujumbe::crm
