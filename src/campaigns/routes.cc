// HTTP handlers of templates and campaigns: read and check input, call the
// service, shape the answer. No SQL and no business rules here.

#include "campaigns/routes.h"

#include <cmath>

#include "core/dates.h"
#include "core/ids.h"
#include "core/money.h"
#include "formats/csv.h"
#include "formats/phone.h"
#include "http/envelope.h"
#include "http/input.h"
#include "http/pagination.h"
#include "http/route_docs.h"
#include "http/schema.h"
#include "http/views_support.h"

namespace ujumbe::campaigns {

namespace {

using http::Fields;
using http::Method;
using http::Need;
using http::Request;
using http::RequestContext;
using http::Response;
using json = nlohmann::json;

constexpr std::size_t kMaxTargetIds = 10000;
constexpr int kExportPage = 1000;

const std::vector<std::string> kTypes = {"sms", "whatsapp", "email", "mixed"};
const std::vector<std::string> kOrderings = {
    "created_at",    "-created_at", "name",        "-name",      "scheduled_at",
    "-scheduled_at", "started_at",  "-started_at", "updated_at", "-updated_at"};

std::string type_display(const std::string& type) {
    if (type == "sms") return "SMS";
    if (type == "whatsapp") return "WhatsApp";
    if (type == "email") return "Email";
    return "Mixed";
}

// A percentage with one decimal.
double percent(std::int64_t part, std::int64_t whole) {
    if (whole <= 0) return 0.0;
    return std::round(static_cast<double>(part) * 1000.0 / static_cast<double>(whole)) / 10.0;
}

json template_json(const Template& t) {
    return {{"id", t.id.value},
            {"name", t.name},
            {"description", t.description},
            {"channel", t.channel},
            {"subject", http::text_or_null(t.subject)},
            {"body", t.body},
            {"html", http::text_or_null(t.html)},
            {"created_by", http::text_or_null(t.created_by)},
            {"created_at", format_iso8601(t.created_at)},
            {"updated_at", format_iso8601(t.updated_at)}};
}

nlohmann::json template_schema() {
    using namespace http::schema;
    return object({{"id", text()},
                   {"name", text()},
                   {"description", text()},
                   {"channel", one_of({"sms", "email"})},
                   {"subject", nullable(text())},
                   {"body", text()},
                   {"html", nullable(text())},
                   {"created_by", nullable(text())},
                   {"created_at", time()},
                   {"updated_at", time()}});
}

json campaign_json(const CampaignView& v) {
    const Campaign& k = v.campaign;
    json ids = json::array(), segments = json::array();
    for (const auto& id : k.targets.contact_ids) ids.push_back(id.value);
    for (const auto& id : k.targets.segment_ids) segments.push_back(id.value);
    json excluded = json::object();
    for (const auto& [reason, n] : k.exclusions) excluded[reason] = n;
    const std::int64_t processed = k.accepted_count + k.skipped_count;
    std::int64_t progress = 0;
    if (k.status == CampaignStatus::kCompleted)
        progress = 100;
    else if (k.phase && *k.phase == phase::kSending && k.total_recipients > 0)
        progress = std::min<std::int64_t>(100, processed * 100 / k.total_recipients);
    return {{"id", k.id.value},
            {"name", k.name},
            {"description", k.description},
            {"campaign_type", k.campaign_type},
            {"campaign_type_display", type_display(k.campaign_type)},
            {"message_text", http::text_or_null(k.message_text)},
            {"template", http::text_or_null(k.template_id)},
            {"template_name", http::text_or_null(v.template_name)},
            {"whatsapp_template",
             k.whatsapp_template.is_object() ? k.whatsapp_template : nlohmann::json(nullptr)},
            {"sender_id", http::text_or_null(k.sender_id)},
            {"status", std::string(status_name(k.status))},
            {"status_display", status_display(k.status)},
            {"status_reason", http::text_or_null(k.status_reason)},
            {"scheduled_at", http::time_or_null(k.scheduled_at)},
            {"started_at", http::time_or_null(k.started_at)},
            {"paused_at", http::time_or_null(k.paused_at)},
            {"completed_at", http::time_or_null(k.completed_at)},
            {"phase", http::text_or_null(k.phase)},
            {"total_recipients", k.total_recipients},
            {"processed_count", processed},
            {"accepted_count", k.accepted_count},
            {"skipped_count", k.skipped_count},
            {"sent_count", k.sent_count},
            {"delivered_count", k.delivered_count},
            {"read_count", k.read_count},
            {"failed_count", k.failed_count},
            {"excluded", excluded},
            {"currency", http::text_or_null(k.currency)},
            {"estimated_cost", money_json(k.estimated_cost)},
            {"actual_cost", money_json(k.charged - k.refunded)},
            {"progress_percentage", progress},
            {"delivery_rate", percent(k.delivered_count, k.sent_count)},
            {"read_rate", percent(k.read_count, k.delivered_count)},
            {"is_active", is_active(k.status)},
            {"can_edit", allows(k.status, Action::kEdit)},
            {"can_start", allows(k.status, Action::kStart)},
            {"can_pause", allows(k.status, Action::kPause)},
            {"can_resume", allows(k.status, Action::kResume)},
            {"can_cancel", allows(k.status, Action::kCancel)},
            {"is_recurring", k.is_recurring},
            {"recurring_schedule", k.recurring_schedule},
            {"next_run_at", http::time_or_null(k.next_run_at)},
            {"parent_id", http::text_or_null(k.parent_id)},
            {"settings", k.settings.raw},
            {"target_contact_ids", ids},
            {"target_segment_ids", segments},
            {"target_criteria", k.targets.criteria},
            {"target_contact_count", k.targets.contact_ids.size()},
            {"target_segment_names", v.segment_names},
            {"counted_at", http::time_or_null(k.counted_at)},
            {"created_by", http::text_or_null(k.created_by)},
            {"created_by_name", k.created_by_name},
            {"created_at", format_iso8601(k.created_at)},
            {"updated_at", format_iso8601(k.updated_at)}};
}

nlohmann::json campaign_schema() {
    using namespace http::schema;
    const json counts = {{"type", "object"}, {"additionalProperties", integer()}};
    const json free_form = {{"type", "object"}};
    return object({{"id", text()},
                   {"name", text()},
                   {"description", text()},
                   {"campaign_type", one_of(kTypes)},
                   {"campaign_type_display", text()},
                   {"message_text", nullable(text())},
                   {"template", nullable(text())},
                   {"template_name", nullable(text())},
                   {"whatsapp_template", nullable(free_form)},
                   {"sender_id", nullable(text())},
                   {"status", one_of(status_names())},
                   {"status_display", text()},
                   {"status_reason", nullable(text())},
                   {"scheduled_at", nullable(time())},
                   {"started_at", nullable(time())},
                   {"paused_at", nullable(time())},
                   {"completed_at", nullable(time())},
                   {"phase", nullable(one_of({phase::kExpanding, phase::kSending}))},
                   {"total_recipients", integer()},
                   {"processed_count", integer()},
                   {"accepted_count", integer()},
                   {"skipped_count", integer()},
                   {"sent_count", integer()},
                   {"delivered_count", integer()},
                   {"read_count", integer()},
                   {"failed_count", integer()},
                   {"excluded", counts},
                   {"currency", nullable(text())},
                   {"estimated_cost", number()},
                   {"actual_cost", number()},
                   {"progress_percentage", integer()},
                   {"delivery_rate", number()},
                   {"read_rate", number()},
                   {"is_active", boolean()},
                   {"can_edit", boolean()},
                   {"can_start", boolean()},
                   {"can_pause", boolean()},
                   {"can_resume", boolean()},
                   {"can_cancel", boolean()},
                   {"is_recurring", boolean()},
                   {"recurring_schedule", free_form},
                   {"next_run_at", nullable(time())},
                   {"parent_id", nullable(text())},
                   {"settings", free_form},
                   {"target_contact_ids", array_of(text())},
                   {"target_segment_ids", array_of(text())},
                   {"target_criteria", free_form},
                   {"target_contact_count", integer()},
                   {"target_segment_names", array_of(text())},
                   {"counted_at", nullable(time())},
                   {"created_by", nullable(text())},
                   {"created_by_name", text()},
                   {"created_at", time()},
                   {"updated_at", time()}});
}

json estimate_json(const Estimated& e) {
    json excluded = json::object();
    for (const auto& [reason, n] : e.exclusions) excluded[reason] = n;
    excluded["missing_variables"] = e.missing_variables;
    return {{"total_recipients", e.total_recipients},
            {"estimated_cost", money_sum_json(e.estimated_cost)},
            {"currency", e.currency.empty() ? json(nullptr) : json(e.currency)},
            {"explanations", e.explanations()},
            {"excluded", excluded},
            {"target_segment_names", e.segment_names}};
}

// excluded: the exclusions by reason, and missing_variables.
nlohmann::json estimate_schema() {
    using namespace http::schema;
    return object({{"total_recipients", integer()},
                   {"estimated_cost", number()},
                   {"currency", nullable(text())},
                   {"explanations", array_of(text())},
                   {"excluded", {{"type", "object"}, {"additionalProperties", integer()}}},
                   {"target_segment_names", array_of(text())}});
}

json recipient_json(const RecipientView& v) {
    const Recipient& r = v.recipient;
    return {{"seq", r.seq},
            {"contact_id", r.contact_id.value},
            {"phone", r.phone},
            {"status", r.status},
            {"reason", http::text_or_null(r.reason)},
            {"message_id", http::text_or_null(r.message_id)},
            {"message_status", http::text_or_null(v.message_status)},
            {"fallback_message_id", http::text_or_null(r.fallback_message_id)},
            {"cost", v.price ? money_json(*v.price) : json(nullptr)},
            {"error_code", http::text_or_null(v.error_code)}};
}

nlohmann::json recipient_schema() {
    using namespace http::schema;
    return object({{"seq", integer()},
                   {"contact_id", text()},
                   {"phone", text()},
                   {"status", one_of({recipient_status::kPending, recipient_status::kAccepted,
                                      recipient_status::kSkipped})},
                   {"reason", nullable(text())},
                   {"message_id", nullable(text())},
                   {"message_status", nullable(text())},
                   {"fallback_message_id", nullable(text())},
                   {"cost", nullable(number())},
                   {"error_code", nullable(text())}});
}

Result<TemplateInput> read_template(const Request& req, Need need) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    TemplateInput in;
    in.name = f.text("name", need, 1, 100);
    in.description = f.text("description", Need::kOptional, 0, 500);
    in.channel = f.choice("channel", Need::kOptional, {"sms", "email"});
    // Limits per channel: the service's.
    in.body = f.text("body", need, 1, kMaxEmailTemplateBytes);
    in.subject = f.text("subject", Need::kOptional, 1, 255);
    if (f.is_null("html"))
        in.html = std::optional<std::string>();
    else if (auto html = f.text("html", Need::kOptional, 1, 500'000))
        in.html = std::move(html);
    UJ_TRY(f.check());
    return in;
}

template <typename IdType>
std::optional<std::vector<IdType>> read_ids(Fields& f, const std::string& name) {
    auto list = f.string_list(name, Need::kOptional, kMaxTargetIds);
    if (!list) return std::nullopt;
    std::vector<IdType> out;
    for (const auto& id : *list) {
        if (!is_uuid(id)) {
            f.fail(name, "Not an id: " + http::echo_of(id));
            return std::nullopt;
        }
        out.push_back(IdType{id});
    }
    return out;
}

// A field that may be given as null to clear it.
template <typename T, typename Read>
std::optional<std::optional<T>> nullable(Fields& f, const std::string& name, Read read) {
    if (f.is_null(name)) return std::optional<T>();
    if (auto v = read()) return std::optional<T>(std::move(*v));
    return std::nullopt;
}

Result<CampaignInput> read_campaign(const Request& req, Need need) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    CampaignInput in;
    in.name = f.text("name", need, 1, 200);
    in.description = f.text("description", Need::kOptional, 0, 1000);
    in.campaign_type = f.choice("campaign_type", Need::kOptional, kTypes);
    in.message_text = nullable<std::string>(
        f, "message_text", [&] { return f.text("message_text", Need::kOptional, 1, 1600); });
    in.template_id = nullable<TemplateId>(
        f, "template", [&] { return f.id<TemplateId>("template", Need::kOptional); });
    in.sender_id = nullable<std::string>(
        f, "sender_id", [&] { return f.text("sender_id", Need::kOptional, 1, 16); });
    if (body.contains("whatsapp_template")) {
        const auto& t = body["whatsapp_template"];
        if (!t.is_null() && !t.is_object())
            f.fail("whatsapp_template", "Must be an object {name, language, components} or null.");
        else
            in.whatsapp_template = t;
    }
    in.scheduled_at = nullable<Micros>(
        f, "scheduled_at", [&] { return f.timestamp("scheduled_at", Need::kOptional); });
    in.contact_ids = read_ids<ContactId>(f, "target_contact_ids");
    in.segment_ids = read_ids<SegmentId>(f, "target_segment_ids");
    in.criteria = f.object("target_criteria", Need::kOptional);
    in.settings = f.object("settings", Need::kOptional);
    in.is_recurring = f.boolean("is_recurring", Need::kOptional);
    in.recurring_schedule = f.object("recurring_schedule", Need::kOptional);
    UJ_TRY(f.check());
    return in;
}

Result<TemplateId> template_param(RequestContext& ctx) {
    const std::string id = ctx.param("id");
    if (!is_uuid(id)) return Error::not_found("Template");
    return TemplateId{id};
}

Result<CampaignId> campaign_param(RequestContext& ctx) {
    const std::string id = ctx.param("id");
    if (!is_uuid(id)) return Error::not_found("Campaign");
    return CampaignId{id};
}

// ---- templates

Result<Response> list_templates(CampaignService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto page, http::page_window(req));
    UJ_ASSIGN(auto listing, s.list_templates(ctx.who(), req.query_param("search"), page));
    json results = json::array();
    for (const auto& t : listing.items) results.push_back(template_json(t));
    return http::page_response(req, std::move(results), listing.count);
}

Result<Response> create_template(CampaignService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_template(req, Need::kRequired));
    UJ_ASSIGN(auto t, s.create_template(ctx.who(), in));
    return http::created(template_json(t));
}

