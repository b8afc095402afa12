#include "crm/service.h"

#include <algorithm>
#include <cstdio>

#include "core/ids.h"
#include "core/log.h"
#include "core/utf8.h"
#include "crm/input.h"
#include "crm/timeline.h"
#include "crm/views.h"
#include "http/input.h"
#include "messaging/status.h"

namespace ujumbe::crm {

namespace {

using json = nlohmann::json;

bool contains(const std::vector<std::string>& list, const std::string& v) {
    return std::find(list.begin(), list.end(), v) != list.end();
}

std::string today(Micros now) {
    return format_iso8601(now).substr(0, 10);
}

std::string number_text(const std::string& prefix, int year, std::int64_t n) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s-%04d-%04lld", prefix.c_str(), year,
                  static_cast<long long>(n));
    return buf;
}

// The names of a reference's target, for its 400.
std::string target_noun(const std::string& target) {
    if (target == "users") return "member";
    if (target == "contacts") return "contact";
    std::string noun = entity(target).noun;
    noun[0] = static_cast<char>(noun[0] - 'A' + 'a');
    return noun;
}

// A reason or notes an action takes from its body: text of 1..`max`
// characters, required when `required`.
Result<std::optional<std::string>> action_text(const json& body, const std::string& name,
                                               bool required, std::size_t max) {
    http::Fields f(body);
    auto text = f.text(name, required ? http::Need::kRequired : http::Need::kOptional, 1, max);
    UJ_TRY(f.check());
    return text;
}

}  // namespace

const std::vector<ActionSpec>& actions() {
    static const std::vector<ActionSpec> all = {
        {"orders",
         "complete",
         {"pending", "confirmed", "processing", "shipped", "delivered"},
         "completed",
         "Order completed",
         "order.completed"},
        {"orders",
         "cancel",
         {"pending", "confirmed", "processing"},
         "cancelled",
         "Order cancelled",
         "order.cancelled"},
        {"payments",
         "process",
         {"pending", "processing"},
         "completed",
         "Payment processed",
         "payment.processed"},
        {"payments",
         "mark_failed",
         {"pending", "processing"},
         "failed",
         "Payment marked as failed",
         "payment.failed"},
        {"payments", "cancel", {"pending", "processing"}, "cancelled", "Payment cancelled"},
        {"issues",
         "resolve",
         {"open", "in_progress"},
         "resolved",
         "Issue resolved",
         "issue.resolved"},
        {"issues", "reopen", {"resolved", "closed"}, "open", "Issue reopened"},
        {"issues", "close", {"open", "in_progress", "resolved"}, "closed", "Issue closed"},
        {"activities", "complete", {"scheduled", "in_progress"}, "completed", "Activity completed"},
        {"activities", "cancel", {"scheduled", "in_progress"}, "cancelled", "Activity cancelled"},
        {"deals", "win", {"open"}, "won", "Deal won"},
        {"deals", "lose", {"open"}, "lost", "Deal lost"},
        {"deals", "reopen", {"won", "lost"}, "open", "Deal reopened"},
    };
    return all;
}

const std::vector<store::Stage>& default_stages() {
    static const std::vector<store::Stage> stages = {{"prospecting", "Prospecting", 10},
                                                     {"qualification", "Qualification", 25},
                                                     {"proposal", "Proposal", 50},
                                                     {"negotiation", "Negotiation", 75}};
    return stages;
}

CrmService::CrmService(db::Database& db, Clock& clock, contacts::ContactsService& contacts,
                       messaging::MessagingService* messaging, Notifications* notifications,
                       std::string default_currency)
    : db_(db),
      clock_(clock),
      contacts_(contacts),
      messaging_(messaging),
      notifications_(notifications),
      default_currency_(std::move(default_currency)) {}

Result<Record> CrmService::load(db::Connection& c, const Entity& e, const AccountId& account,
                                const std::string& id) {
    if (!is_uuid(id)) return Error::not_found(e.noun);
    UJ_ASSIGN(auto found, store::find(c, e, account, id));
    if (!found) return Error::not_found(e.noun);
    return std::move(*found);
}

