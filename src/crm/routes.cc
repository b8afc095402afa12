// HTTP handlers of the CRM: read the query and body, call the service,
// shape the answer. One set of handlers serves every kind of record.

#include "crm/routes.h"

#include <algorithm>

#include "core/dates.h"
#include "core/validate.h"
#include "crm/views.h"
#include "formats/csv.h"
#include "http/envelope.h"
#include "http/input.h"
#include "http/pagination.h"
#include "http/route_docs.h"
#include "http/schema.h"

namespace ujumbe::crm {

namespace {

using http::Method;
using http::Request;
using http::RequestContext;
using http::Response;
using json = nlohmann::json;

constexpr int kExportPage = 500;
constexpr std::int64_t kDefaultDays = 7;
constexpr std::int64_t kMaxDays = 365;

std::string one_of(const std::vector<std::string>& choices) {
    return "One of " + listed(choices);
}

// A date or time bound of ?<field>_after= / ?<field>_before=.
void read_range(const Request& req, const Field& f, store::ListQuery& q, FieldErrors& errors) {
    for (const bool after : {true, false}) {
        const std::string name = f.name + (after ? "_after" : "_before");
        const auto v = req.query_param(name);
        if (!v) continue;
        if (f.kind == Kind::kDate) {
            if (v->size() != 10 || !parse_date_param(*v)) {
                errors[name].push_back("Must be a date such as 2026-01-15.");
                continue;
            }
            q.conditions.emplace_back("t." + f.column() + (after ? " >= {}" : " <= {}"), *v);
        } else {
            const auto at = parse_date_param(*v, !after);
            if (!at) {
                errors[name].push_back(kDateHint);
                continue;
            }
            q.conditions.emplace_back("t." + f.column() + (after ? " >= {}" : " < {}"), *at);
        }
    }
}

// The filters, search and ordering of a list (and its stats and export).
Result<store::ListQuery> read_query(const Entity& e, const Request& req) {
    store::ListQuery q;
    FieldErrors errors;
    for (const auto& f : e.fields) {
        if (!f.filter) continue;
        if (f.kind == Kind::kTime || f.kind == Kind::kDate) {
            read_range(req, f, q, errors);
            continue;
        }
        const auto v = req.query_param(f.name);
        if (!v) continue;
        const std::string condition = "t." + f.column() + " = {}";
        if (f.kind == Kind::kChoice) {
            if (std::find(f.choices.begin(), f.choices.end(), *v) == f.choices.end())
                errors[f.name].push_back(one_of(f.choices));
            else
                q.conditions.emplace_back(condition, *v);
        } else if (f.kind == Kind::kReference) {
            if (!is_uuid(*v))
                errors[f.name].push_back("Not an id.");
            else
                q.conditions.emplace_back(condition, *v);
        } else if (f.kind == Kind::kBool) {
            if (*v != "true" && *v != "false")
                errors[f.name].push_back("true or false.");
            else
                q.conditions.emplace_back(condition, *v == "true");
        } else {
            if (v->size() > 200 || !is_clean_text(*v))
                errors[f.name].push_back("At most 200 characters.");
            else
                q.conditions.emplace_back(condition, *v);
        }
    }
    if (auto v = req.query_param("search")) {
        if (v->size() > 200 || !is_clean_text(*v))
            errors["search"].push_back("At most 200 characters.");
        else if (!v->empty())
            q.search = *v;
    }
    if (auto v = req.query_param("ordering")) {
        const std::string name = v->starts_with('-') ? v->substr(1) : *v;
        const Field* f = e.field(name);
        if (!f || !f->ordering) {
            std::vector<std::string> names;
            for (const auto& field : e.fields)
                if (field.ordering) names.push_back(field.name);
            errors["ordering"].push_back(one_of(names) + " Each with - for descending.");
        } else {
            q.ordering = *v;
        }
    }
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    return q;
}

// The query parameters read_query() reads, for the OpenAPI document.
std::vector<http::QueryDoc> list_parameters(const Entity& e) {
    std::vector<http::QueryDoc> out;
    std::vector<std::string> orderings;
    for (const auto& f : e.fields) {
        if (f.ordering) {
            orderings.push_back(f.name);
            orderings.push_back("-" + f.name);
        }
        if (!f.filter) continue;
        if (f.kind == Kind::kTime || f.kind == Kind::kDate) {
            out.push_back({f.name + "_after"});
            out.push_back({f.name + "_before"});
        } else if (f.kind == Kind::kChoice) {
            out.push_back({f.name, f.choices});
        } else {
            out.push_back({f.name, {}, f.kind == Kind::kBool ? "boolean" : "string"});
        }
    }
    out.push_back({"search"});
    out.push_back({"ordering", std::move(orderings)});
    return out;
}

// What due_activities() reads: the list's, and how many days ahead.
std::vector<http::QueryDoc> due_parameters(const Entity& e, bool overdue) {
    auto out = list_parameters(e);
    if (!overdue) out.push_back({"days", {}, "integer"});
    return out;
}

std::string id_param(RequestContext& ctx) {
    return ctx.param("id");
}

// The handlers of one entity.
struct Handlers {
    CrmService& s;
    const Entity& e;