Result<Response> get_template(CampaignService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto id, template_param(ctx));
    UJ_ASSIGN(auto t, s.get_template(ctx.who(), id));
    return http::ok(template_json(t));
}

Result<Response> update_template(CampaignService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto id, template_param(ctx));
    UJ_ASSIGN(auto in, read_template(req, Need::kOptional));
    UJ_ASSIGN(auto t, s.update_template(ctx.who(), id, in));
    return http::ok(template_json(t));
}

Result<Response> delete_template(CampaignService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto id, template_param(ctx));
    UJ_TRY(s.delete_template(ctx.who(), id));
    return http::ok({{"id", id.value}, {"deleted", true}}, 200, "Template deleted");
}

json preview_json(const Preview& p) {
    return {{"text", p.text},
            {"encoding", p.encoding},
            {"segments", p.segments},
            {"characters", p.characters},
            {"variables", p.variables},
            {"subject", http::text_or_null(p.subject)},
            {"html", http::text_or_null(p.html)}};
}

nlohmann::json preview_schema() {
    using namespace http::schema;
    using http::schema::nullable;  // not the field reader above
    return object({{"text", text()},
                   {"encoding", one_of({"gsm7", "ucs2", "utf8"})},
                   {"segments", integer()},
                   {"characters", integer()},
                   {"variables", array_of(text())},
                   {"subject", nullable(text())},
                   {"html", nullable(text())}});
}