Status CrmService::may_change(const Principal& who, const Entity& e, const Record& r) {
    if (who.can_manage()) return {};
    if (r.text("created_by") == who.user_id.value) return {};
    if (e.has_assignee && r.text("assigned_to") == who.user_id.value) return {};
    return Error::forbidden("Agents change only what is assigned to them or what they created.");
}

Status CrmService::check_references(db::Connection& c, const Entity& e, const AccountId& account,
                                    const json& values) {
    FieldErrors errors;
    for (const auto& field : e.fields) {
        const auto v = values.find(field.name);
        // What the server sets (created_by, processed_by, ...) it has checked.
        if (field.read_only || v == values.end() || v->is_null()) continue;
        if (field.kind == Kind::kReference) {
            UJ_ASSIGN(auto found, store::exists(c, field.target, account, v->get<std::string>()));
            if (!found)
                errors[field.name].push_back("No such " + target_noun(field.target) +
                                             " in this account.");
        } else if (field.kind == Kind::kAttendees) {
            for (const auto& a : *v) {
                const auto who = a.begin();
                const std::string target = who.key() == "user" ? "users" : "contacts";
                UJ_ASSIGN(auto found, store::exists(c, target, account, who->get<std::string>()));
                if (!found) {
                    errors[field.name].push_back("No such " + target_noun(target) +
                                                 " in this account: " + who->get<std::string>());
                    break;
                }
            }
        }
    }
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    return {};
}

Status CrmService::derive(db::Connection& c, const Entity& e, const AccountId& account, Record& r) {
    json& v = r.values;
    if (e.field("currency") && !r.has("currency")) v["currency"] = default_currency_;
    const auto copy_from_order = [&](const char* name) -> Status {
        if (r.has(name) || !r.has("order")) return {};
        UJ_ASSIGN(auto order, store::find(c, entity("orders"), account, r.text("order")));
        if (order && order->has(name)) v[name] = order->values[name];
        return {};
    };
    if (e.key == "orders") {
        std::int64_t subtotal = 0;
        for (const auto& item : r.items) subtotal += item.total_price;  // <= 500 x 1e15
        const std::int64_t total = subtotal + r.number("tax_amount") - r.number("discount_amount");
        if (total < 0)
            return Error::invalid("discount_amount",
                                  "The discount is more than the items and tax together.");
        v["subtotal"] = subtotal;
        v["total_amount"] = total;
        if (!r.has("amount_paid")) v["amount_paid"] = 0;
        if (!r.has("order_date")) v["order_date"] = today(clock_.now());
    } else if (e.key == "payments") {
        if (!r.has("payment_date")) v["payment_date"] = today(clock_.now());
        UJ_TRY(copy_from_order("customer"));
        UJ_TRY(copy_from_order("vendor"));
    } else if (e.key == "issues") {
        UJ_TRY(copy_from_order("customer"));
        UJ_TRY(copy_from_order("vendor"));
    } else if (e.key == "activities") {
        const std::string type = r.text("activity_type");
        for (const auto& field : e.fields)
            if (!field.only_for.empty() && field.only_for != type) v[field.name] = nullptr;
        if (type == "note" && !r.has("is_pinned")) v["is_pinned"] = false;
        v["due_at"] = type == "task" ? v["task_due_date"] : v["scheduled_at"];
        v["customer_name"] = nullptr;
        if (r.has("customer")) {
            UJ_ASSIGN(auto customer,
                      store::find(c, entity("customers"), account, r.text("customer")));
            if (customer) v["customer_name"] = customer->text("name");
        }
    } else if (e.key == "deals") {
        UJ_ASSIGN(auto stages, store::stages(c, account));
        if (stages.empty()) stages = default_stages();
        if (!r.has("stage")) v["stage"] = stages.front().key;
        const auto stage = std::find_if(stages.begin(), stages.end(),
                                        [&](const auto& s) { return s.key == r.text("stage"); });
        if (stage == stages.end()) {
            std::vector<std::string> keys;
            for (const auto& s : stages) keys.push_back(s.key);
            return Error::invalid("stage", "One of the pipeline's stages: " + listed(keys));
        }
        if (!r.has("probability")) v["probability"] = stage->probability;
    } else if (e.key == "customers") {
        if (!r.has("contact") && r.has("phone")) {
            UJ_ASSIGN(auto contact, contacts_.contact_id_by_phone(c, account, r.text("phone")));
            if (contact) v["contact"] = contact->value;
        }
    }
    return {};
}