    Result<Response> list(RequestContext& ctx, const Request& req) const {
        UJ_ASSIGN(auto q, read_query(e, req));
        return list_of(ctx, req, q);
    }

    Result<Response> list_of(RequestContext& ctx, const Request& req,
                             const store::ListQuery& q) const {
        UJ_ASSIGN(auto page, http::page_window(req));
        UJ_ASSIGN(auto listing, s.list(ctx.who(), e, q, page));
        json results = json::array();
        for (const auto& r : listing.items) results.push_back(record_json(e, r));
        return http::window_response(req, db::Window{.limit = page.limit, .offset = page.offset},
                                     std::move(results), listing);
    }

    Result<Response> create(RequestContext& ctx, const Request& req) const {
        UJ_ASSIGN(auto body, http::parse_json_object(req));
        UJ_ASSIGN(auto r, s.create(ctx.who(), e, body));
        return http::created(record_json(e, r));
    }

    Result<Response> get(RequestContext& ctx, const Request&) const {
        UJ_ASSIGN(auto r, s.get(ctx.who(), e, id_param(ctx)));
        return http::ok(record_json(e, r));
    }

    Result<Response> update(RequestContext& ctx, const Request& req) const {
        UJ_ASSIGN(auto body, http::parse_json_object(req));
        UJ_ASSIGN(auto r, s.update(ctx.who(), e, id_param(ctx), body));
        return http::ok(record_json(e, r));
    }

    Result<Response> remove(RequestContext& ctx, const Request&) const {
        const std::string id = id_param(ctx);
        UJ_TRY(s.remove(ctx.who(), e, id));
        return http::ok({{"id", id}, {"deleted", true}}, 200, e.noun + " deleted");
    }

    Result<Response> stats(RequestContext& ctx, const Request& req) const {
        UJ_ASSIGN(auto q, read_query(e, req));
        UJ_ASSIGN(auto st, s.stats(ctx.who(), e, q));
        return http::ok(stats_json(e, st));
    }

    Result<Response> act(const ActionSpec& a, RequestContext& ctx, const Request& req) const {
        UJ_ASSIGN(auto body, http::parse_json_object(req));
        UJ_ASSIGN(auto r, s.act(ctx.who(), a, id_param(ctx), body));
        return http::ok(record_json(e, r), 200, a.message);
    }