// POST /templates/preview {body, contact_id?} and /templates/{id}/preview {contact_id?}.
Result<Response> preview(CampaignService& s, RequestContext& ctx, const Request& req,
                         std::optional<TemplateId> id) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    std::optional<std::string> text;
    if (!id) text = f.text("body", Need::kRequired, 1, 1600);
    auto contact_id = f.id<ContactId>("contact_id", Need::kOptional);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto p, s.preview(ctx.who(), id, text, contact_id));
    return http::ok(preview_json(p));
}

Result<Response> preview_body(CampaignService& s, RequestContext& ctx, const Request& req) {
    return preview(s, ctx, req, std::nullopt);
}

Result<Response> preview_template(CampaignService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto id, template_param(ctx));
    return preview(s, ctx, req, id);
}

Result<Response> get_footer(CampaignService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto footer, s.opt_out_footer(ctx.who()));
    return http::ok({{"opt_out_footer", http::text_or_null(footer)}});
}

Result<Response> put_footer(CampaignService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    std::optional<std::string> footer;
    if (!f.is_null("opt_out_footer")) footer = f.text("opt_out_footer", Need::kRequired, 1, 100);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto saved, s.set_opt_out_footer(ctx.who(), footer));
    return http::ok({{"opt_out_footer", http::text_or_null(saved)}});
}