Status CrmService::after_write(db::Connection& c, const Entity& e, const AccountId& account,
                               const Record& r, const std::optional<Record>& before) {
    if (e.key == "payments") {
        if (r.has("order")) UJ_TRY(store::refresh_amount_paid(c, account, r.text("order")));
        if (before && before->has("order") && before->text("order") != r.text("order"))
            UJ_TRY(store::refresh_amount_paid(c, account, before->text("order")));
    } else if (e.key == "customers" && before && before->text("name") != r.text("name")) {
        UJ_TRY(store::sync_customer_name(c, account, r.id, r.text("name")));
    }
    return {};
}

Result<std::string> CrmService::country_for(const Principal& who, const Entity& e,
                                            const json& body) {
    for (const auto& field : e.fields)
        if (field.kind == Kind::kPhone && body.contains(field.name))
            return contacts_.phone_country(who);
    return std::string();
}

Result<Record> CrmService::insert(db::Connection& c, const Principal& who, const Entity& e,
                                  Record r) {
    const Micros now = clock_.now();
    r.id = new_uuid_v7(now);
    r.values["created_by"] = who.user_id.value;
    r.values["created_at"] = now;
    r.values["updated_at"] = now;
    UJ_TRY(check_references(c, e, who.account_id, r.values));
    UJ_TRY(derive(c, e, who.account_id, r));
    if (!e.number_field.empty()) {
        const int year = std::stoi(format_iso8601(now).substr(0, 4));
        UJ_ASSIGN(auto n, store::next_number(c, who.account_id, e.number_prefix, year));
        r.values[e.number_field] = number_text(e.number_prefix, year, n);
    }
    UJ_TRY(store::insert(c, e, who.account_id, r));
    if (e.key == "orders") UJ_TRY(store::replace_items(c, who.account_id, r.id, r.items));
    UJ_TRY(after_write(c, e, who.account_id, r, std::nullopt));
    return load(c, e, who.account_id, r.id);
}

Result<Record> CrmService::create(const Principal& who, const Entity& e, const json& body) {
    UJ_ASSIGN(auto country, country_for(who, e, body));
    UJ_ASSIGN(auto in, read_input(e, body, true, country));
    Record r;
    r.values = std::move(in.values);
    if (in.items) r.items = std::move(*in.items);
    std::set<std::string> given;
    for (const auto& [name, value] : r.values.items()) given.insert(name);
    if (e.key == "activities") UJ_TRY(check_type_fields(e, r.values, given));
    if (!e.editable_statuses.empty() && r.has("status") &&
        !contains(e.editable_statuses, r.text("status")))
        return Error::invalid(
            "status", "A new " + e.noun + " starts in one of: " + listed(e.editable_statuses));
    auto made = db_.write([&](db::Connection& c) { return insert(c, who, e, std::move(r)); });
    if (!made) return made;
    created();
    if (e.key == "orders" && notifications_)
        notifications_->on_event(who, "order.created", e, *made);
    return made;
}

void CrmService::created() {
    {
        const std::lock_guard lock(statistics_mutex_);
        if (!statistics_.due(1, clock_.now())) return;
    }
    if (auto s = db_.write(store::refresh_statistics); !s)
        log::warn("refreshing CRM statistics failed", {{"error", s.error().message}});
}