    // GET .../export: every record the filters keep, as CSV, streamed.
    Result<Response> export_csv(RequestContext& ctx, const Request& req) const {
        UJ_ASSIGN(auto q, read_query(e, req));
        struct State {
            bool header_sent = false;
            std::string after;
        };
        auto state = std::make_shared<State>();
        Response res;
        res.content_type = "text/csv; charset=utf-8";
        res.headers.emplace_back("Content-Disposition",
                                 "attachment; filename=\"" + e.key + ".csv\"");
        res.stream = [&s = s, &e = e, who = ctx.who(), q, state](std::string& out) -> Result<bool> {
            if (!state->header_sent) {
                formats::csv::append_record(out, csv_header(e));
                state->header_sent = true;
            }
            UJ_ASSIGN(auto page, s.export_page(who, e, q, state->after, kExportPage));
            for (const auto& r : page) formats::csv::append_record(out, csv_row(e, r));
            if (static_cast<int>(page.size()) < kExportPage) return false;
            state->after = page.back().id;
            return true;
        };
        return res;
    }
};

// GET /activities/upcoming?days=N and /activities/overdue: open activities
// due in the next N days, or already past due, soonest first.
Result<Response> due_activities(const Handlers& h, RequestContext& ctx, const Request& req,
                                bool overdue, Clock& clock) {
    std::int64_t days = kDefaultDays;
    if (auto v = req.query_param("days")) {
        if (!all_digits(*v) || v->empty() || v->size() > 3 || std::stoll(*v) < 1 ||
            std::stoll(*v) > kMaxDays)
            return Error::invalid("days", "A whole number from 1 to 365.");
        days = std::stoll(*v);
    }
    UJ_ASSIGN(auto q, read_query(h.e, req));
    const Micros now = clock.now();
    q.conditions.emplace_back(
        "t.status IN ('scheduled', 'in_progress') AND t.due_at IS NOT NULL "
        "AND t.due_at >= {}",
        overdue ? Micros{0} : now);
    q.conditions.emplace_back("t.due_at < {}",
                              overdue ? now : now + days * 86400 * kMicrosPerSecond);
    if (!req.query_param("ordering")) q.ordering = "due_at";
    return h.list_of(ctx, req, q);
}

json entry_json(const store::Entry& e) {
    return {{"kind", e.kind},
            {"id", e.id},
            {"title", e.title},
            {"status", e.status},
            {"at", format_iso8601(e.at)}};
}

json entry_schema() {
    using namespace http::schema;
    return object(
        {{"kind", http::schema::one_of({"activity", "order", "payment", "issue", "message"})},
         {"id", text()},
         {"title", text()},
         {"status", text()},
         {"at", time()}});
}

// The body of a create (its required fields required) or of an edit: the
// writable fields of `e`, and an order's items.
json body_schema(const Entity& e, bool create) {
    using namespace http::schema;
    json out = {{"type", "object"}, {"properties", json::object()}, {"required", json::array()}};
    for (const auto& f : e.fields) {
        if (f.read_only) continue;
        const bool never_null = f.required || (f.kind == Kind::kChoice && f.only_for.empty());
        out["properties"][f.name] =
            never_null ? field_schema(f, true) : nullable(field_schema(f, true));
        if (create && f.required) out["required"].push_back(f.name);
    }
    if (e.key == "orders")
        out["properties"]["items"] =
            nullable(array_of(object({{"item_name", text()},
                                      {"description", text()},
                                      {"sku", text()},
                                      {"quantity", integer()},
                                      {"unit_price", {{"anyOf", json::array({text(), number()})}}}},
                                     {"description", "sku"})));
    return out;
}

// The list `name` of a body: `min`..`max` objects, each read by
// read(fields, out); problems named `name.<n>.<field>`, `described` in the
// message of a list that is not one.
template <typename T, typename Read>
Result<std::vector<T>> read_objects(const Request& req, const std::string& name, std::size_t min,
                                    std::size_t max, const std::string& described, Read read) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    const auto list = body.find(name);
    if (list == body.end() || !list->is_array() || list->size() < min || list->size() > max)
        return Error::invalid(name, "A list of " + std::to_string(min) + " to " +
                                        std::to_string(max) + " " + described + ".");
    std::vector<T> out;
    http::Fields all(body);
    for (std::size_t i = 0; i < list->size(); ++i) {
        const json& raw = (*list)[i];
        const std::string prefix = name + "." + std::to_string(i);
        if (!raw.is_object()) {
            all.fail(prefix, "Each is " + described + ".");
            continue;
        }
        http::Fields f(raw);
        T item;
        read(f, out, item);
        all.merge(f, prefix);
        out.push_back(std::move(item));
    }
    UJ_TRY(all.check());
    return out;
}

Result<std::vector<store::Stage>> read_stages(const Request& req) {
    return read_objects<store::Stage>(
        req, "stages", 1, 20, "stages {key, name, probability}",
        [](http::Fields& f, const std::vector<store::Stage>& before, store::Stage& s) {
            s.key = f.text("key", http::Need::kRequired, 1, 50).value_or("");
            s.name = f.text("name", http::Need::kOptional, 1, 100).value_or(s.key);
            s.probability = f.integer("probability", http::Need::kOptional, 0, 100).value_or(0);
            if (!s.key.empty() && s.key.find_first_not_of(
                                      "abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
                f.fail("key", "Lower-case letters, digits and _.");
            if (std::any_of(before.begin(), before.end(),
                            [&](const auto& o) { return o.key == s.key; }))
                f.fail("key", "Each stage's key appears once.");
        });
}

json pipeline_schema() {
    using namespace http::schema;
    return object(
        {{"stages",
          array_of(object({{"key", text()}, {"name", text()}, {"probability", integer()}}))}});
}

json notifications_json(const std::vector<Notification>& list) {
    json out = json::array();
    for (const auto& n : list)
        out.push_back(
            {{"event", n.event}, {"template", n.template_id.value}, {"enabled", n.enabled}});
    return {{"notifications", out}, {"events", notification_events()}};
}

json notifications_schema() {
    using namespace http::schema;
    return object(
        {{"notifications", array_of(object({{"event", http::schema::one_of(notification_events())},
                                            {"template", text()},
                                            {"enabled", boolean()}}))},
         {"events", array_of(http::schema::one_of(notification_events()))}});
}

// {"notifications": [{event, template, enabled}]}: each event at most once.
Result<std::vector<Notification>> read_notifications(const Request& req) {
    return read_objects<Notification>(
        req, "notifications", 0, notification_events().size(),
        "notifications {event, template, enabled}",
        [](http::Fields& f, const std::vector<Notification>& before, Notification& n) {
            n.event = f.choice("event", http::Need::kRequired, notification_events()).value_or("");
            n.template_id =
                f.id<TemplateId>("template", http::Need::kRequired).value_or(TemplateId{});
            n.enabled = f.boolean("enabled", http::Need::kOptional).value_or(true);
            if (std::any_of(before.begin(), before.end(),
                            [&](const auto& o) { return o.event == n.event; }))
                f.fail("event", "Each event appears once.");
        });
}

json stages_json(const std::vector<store::Stage>& stages) {
    json out = json::array();
    for (const auto& s : stages)
        out.push_back({{"key", s.key}, {"name", s.name}, {"probability", s.probability}});
    return {{"stages", out}};
}

// The schema names of kind `e`: "CrmOrder", "CrmOrderStats", ...
std::string schema_name(const Entity& e, const std::string& suffix = "") {
    return "Crm" + e.noun + suffix;
}

// The schemas of the CRM's answers and bodies (the OpenAPI document).
void define_schemas(http::Router& router) {
    using namespace http::schema;
    for (const auto& e : entities()) {
        router.define_schema(schema_name(e), record_schema(e));
        router.define_schema(schema_name(e, "Stats"), stats_schema(e));
        router.define_schema(schema_name(e, "CreateRequest"), body_schema(e, true));
        router.define_schema(schema_name(e, "UpdateRequest"), body_schema(e, false));
    }
    router.define_schema("CrmTimelineEntry", entry_schema());
    router.define_schema("CrmLeadConversion", object({{"lead", ref("CrmLead")},
                                                      {"customer", ref("CrmCustomer")},
                                                      {"deal", ref("CrmDeal")}}));
    router.define_schema("CrmLeadConvertRequest", object({{"deal_title", text()}}, {"deal_title"}));
    router.define_schema("CrmCustomerFromContactRequest", object({{"contact_id", text()}}));
    router.define_schema("CrmPipeline", pipeline_schema());
    router.define_schema(
        "CrmPipelineRequest",
        object({{"stages",
                 array_of(object({{"key", text()}, {"name", text()}, {"probability", integer()}},
                                 {"name", "probability"}))}}));
    router.define_schema("CrmNotifications", notifications_schema());
    router.define_schema(
        "CrmNotificationsRequest",
        object({{"notifications",
                 array_of(object({{"event", http::schema::one_of(notification_events())},
                                  {"template", text()},
                                  {"enabled", boolean()}},
                                 {"enabled"}))}}));
    router.define_schema("CrmReasonRequest", object({{"reason", text()}}));
    router.define_schema("CrmOrderCancelRequest", object({{"reason", text()}}, {"reason"}));
    router.define_schema("CrmIssueResolveRequest",
                         object({{"resolution_notes", text()}}, {"resolution_notes"}));
}

// The body an action reads (CrmService::act): a reason or notes, or none.
std::string action_request(const ActionSpec& a) {
    if (a.name == "mark_failed" || a.name == "lose") return "CrmReasonRequest";
    if (a.name == "cancel" && a.entity == "orders") return "CrmOrderCancelRequest";
    if (a.name == "resolve") return "CrmIssueResolveRequest";
    return "";
}

// "an order", "a customer".
std::string a_noun(const Entity& e) {
    std::string noun = e.noun;
    noun[0] = static_cast<char>(noun[0] - 'A' + 'a');
    const bool vowel = std::string("aeiou").find(noun[0]) != std::string::npos;
    return (vowel ? "an " : "a ") + noun;
}

// "Complete an order", "Mark a payment as failed".
std::string action_summary(const Entity& e, const ActionSpec& a) {
    if (a.name == "mark_failed") return "Mark " + a_noun(e) + " as failed";
    std::string verb = a.name;
    verb[0] = static_cast<char>(verb[0] - 'a' + 'A');
    return verb + " " + a_noun(e);
}

}  // namespace

void add_routes(http::Router& router, CrmService& s, Notifications& notifications, Clock& clock) {
    const http::RouteOptions read{.scope = "crm:read"};
    const http::RouteOptions write{.scope = "crm:write"};
    const std::string base = "/api/v1/crm";
    define_schemas(router);
    for (const auto& e : entities()) {
        const Handlers h{s, e};
        const std::string p = base + "/" + e.key;
        const auto bind = [h](auto member) {
            return [h, member](RequestContext& ctx, const Request& req) {
                return (h.*member)(ctx, req);
            };
        };
        // Fixed paths before /{id}, which would take them.
        router.add(Method::kGet, p + "/stats", bind(&Handlers::stats),
                   http::documented(read, {.summary = "Count the account's " + e.key +
                                                      " (the list's filters apply)",
                                           .response = schema_name(e, "Stats"),
                                           .query = list_parameters(e)}));
        router.add(Method::kGet, p + "/export", bind(&Handlers::export_csv),
                   http::documented(read, {.summary = "Export the account's " + e.key + " as CSV",
                                           .files = {"text/csv"},
                                           .query = list_parameters(e)}));
        if (e.key == "activities") {
            for (const bool overdue : {false, true})
                router.add(
                    Method::kGet, p + (overdue ? "/overdue" : "/upcoming"),
                    [h, overdue, &clock](RequestContext& ctx, const Request& req) {
                        return due_activities(h, ctx, req, overdue, clock);
                    },
                    http::listing(read,
                                  overdue
                                      ? "List the open activities past due"
                                      : "List the open activities due in the next days (days=7)",
                                  schema_name(e), due_parameters(e, overdue)));
        }
        if (e.key == "customers") {
            router.add(
                Method::kPost, p + "/from-contact",
                [h](RequestContext& ctx, const Request& req) -> Result<Response> {
                    UJ_ASSIGN(auto body, http::parse_json_object(req));
                    http::Fields f(body);
                    auto contact = f.id<ContactId>("contact_id", http::Need::kRequired);
                    UJ_TRY(f.check());
                    UJ_ASSIGN(auto r, h.s.customer_from_contact(ctx.who(), *contact));
                    return http::created(record_json(h.e, r));
                },
                http::answering(write, "Make a customer from a contact", schema_name(e), {201},
                                "CrmCustomerFromContactRequest"));
            router.add(
                Method::kGet, p + "/{id}/timeline",
                [h](RequestContext& ctx, const Request& req) -> Result<Response> {
                    UJ_ASSIGN(auto window, http::list_window(req));
                    UJ_ASSIGN(auto listing, h.s.timeline(ctx.who(), id_param(ctx), window));
                    json results = json::array();
                    for (const auto& entry : listing.items) results.push_back(entry_json(entry));
                    return http::window_response(req, window, std::move(results), listing);
                },
                http::listing(read,
                              "List a customer's activities, orders, payments, issues and messages",
                              "CrmTimelineEntry", {{"cursor"}}));
        }
        if (e.key == "leads") {
            router.add(
                Method::kPost, p + "/{id}/convert",
                [h](RequestContext& ctx, const Request& req) -> Result<Response> {
                    UJ_ASSIGN(auto body, http::parse_json_object(req));
                    UJ_ASSIGN(auto done, h.s.convert_lead(ctx.who(), id_param(ctx), body));
                    return http::ok({{"lead", record_json(h.e, done.lead)},
                                     {"customer", record_json(entity("customers"), done.customer)},
                                     {"deal", record_json(entity("deals"), done.deal)}},
                                    200, "Lead converted");
                },
                http::answering(write, "Convert a lead into a customer and a deal",
                                "CrmLeadConversion", {200}, "CrmLeadConvertRequest"));
        }
        router.add(
            Method::kGet, p, bind(&Handlers::list),
            http::listing(read, "List the account's " + e.key, schema_name(e), list_parameters(e)));
        router.add(Method::kPost, p, bind(&Handlers::create),
                   http::answering(write, "Create " + a_noun(e), schema_name(e), {201},
                                   schema_name(e, "CreateRequest")));
        router.add(Method::kGet, p + "/{id}", bind(&Handlers::get),
                   http::answering(read, "Show " + a_noun(e), schema_name(e)));
        // PUT changes what it is given, as PATCH does.
        router.add(Method::kPut, p + "/{id}", bind(&Handlers::update),
                   http::answering(write, "Change " + a_noun(e), schema_name(e), {},
                                   schema_name(e, "UpdateRequest")));
        router.add(Method::kPatch, p + "/{id}", bind(&Handlers::update),
                   http::answering(write, "Change " + a_noun(e), schema_name(e), {},
                                   schema_name(e, "UpdateRequest")));
        router.add(Method::kDelete, p + "/{id}", bind(&Handlers::remove),
                   http::answering(write, "Delete " + a_noun(e), "Deleted"));
        for (const auto& a : actions()) {
            if (a.entity != e.key) continue;
            router.add(
                Method::kPost, p + "/{id}/" + a.name,
                [h, &a](RequestContext& ctx, const Request& req) { return h.act(a, ctx, req); },
                http::documented(write, {.summary = action_summary(e, a),
                                         .response = schema_name(e),
                                         .success = {200},
                                         .request = action_request(a),
                                         .no_body = action_request(a).empty()}));
        }
    }
    router.add(
        Method::kGet, base + "/pipeline",
        [&s](RequestContext& ctx, const Request&) -> Result<Response> {
            UJ_ASSIGN(auto stages, s.pipeline(ctx.who()));
            return http::ok(stages_json(stages));
        },
        http::answering(read, "Show the stages of the account's deal pipeline", "CrmPipeline"));
    router.add(
        Method::kPut, base + "/pipeline",
        [&s](RequestContext& ctx, const Request& req) -> Result<Response> {
            UJ_ASSIGN(auto stages, read_stages(req));
            UJ_ASSIGN(auto saved, s.set_pipeline(ctx.who(), stages));
            return http::ok(stages_json(saved));
        },
        http::answering(write, "Set the stages of the account's deal pipeline", "CrmPipeline", {},
                        "CrmPipelineRequest"));
    router.add(
        Method::kGet, base + "/notifications",
        [&notifications](RequestContext& ctx, const Request&) -> Result<Response> {
            UJ_ASSIGN(auto list, notifications.list(ctx.who()));
            return http::ok(notifications_json(list));
        },
        http::answering(read, "List the templates sent on CRM events", "CrmNotifications"));
    router.add(
        Method::kPut, base + "/notifications",
        [&notifications](RequestContext& ctx, const Request& req) -> Result<Response> {
            UJ_ASSIGN(auto list, read_notifications(req));
            UJ_ASSIGN(auto saved, notifications.set(ctx.who(), list));
            return http::ok(notifications_json(saved));
        },
        http::answering(write, "Choose the templates sent on CRM events", "CrmNotifications", {},
                        "CrmNotificationsRequest"));
}

}  // namespace ujumbe::crm