json quiet_json(const std::optional<QuietHours>& q) {
    return {{"start", q ? json(q->start) : json(nullptr)},
            {"end", q ? json(q->end) : json(nullptr)}};
}

nlohmann::json quiet_schema() {
    using namespace http::schema;
    using http::schema::nullable;  // not the field reader above
    return object({{"start", nullable(text())}, {"end", nullable(text())}});
}

Result<Response> get_quiet(CampaignService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto quiet, s.quiet_hours(ctx.who()));
    return http::ok(quiet_json(quiet));
}

// PUT /campaigns/quiet-hours {start, end} (both null: none).
Result<Response> put_quiet(CampaignService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    std::optional<QuietHours> quiet;
    if (!(f.is_null("start") && f.is_null("end"))) {
        auto start = f.text("start", Need::kRequired, 5, 5);
        auto end = f.text("end", Need::kRequired, 5, 5);
        if (start && end) quiet = QuietHours{*start, *end};
    }
    UJ_TRY(f.check());
    UJ_ASSIGN(auto saved, s.set_quiet_hours(ctx.who(), quiet));
    return http::ok(quiet_json(saved));
}

// ---- campaigns

Result<Response> list_campaigns(CampaignService& s, RequestContext& ctx, const Request& req) {
    store::CampaignQuery q;
    FieldErrors errors;
    if (auto v = req.query_param("status")) {
        q.status = parse_status(*v);
        if (!q.status)
            errors["status"].push_back(
                "One of draft, scheduled, running, paused, "
                "completed, cancelled, failed.");
    }
    if (auto v = req.query_param("type")) {
        if (std::find(kTypes.begin(), kTypes.end(), *v) == kTypes.end())
            errors["type"].push_back("One of sms, whatsapp, email, mixed.");
        q.type = *v;
    }
    if (auto v = req.query_param("search")) {
        if (v->size() > 200) errors["search"].push_back("At most 200 characters.");
        q.search = *v;
    }
    if (auto v = req.query_param("ordering")) {
        if (std::find(kOrderings.begin(), kOrderings.end(), *v) == kOrderings.end())
            errors["ordering"].push_back(
                "One of created_at, name, scheduled_at, started_at, updated_at, each with - "
                "for descending.");
        q.ordering = *v;
    }
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    UJ_ASSIGN(auto page, http::page_window(req));
    UJ_ASSIGN(auto listing, s.list(ctx.who(), q, page));
    json results = json::array();
    for (const auto& v : listing.items) results.push_back(campaign_json(v));
    return http::page_response(req, std::move(results), listing.count);
}