Result<Record> CrmService::update(const Principal& who, const Entity& e, const std::string& id,
                                  const json& body) {
    UJ_ASSIGN(auto country, country_for(who, e, body));
    UJ_ASSIGN(auto in, read_input(e, body, false, country));
    return db_.write([&](db::Connection& c) -> Result<Record> {
        UJ_ASSIGN(auto before, load(c, e, who.account_id, id));
        UJ_TRY(may_change(who, e, before));
        const std::string status = before.text("status");
        if (contains(e.final_statuses, status))
            return Error::invalid_status(status, e.editable_statuses);
        if (in.values.contains("status") && !e.editable_statuses.empty() &&
            !contains(e.editable_statuses, in.values["status"].get<std::string>()))
            return Error::invalid("status", "Moves to " + in.values["status"].get<std::string>() +
                                                " only through its action.");
        Record r = before;
        // A deal moved to another stage takes that stage's probability
        // unless one is given with it.
        if (e.key == "deals" && in.values.contains("stage") && !in.values.contains("probability"))
            r.values["probability"] = nullptr;
        std::set<std::string> given;
        for (const auto& [name, value] : in.values.items()) {
            r.values[name] = value;
            given.insert(name);
        }
        if (in.items) r.items = std::move(*in.items);
        if (e.key == "activities") UJ_TRY(check_type_fields(e, r.values, given));
        UJ_TRY(check_references(c, e, who.account_id, in.values));
        r.values["updated_at"] = clock_.now();
        UJ_TRY(derive(c, e, who.account_id, r));
        UJ_TRY(store::update(c, e, who.account_id, r));
        if (in.items) UJ_TRY(store::replace_items(c, who.account_id, r.id, r.items));
        UJ_TRY(after_write(c, e, who.account_id, r, before));
        return load(c, e, who.account_id, id);
    });
}

Result<Record> CrmService::get(const Principal& who, const Entity& e, const std::string& id) {
    return db_.read([&](db::Connection& c) { return load(c, e, who.account_id, id); });
}

Status CrmService::remove(const Principal& who, const Entity& e, const std::string& id) {
    return db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto r, load(c, e, who.account_id, id));
        UJ_TRY(may_change(who, e, r));
        // Nothing is left pointing at a record that is gone.
        UJ_ASSIGN(auto users, store::referenced_by(c, e, who.account_id, id));
        if (!users.empty()) {
            Error in_use =
                Error::conflict("IN_USE", "The " + target_noun(e.key) + " is still referenced by " +
                                              listed(users) + " Delete or change those first.");
            in_use.details["referenced_by"] = users;
            return in_use;
        }
        UJ_ASSIGN(auto gone, store::remove(c, e, who.account_id, id));
        if (!gone) return Error::not_found(e.noun);
        if (e.key == "payments" && r.has("order") && r.text("status") == "completed")
            UJ_TRY(store::refresh_amount_paid(c, who.account_id, r.text("order")));
        return {};
    });
}

Result<db::WindowListing<Record>> CrmService::list(const Principal& who, const Entity& e,
                                                   const store::ListQuery& q,
                                                   const db::Paged& page) {
    return db_.read([&](db::Connection& c) { return store::list(c, e, who.account_id, q, page); });
}

Result<std::vector<Record>> CrmService::export_page(const Principal& who, const Entity& e,
                                                    const store::ListQuery& q,
                                                    const std::string& after, int limit) {
    return db_.read([&](db::Connection& c) {
        return store::export_page(c, e, who.account_id, q, after, limit);
    });
}

Result<store::Stats> CrmService::stats(const Principal& who, const Entity& e,
                                       const store::ListQuery& q) {
    return db_.read([&](db::Connection& c) { return store::stats(c, e, who.account_id, q); });
}

Result<Record> CrmService::act(const Principal& who, const ActionSpec& action,
                               const std::string& id, const json& body) {
    const Entity& e = entity(action.entity);
    std::optional<std::string> note;
    if (action.name == "mark_failed" || action.name == "lose") {
        UJ_ASSIGN(note, action_text(body, "reason", true, 500));
    } else if (action.name == "cancel" && e.key == "orders") {
        UJ_ASSIGN(note, action_text(body, "reason", false, 500));
    } else if (action.name == "resolve") {
        UJ_ASSIGN(note, action_text(body, "resolution_notes", false, 5000));
    }
    auto done = db_.write([&](db::Connection& c) -> Result<Record> {
        UJ_ASSIGN(auto r, load(c, e, who.account_id, id));
        UJ_TRY(may_change(who, e, r));
        const std::string status = r.text("status");
        if (!contains(action.from, status)) return Error::invalid_status(status, action.from);
        const Micros now = clock_.now();
        json& v = r.values;
        v["status"] = action.to;
        v["updated_at"] = now;
        const json text = note ? json(*note) : json(nullptr);
        if (e.key == "orders") {
            v[action.name == "complete" ? "completed_at" : "cancelled_at"] = now;
            if (action.name == "cancel") v["cancel_reason"] = text;
        } else if (e.key == "payments") {
            if (action.name == "process") {
                v["processed_at"] = now;
                v["processed_by"] = who.user_id.value;
            }
            if (action.name == "mark_failed") v["failure_reason"] = text;
        } else if (e.key == "issues") {
            if (action.name == "resolve") {
                v["resolved_at"] = now;
                v["resolved_by"] = who.user_id.value;
                v["resolution_notes"] = text;
            } else if (action.name == "reopen") {
                v["resolved_at"] = v["resolved_by"] = v["resolution_notes"] = nullptr;
            }
        } else if (e.key == "activities") {
            if (action.name == "complete") v["completed_at"] = now;
        } else if (e.key == "deals") {
            if (action.name == "reopen") {
                v["closed_at"] = v["lost_reason"] = nullptr;
            } else {
                v["closed_at"] = now;
                v["probability"] = action.name == "win" ? 100 : 0;
                v["lost_reason"] = text;
            }
        }
        UJ_TRY(store::update(c, e, who.account_id, r));
        UJ_TRY(after_write(c, e, who.account_id, r, r));
        return load(c, e, who.account_id, id);
    });
    if (done && notifications_ && !action.event.empty())
        notifications_->on_event(who, action.event, e, *done);
    return done;
}

Result<Record> CrmService::customer_from_contact(const Principal& who, const ContactId& contact) {
    UJ_ASSIGN(auto detail, contacts_.get(who, contact));
    const auto& found = detail.contact;
    Record r;
    r.values["name"] = !found.name.empty() ? found.name
                       : found.phone_e164  ? *found.phone_e164
                                           : found.email.value_or("Customer");
    if (found.phone_e164) r.values["phone"] = *found.phone_e164;
    if (found.email) r.values["email"] = *found.email;
    r.values["contact"] = contact.value;
    r.values["status"] = "active";
    r.values["customer_type"] = "individual";
    return db_.write(
        [&](db::Connection& c) { return insert(c, who, entity("customers"), std::move(r)); });
}