// GET /campaigns/{id}/runs: a recurring campaign's runs, newest first.
Result<Response> runs(CampaignService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto id, campaign_param(ctx));
    UJ_TRY(s.get(ctx.who(), id));
    store::CampaignQuery q;
    q.parent_id = id;
    UJ_ASSIGN(auto page, http::page_window(req));
    UJ_ASSIGN(auto listing, s.list(ctx.who(), q, page));
    json results = json::array();
    for (const auto& v : listing.items) results.push_back(campaign_json(v));
    return http::page_response(req, std::move(results), listing.count);
}

Result<Response> create_campaign(CampaignService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_campaign(req, Need::kRequired));
    const auto dry = req.query_param("dry_run");
    if (dry && *dry != "true" && *dry != "false" && *dry != "1" && *dry != "0")
        return Error::invalid("dry_run", "true or false.");
    if (dry && (*dry == "true" || *dry == "1")) {
        UJ_ASSIGN(auto e, s.dry_run(ctx.who(), in));
        return http::ok(estimate_json(e));
    }
    UJ_ASSIGN(auto created, s.create(ctx.who(), in));
    json data = campaign_json(created.view);
    data["explanations"] = created.estimate.explanations();
    return http::created(std::move(data));
}

Result<Response> get_campaign(CampaignService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto id, campaign_param(ctx));
    UJ_ASSIGN(auto v, s.get(ctx.who(), id));
    return http::ok(campaign_json(v));
}

Result<Response> update_campaign(CampaignService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto id, campaign_param(ctx));
    UJ_ASSIGN(auto in, read_campaign(req, Need::kOptional));
    UJ_ASSIGN(auto v, s.update(ctx.who(), id, in));
    return http::ok(campaign_json(v));
}

Result<Response> delete_campaign(CampaignService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto id, campaign_param(ctx));
    UJ_TRY(s.remove(ctx.who(), id));
    return http::ok({{"id", id.value}, {"deleted", true}}, 200, "Campaign deleted");
}

template <Action A>
Result<Response> act(CampaignService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto id, campaign_param(ctx));
    UJ_ASSIGN(auto v, s.act(ctx.who(), id, A));
    static const char* const kDone[] = {"Campaign updated",
                                        "Campaign scheduled successfully",
                                        "Campaign started successfully",
                                        "Campaign paused",
                                        "Campaign resumed",
                                        "Campaign cancelled",
                                        "Campaign deleted"};
    return http::ok(campaign_json(v), 200, kDone[static_cast<int>(A)]);
}

nlohmann::json report_schema() {
    using namespace http::schema;
    using http::schema::nullable;  // not the field reader above
    return object(
        {{"campaign", ref("Campaign")},
         {"totals", object({{"total_recipients", integer()},
                            {"accepted", integer()},
                            {"skipped", integer()},
                            {"sent", integer()},
                            {"delivered", integer()},
                            {"failed", integer()},
                            {"delivery_rate", number()}})},
         {"delivery_over_time", array_of(object({{"hour", time()},
                                                 {"accepted", integer()},
                                                 {"delivered", integer()},
                                                 {"failed", integer()}}))},
         {"by_error_code", array_of(object({{"error_code", text()}, {"count", integer()}}))},
         {"by_country", array_of(object({{"country", nullable(text())},
                                         {"messages", integer()},
                                         {"delivered", integer()},
                                         {"failed", integer()},
                                         {"delivery_rate", number()}}))}});
}