Result<CrmService::Converted> CrmService::convert_lead(const Principal& who, const std::string& id,
                                                       const json& body) {
    UJ_ASSIGN(auto title, action_text(body, "deal_title", false, 200));
    const Entity& leads = entity("leads");
    return db_.write([&](db::Connection& c) -> Result<Converted> {
        UJ_ASSIGN(auto lead, load(c, leads, who.account_id, id));
        UJ_TRY(may_change(who, leads, lead));
        const std::string status = lead.text("status");
        static const std::vector<std::string> from = {"new", "contacted", "qualified"};
        if (!contains(from, status)) return Error::invalid_status(status, from);
        Record customer;
        for (const char* name :
             {"name", "email", "phone", "company", "address", "city", "country", "assigned_to"})
            customer.values[name] = lead.values[name];
        customer.values["status"] = "active";
        customer.values["customer_type"] = lead.has("company") ? "business" : "individual";
        UJ_ASSIGN(auto made, insert(c, who, entity("customers"), std::move(customer)));
        Record deal;
        deal.values["title"] = title.value_or(lead.text("name"));
        deal.values["customer"] = made.id;
        deal.values["lead"] = lead.id;
        deal.values["value"] = lead.values["estimated_value"];
        deal.values["currency"] = lead.values["currency"];
        deal.values["assigned_to"] = lead.values["assigned_to"];
        deal.values["status"] = "open";
        UJ_ASSIGN(auto deal_made, insert(c, who, entity("deals"), std::move(deal)));
        const Micros now = clock_.now();
        lead.values["status"] = "converted";
        lead.values["converted_customer"] = made.id;
        lead.values["converted_deal"] = deal_made.id;
        lead.values["converted_at"] = now;
        lead.values["updated_at"] = now;
        UJ_TRY(store::update(c, leads, who.account_id, lead));
        UJ_ASSIGN(auto saved, load(c, leads, who.account_id, id));
        return Converted{std::move(saved), std::move(made), std::move(deal_made)};
    });
}

Result<std::vector<store::Stage>> CrmService::pipeline(const Principal& who) {
    UJ_ASSIGN(auto stages,
              db_.read([&](db::Connection& c) { return store::stages(c, who.account_id); }));
    if (stages.empty()) return default_stages();
    return stages;
}

Result<std::vector<store::Stage>> CrmService::set_pipeline(
    const Principal& who, const std::vector<store::Stage>& stages) {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins change the pipeline.");
    return db_.write([&](db::Connection& c) -> Result<std::vector<store::Stage>> {
        UJ_ASSIGN(auto current, store::stages(c, who.account_id));
        if (current.empty()) current = default_stages();
        std::vector<std::string> dropped;
        for (const auto& s : current)
            if (std::none_of(stages.begin(), stages.end(),
                             [&](const auto& n) { return n.key == s.key; }))
                dropped.push_back(s.key);
        if (!dropped.empty()) {
            UJ_ASSIGN(auto held, store::count_deals_in(c, who.account_id, dropped));
            if (held > 0)
                return Error::invalid("stages", (held == 1 ? std::string("1 deal is")
                                                           : std::to_string(held) + " deals are") +
                                                    " in a stage this would drop; move them "
                                                    "first.");
        }
        UJ_TRY(store::set_stages(c, who.account_id, stages, clock_.now()));
        return stages;
    });
}

Result<db::WindowListing<store::Entry>> CrmService::timeline(const Principal& who,
                                                             const std::string& id,
                                                             const db::Window& window) {
    const db::Window each = source_window(window);
    std::vector<db::WindowListing<store::Entry>> parts;
    std::string phone;
    UJ_TRY(db_.read([&](db::Connection& c) -> Status {
        UJ_TRY(load(c, entity("customers"), who.account_id, id));
        UJ_ASSIGN(phone, store::customer_number(c, who.account_id, id));
        UJ_ASSIGN(auto records, store::timeline(c, who.account_id, id, each));
        parts.push_back(std::move(records));
        return {};
    }));
    if (messaging_ && !phone.empty()) {
        // Sent to the customer's number (its contact's), and received from it.
        messaging::MessageQuery sent, received;
        sent.to = phone;
        received.sender = phone;
        received.direction = "inbound";
        for (const auto* q : {&sent, &received}) {
            UJ_ASSIGN(auto messages, messaging_->list(who, *q, each));
            db::WindowListing<store::Entry> part;
            part.count = messages.count;
            part.count_is_estimate = messages.count_is_estimate;
            part.more = messages.more;
            part.next = messages.next;
            part.previous = messages.previous;
            for (const auto& m : messages.items)
                part.items.push_back(
                    store::Entry{"message", m.id.value, std::string(utf8_prefix(m.body, 100)),
                                 std::string(messaging::status_name(m.status)), m.created_at});
            parts.push_back(std::move(part));
        }
    }
    return merge_windows(std::move(parts), window);
}

}  // namespace ujumbe::crm