// GET /campaigns/{id}/report
Result<Response> report(CampaignService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto id, campaign_param(ctx));
    UJ_ASSIGN(auto found, s.report(ctx.who(), id));
    const auto& [view, r] = found;
    json hours = json::array(), errors = json::array(), countries = json::array();
    for (const auto& h : r.hours)
        hours.push_back({{"hour", format_iso8601(h.hour)},
                         {"accepted", h.accepted},
                         {"delivered", h.delivered},
                         {"failed", h.failed}});
    for (const auto& [code, n] : r.errors) errors.push_back({{"error_code", code}, {"count", n}});
    for (const auto& c : r.countries)
        countries.push_back({{"country", c.country.empty() ? json(nullptr) : json(c.country)},
                             {"messages", c.messages},
                             {"delivered", c.delivered},
                             {"failed", c.failed},
                             {"delivery_rate", percent(c.delivered, c.messages)}});
    const Campaign& k = view.campaign;
    return http::ok({{"campaign", campaign_json(view)},
                     {"totals",
                      {{"total_recipients", k.total_recipients},
                       {"accepted", k.accepted_count},
                       {"skipped", k.skipped_count},
                       {"sent", k.sent_count},
                       {"delivered", k.delivered_count},
                       {"failed", k.failed_count},
                       {"delivery_rate", percent(k.delivered_count, k.sent_count)}}},
                     {"delivery_over_time", hours},
                     {"by_error_code", errors},
                     {"by_country", countries}});
}

// What read_recipient_query() reads.
std::vector<http::QueryDoc> recipient_filters() {
    return {{"status",
             {recipient_status::kPending, recipient_status::kAccepted, recipient_status::kSkipped}},
            {"phone"}};
}

Result<store::RecipientQuery> read_recipient_query(const Request& req) {
    store::RecipientQuery q;
    if (auto v = req.query_param("status")) {
        if (*v != recipient_status::kPending && *v != recipient_status::kAccepted &&
            *v != recipient_status::kSkipped)
            return Error::invalid("status", "One of pending, accepted, skipped.");
        q.status = *v;
    }
    if (auto v = req.query_param("phone")) {
        const auto d = formats::describe_phone(*v, "");
        if (!d.valid) return Error::invalid("phone", "Not a valid phone number.");
        q.phone = d.e164;
    }
    return q;
}

Result<Response> recipients(CampaignService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto id, campaign_param(ctx));
    UJ_ASSIGN(auto q, read_recipient_query(req));
    UJ_ASSIGN(auto page, http::page_window(req));
    UJ_ASSIGN(auto listing, s.recipients(ctx.who(), id, q, page));
    json results = json::array();
    for (const auto& v : listing.items) results.push_back(recipient_json(v));
    return http::page_response(req, std::move(results), listing.count);
}

// GET /campaigns/{id}/recipients/export: every recipient as CSV, streamed.
Result<Response> export_recipients(CampaignService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto id, campaign_param(ctx));
    UJ_ASSIGN(auto q, read_recipient_query(req));
    UJ_TRY(s.export_recipients(ctx.who(), id, q, -1, 1));  // errors before streaming
    struct State {
        bool header_sent = false;
        std::int64_t after = -1;
    };
    auto state = std::make_shared<State>();
    Response res;
    res.content_type = "text/csv; charset=utf-8";
    res.headers.emplace_back("Content-Disposition",
                             "attachment; filename=\"campaign-recipients.csv\"");
    res.stream = [&s, who = ctx.who(), id, q, state](std::string& out) -> Result<bool> {
        if (!state->header_sent) {
            static constexpr std::string_view kHeader[] = {
                "seq",        "contact_id",     "phone", "status",    "reason",
                "message_id", "message_status", "cost",  "error_code"};
            formats::csv::append_record(out, kHeader);
            state->header_sent = true;
        }
        UJ_ASSIGN(auto page, s.export_recipients(who, id, q, state->after, kExportPage));
        for (const auto& v : page) {
            const auto& r = v.recipient;
            const std::string row[] = {std::to_string(r.seq),
                                       r.contact_id.value,
                                       r.phone,
                                       r.status,
                                       r.reason.value_or(""),
                                       r.message_id ? r.message_id->value : "",
                                       v.message_status.value_or(""),
                                       v.price ? format_money(*v.price) : "",
                                       v.error_code.value_or("")};
            formats::csv::append_record(out, row);
        }
        if (static_cast<int>(page.size()) < kExportPage) return false;
        state->after = page.back().recipient.seq;
        return true;
    };
    return res;
}

// The schemas of what these routes answer and take (the OpenAPI document).
void define_schemas(http::Router& router) {
    using namespace http::schema;
    using http::schema::nullable;  // not the field reader above
    router.define_schema("Template", template_schema());
    router.define_schema("TemplatePreview", preview_schema());
    router.define_schema("Campaign", campaign_schema());
    router.define_schema("CampaignEstimate", estimate_schema());
    router.define_schema(
        "CampaignCreated",
        {{"anyOf",
          json::array({{{"allOf", json::array({ref("Campaign"),
                                               object({{"explanations", array_of(text())}})})}},
                       ref("CampaignEstimate")})},
         {"description",
          "201: the campaign made, with what its estimate left out; 200 with "
          "?dry_run=true: the estimate alone (nothing is saved)."}});
    router.define_schema("CampaignReport", report_schema());
    router.define_schema("CampaignRecipient", recipient_schema());
    router.define_schema("CampaignOptOutFooter", object({{"opt_out_footer", nullable(text())}}));
    router.define_schema("CampaignQuietHours", quiet_schema());

    // The parsers read a null field as an absent one.
    const auto maybe = [](json s) { return nullable(std::move(s)); };
    const json template_body =
        object({{"name", maybe(text())},
                {"description", maybe(text())},
                {"channel", maybe(one_of({"sms", "email"}))},
                {"body", maybe(text())},
                {"subject", maybe(text())},
                {"html", nullable(text())}},
               {"name", "description", "channel", "body", "subject", "html"});
    router.define_schema("TemplateUpdateRequest", template_body);
    json template_create = template_body;
    template_create["properties"]["name"] = text();
    template_create["properties"]["body"] = text();
    template_create["required"] = json::array({"name", "body"});
    router.define_schema("TemplateCreateRequest", std::move(template_create));
    router.define_schema("TemplatePreviewRequest",
                         object({{"body", text()}, {"contact_id", maybe(text())}}, {"contact_id"}));
    router.define_schema("SavedTemplatePreviewRequest",
                         object({{"contact_id", maybe(text())}}, {"contact_id"}));

    const json free_form = {{"type", "object"}};
    const json campaign_body =
        object({{"name", maybe(text())},
                {"description", maybe(text())},
                {"campaign_type", maybe(one_of(kTypes))},
                {"message_text", nullable(text())},
                {"template", nullable(text())},
                {"sender_id", nullable(text())},
                {"whatsapp_template", nullable(free_form)},
                {"scheduled_at", nullable(time())},
                {"target_contact_ids", maybe(array_of(text()))},
                {"target_segment_ids", maybe(array_of(text()))},
                {"target_criteria", maybe(free_form)},
                {"settings", maybe(free_form)},
                {"is_recurring", maybe(boolean())},
                {"recurring_schedule", maybe(free_form)}},
               {"name", "description", "campaign_type", "message_text", "template", "sender_id",
                "whatsapp_template", "scheduled_at", "target_contact_ids", "target_segment_ids",
                "target_criteria", "settings", "is_recurring", "recurring_schedule"});
    router.define_schema("CampaignUpdateRequest", campaign_body);
    json campaign_create = campaign_body;
    campaign_create["properties"]["name"] = text();
    campaign_create["required"] = json::array({"name"});
    router.define_schema("CampaignCreateRequest", std::move(campaign_create));
    // null removes the footer.
    router.define_schema("CampaignOptOutFooterRequest",
                         object({{"opt_out_footer", nullable(text())}}));
    // Both null: no quiet hours; else both "HH:MM".
    router.define_schema("CampaignQuietHoursRequest", quiet_schema());
}

}  // namespace

void add_routes(http::Router& router, CampaignService& s) {
    const auto bind = [&s](auto fn) {
        return [&s, fn](RequestContext& ctx, const Request& req) { return fn(s, ctx, req); };
    };
    const http::RouteOptions read{.scope = "campaigns:read"};
    const http::RouteOptions write{.scope = "campaigns:write"};
    const std::string t = "/api/v1/templates";
    define_schemas(router);
    // A POST that reads no body: a step of the campaign's lifecycle.
    const auto action = [](http::RouteOptions o, const char* summary) {
        return http::documented(
            std::move(o),
            {.summary = summary, .response = "Campaign", .success = {200}, .no_body = true});
    };
    router.add(Method::kPost, t + "/preview", bind(preview_body),
               http::answering(read, "Render a template text, unsaved, for a contact",
                               "TemplatePreview", {200}, "TemplatePreviewRequest"));
    router.add(Method::kGet, t, bind(list_templates),
               http::listing(read, "List the account's templates", "Template", {{"search"}}));
    router.add(
        Method::kPost, t, bind(create_template),
        http::answering(write, "Add a template", "Template", {201}, "TemplateCreateRequest"));
    router.add(Method::kGet, t + "/{id}", bind(get_template),
               http::answering(read, "Show a template", "Template"));
    router.add(
        Method::kPut, t + "/{id}", bind(update_template),
        http::answering(write, "Update a template", "Template", {}, "TemplateUpdateRequest"));
    router.add(Method::kPatch, t + "/{id}", bind(update_template),
               http::answering(write, "Update some of a template's fields", "Template", {},
                               "TemplateUpdateRequest"));
    router.add(Method::kDelete, t + "/{id}", bind(delete_template),
               http::answering(write, "Delete a template", "Deleted"));
    router.add(Method::kPost, t + "/{id}/preview", bind(preview_template),
               http::answering(read, "Render a template for a contact", "TemplatePreview", {200},
                               "SavedTemplatePreviewRequest"));

    const std::string b = "/api/v1/campaigns";
    // Fixed paths before /{id}, which would take them.
    router.add(Method::kGet, b + "/opt-out-footer", bind(get_footer),
               http::answering(read, "Show the account's opt-out footer", "CampaignOptOutFooter"));
    router.add(Method::kPut, b + "/opt-out-footer", bind(put_footer),
               http::answering(write, "Set or remove the account's opt-out footer",
                               "CampaignOptOutFooter", {}, "CampaignOptOutFooterRequest"));
    router.add(Method::kGet, b + "/quiet-hours", bind(get_quiet),
               http::answering(read, "Show the account's quiet hours", "CampaignQuietHours"));
    router.add(Method::kPut, b + "/quiet-hours", bind(put_quiet),
               http::answering(write, "Set or remove the account's quiet hours",
                               "CampaignQuietHours", {}, "CampaignQuietHoursRequest"));
    router.add(
        Method::kGet, b, bind(list_campaigns),
        http::listing(
            read, "List the account's campaigns", "Campaign",
            {{"status", status_names()}, {"type", kTypes}, {"search"}, {"ordering", kOrderings}}));
    router.add(Method::kPost, b, bind(create_campaign),
               http::documented(write, {.summary = "Add a campaign, or estimate one with "
                                                   "?dry_run=true",
                                        .response = "CampaignCreated",
                                        .request = "CampaignCreateRequest",
                                        .query = {{"dry_run", {"true", "false", "1", "0"}}}}));
    router.add(Method::kGet, b + "/{id}", bind(get_campaign),
               http::answering(read, "Show a campaign", "Campaign"));
    router.add(
        Method::kPut, b + "/{id}", bind(update_campaign),
        http::answering(write, "Update a campaign", "Campaign", {}, "CampaignUpdateRequest"));
    router.add(Method::kPatch, b + "/{id}", bind(update_campaign),
               http::answering(write, "Update some of a campaign's fields", "Campaign", {},
                               "CampaignUpdateRequest"));
    router.add(Method::kDelete, b + "/{id}", bind(delete_campaign),
               http::answering(write, "Delete a campaign", "Deleted"));
    router.add(Method::kPost, b + "/{id}/schedule", bind(act<Action::kSchedule>),
               action(write, "Schedule a campaign"));
    router.add(Method::kPost, b + "/{id}/start", bind(act<Action::kStart>),
               action(write, "Start a campaign"));
    router.add(Method::kPost, b + "/{id}/pause", bind(act<Action::kPause>),
               action(write, "Pause a running campaign"));
    router.add(Method::kPost, b + "/{id}/resume", bind(act<Action::kResume>),
               action(write, "Resume a paused campaign"));
    router.add(Method::kPost, b + "/{id}/cancel", bind(act<Action::kCancel>),
               action(write, "Cancel a campaign"));
    router.add(Method::kGet, b + "/{id}/report", bind(report),
               http::answering(read, "Show a campaign's delivery report", "CampaignReport"));
    router.add(Method::kGet, b + "/{id}/runs", bind(runs),
               http::listing(read, "List a recurring campaign's runs, newest first", "Campaign"));
    router.add(Method::kGet, b + "/{id}/recipients", bind(recipients),
               http::listing(read, "List a campaign's recipients", "CampaignRecipient",
                             recipient_filters()));
    router.add(Method::kGet, b + "/{id}/recipients/export", bind(export_recipients),
               http::documented(read, {.summary = "Export a campaign's recipients as CSV",
                                       .files = {"text/csv"},
                                       .query = recipient_filters()}));
}

}  // namespace ujumbe::campaigns
