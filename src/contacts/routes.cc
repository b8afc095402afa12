// HTTP handlers of the contacts module: read and check input, call the
// service, shape the answer. No SQL and no business rules here.

#include "contacts/routes.h"

#include <fcntl.h>
#include <unistd.h>

#include "contacts/keywords.h"
#include "contacts/normalize.h"
#include "contacts/segment_rules.h"
#include "contacts/views.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/open_file.h"
#include "core/validate.h"
#include "formats/multipart.h"
#include "http/envelope.h"
#include "http/input.h"
#include "http/pagination.h"
#include "http/route_docs.h"
#include "http/schema.h"
#include "http/views_support.h"

namespace ujumbe::contacts {

namespace {

using http::Fields;
using http::Method;
using http::Need;
using http::Request;
using http::RequestContext;
using http::Response;
using json = nlohmann::json;

constexpr int kExportPage = 1000;
constexpr std::size_t kMaxMemberIds = 10'000;
constexpr std::size_t kMaxFormField = 64 * 1024;

Result<std::optional<bool>> flag_param(const Request& req, const std::string& name) {
    auto v = req.query_param(name);
    if (!v) return std::optional<bool>{};
    if (*v == "true" || *v == "1") return std::optional<bool>(true);
    if (*v == "false" || *v == "0") return std::optional<bool>(false);
    return Error::invalid(name, "Must be true or false.");
}

Result<ContactFilter> read_filter(const Request& req) {
    ContactFilter f;
    auto& q = f.query;
    if (auto s = req.query_param("search")) {
        if (s->size() > 200 || !is_clean_text(*s))
            return Error::invalid("search", "Must be text of at most 200 characters.");
        q.search = *s;
    }
    auto tags = req.query_params("tag");
    if (!tags.empty()) {
        std::string problem;
        auto normal = normalize_tags(tags, &problem);
        if (!normal) return Error::invalid("tag", problem);
        q.tags = *normal;
    }
    UJ_ASSIGN(q.is_active, flag_param(req, "is_active"));
    UJ_ASSIGN(q.is_opted_in, flag_param(req, "is_opted_in"));
    if (auto g = req.query_param("group_id")) {
        if (!is_uuid(*g)) return Error::invalid("group_id", "Not a group id.");
        q.group_id = GroupId{*g};
    }
    if (auto s = req.query_param("segment_id")) {
        if (!is_uuid(*s)) return Error::invalid("segment_id", "Not a segment id.");
        f.segment_id = SegmentId{*s};
    }
    if (auto o = req.query_param("ordering")) {
        static const std::vector<std::string> allowed = {
            "created_at",        "-created_at",       "name", "-name", "updated_at", "-updated_at",
            "last_contacted_at", "-last_contacted_at"};
        if (std::find(allowed.begin(), allowed.end(), *o) == allowed.end())
            return Error::invalid("ordering",
                                  "Use one of created_at, name, updated_at, "
                                  "last_contacted_at, each optionally with '-'.");
        q.ordering = *o;
    }
    return f;
}

Result<ContactInput> read_contact(const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    ContactInput in;
    in.name = f.text("name", Need::kOptional, 0, kMaxName);
    const char* phone_field =
        body.contains("phone_e164") || !body.contains("phone") ? "phone_e164" : "phone";
    if (f.is_null(phone_field))
        in.clear_phone = true;
    else
        in.phone = f.text(phone_field, Need::kOptional, 1, 64);
    if (f.is_null("email"))
        in.clear_email = true;
    else
        in.email = f.email("email", Need::kOptional);
    if (f.has("attributes")) {
        if (f.is_null("attributes"))
            in.attributes = json::object();
        else
            in.attributes = f.object("attributes", Need::kOptional);
    }
    if (f.has("tags")) {
        if (f.is_null("tags"))
            in.tags = std::vector<std::string>{};
        else
            in.tags = f.string_list("tags", Need::kOptional, kMaxTags * 2);
    }
    in.is_active = f.boolean("is_active", Need::kOptional);
    in.is_opted_in = f.boolean("is_opted_in", Need::kOptional);
    UJ_TRY(f.check());
    return in;
}

Result<std::vector<ContactId>> read_ids(const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    auto texts = f.string_list("contact_ids", Need::kRequired, kMaxMemberIds);
    UJ_TRY(f.check());
    std::vector<ContactId> ids;
    ids.reserve(texts->size());
    for (auto& text : *texts) ids.emplace_back(std::move(text));
    return ids;
}

// ---- contacts

Result<Response> create_contact(ContactsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_contact(req));
    UJ_ASSIGN(auto result, s.upsert(ctx.who(), in));
    auto data = contact_json(result.contact);
    data.emplace("upserted", result.upserted);
    if (result.upserted) return http::ok(std::move(data), 200, "Contact updated");
    return http::ok(std::move(data), 201, "Contact created");
}

Result<Response> list_contacts(ContactsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto filter, read_filter(req));
    UJ_ASSIGN(auto page, http::page_window(req));
    UJ_ASSIGN(auto listing, s.list(ctx.who(), filter, page));
    json results = json::array();
    for (const auto& c : listing.items) results.push_back(contact_json(c));
    return http::page_response(req, std::move(results), listing.count);
}

Result<Response> get_contact(ContactsService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto detail, s.get(ctx.who(), ctx.id<ContactId>()));
    auto data = contact_json(detail.contact);
    json history = json::array();
    for (const auto& e : detail.consent_history) history.push_back(consent_json(e));
    data.emplace("consent_history", std::move(history));
    return http::ok(std::move(data));
}

Result<Response> put_contact(ContactsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_contact(req));
    UJ_ASSIGN(auto contact, s.update(ctx.who(), ctx.id<ContactId>(), in));
    return http::ok(contact_json(contact));
}

Result<Response> delete_contact(ContactsService& s, RequestContext& ctx, const Request&) {
    UJ_TRY(s.remove(ctx.who(), ctx.id<ContactId>()));
    return http::ok({{"id", ctx.param("id")}, {"deleted", true}}, 200, "Contact deleted");
}

Result<Response> consent(ContactsService& s, bool opt_in, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    auto channel = f.choice("channel", Need::kOptional, {"all", "sms", "whatsapp", "email"});
    auto reason = f.text("reason", Need::kOptional, 0, 500);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto c, s.set_consent(ctx.who(), ctx.id<ContactId>(), opt_in, channel.value_or("all"),
                                    reason));
    json data = json::object();
    data.emplace("id", c.id);
    data.emplace("is_opted_in", c.is_opted_in);
    data.emplace("opt_in_at", http::time_or_null(c.opt_in_at));
    data.emplace("opt_out_at", http::time_or_null(c.opt_out_at));
    data.emplace("opt_out_reason", http::text_or_null(c.opt_out_reason));
    data.emplace("opted_out_channels", c.opted_out_channels);
    return http::ok(std::move(data), 200,
                    opt_in ? "Contact opted in successfully" : "Contact opted out successfully");
}

// Streams the contacts matching the list filters as CSV, a keyset page at a
// time, so memory does not grow with the account.
Result<Response> export_contacts(ContactsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto filter, read_filter(req));
    UJ_ASSIGN(auto query, s.resolve(ctx.who(), filter));
    struct State {
        bool header_sent = false;
        std::optional<store::ExportCursor> after;
    };
    auto state = std::make_shared<State>();
    Response res;
    res.content_type = "text/csv; charset=utf-8";
    res.headers.emplace_back("Content-Disposition", "attachment; filename=\"contacts.csv\"");
    res.stream = [&s, who = ctx.who(), query, state](std::string& out) -> Result<bool> {
        if (!state->header_sent) {
            out += export_header();
            state->header_sent = true;
        }
        UJ_ASSIGN(auto page, s.export_page(who, query, state->after, kExportPage));
        for (const auto& c : page) append_export_row(out, c);
        if (!page.empty())
            state->after = store::ExportCursor{page.back().created_at, page.back().id.value};
        return page.size() == static_cast<std::size_t>(kExportPage);
    };
    return res;
}

// ---- imports

struct FormFields {
    std::optional<std::string> on_existing, tags, mapping, file_name;
};

Result<ImportOptions> read_import_options(const FormFields& form) {
    ImportOptions o;
    if (form.on_existing) {
        if (*form.on_existing != "update" && *form.on_existing != "skip")
            return Error::invalid("on_existing", "Must be update or skip.");
        o.on_existing = *form.on_existing;
    }
    if (form.tags) {
        std::string problem;
        auto tags = normalize_tags(split_tags(*form.tags), &problem);
        if (!tags) return Error::invalid("tags", problem);
        o.tags = *tags;
    }
    if (form.mapping) {
        JsonParseProblem problem;
        o.mapping = parse_json_bounded(*form.mapping, problem);
        if (!o.mapping.is_object())
            return Error::invalid("mapping", "Must be a JSON object from CSV header to field.");
    }
    return o;
}

Result<Response> start_import(ContactsService& s, RequestContext& ctx, const Request& req) {
    if (req.body_file.empty() || req.body_file_size == 0)
        return Error::invalid("file", "The file is empty.");
    FormFields form{req.query_param("on_existing"), req.query_param("tags"),
                    req.query_param("mapping"), req.query_param("file_name")};
    UploadedCsv upload{req.body_file, form.file_name.value_or("contacts.csv"), 0,
                       static_cast<std::int64_t>(req.body_file_size)};
    const auto type = req.header("content-type").value_or("");
    if (auto boundary = formats::multipart_boundary(type)) {
        const OpenFile body(req.body_file);
        if (!body.valid()) return Error::internal("cannot read the upload");
        const int fd = body.fd();
        UJ_ASSIGN(auto parts, formats::scan_multipart(fd, *boundary));
        bool have_file = false;
        for (const auto& p : parts) {
            if (p.name == "file") {
                have_file = true;
                upload.begin = static_cast<std::int64_t>(p.begin);
                upload.end = static_cast<std::int64_t>(p.end);
                if (p.filename && !p.filename->empty()) upload.file_name = *p.filename;
                continue;
            }
            std::optional<std::string>* target = p.name == "on_existing" ? &form.on_existing
                                                 : p.name == "tags"      ? &form.tags
                                                 : p.name == "mapping"   ? &form.mapping
                                                                         : nullptr;
            if (!target) continue;
            UJ_ASSIGN(auto value, formats::read_range(fd, p.begin, p.end, kMaxFormField));
            *target = std::move(value);
        }
        if (!have_file) return Error::invalid("file", "Send the CSV in a form part named 'file'.");
        if (upload.end <= upload.begin) return Error::invalid("file", "The file is empty.");
    } else if (type.rfind("multipart/", 0) == 0) {
        return Error::invalid("file", "The multipart body has no boundary.");
    }
    UJ_ASSIGN(auto options, read_import_options(form));
    UJ_ASSIGN(auto job, s.start_import(ctx.who(), upload, options));
    return http::ok(import_json(job), 202, "Import queued");
}

Result<Response> list_imports(ContactsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto page, http::page_window(req));
    UJ_ASSIGN(auto listing, s.list_imports(ctx.who(), page));
    json results = json::array();
    for (const auto& j : listing.items) results.push_back(import_json(j));
    return http::page_response(req, std::move(results), listing.count);
}

Result<Response> get_import(ContactsService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto job, s.get_import(ctx.who(), ctx.id<ImportJobId>()));
    return http::ok(import_json(job));
}

Result<Response> import_errors(ContactsService& s, RequestContext& ctx, const Request&) {
    UJ_TRY(s.get_import(ctx.who(), ctx.id<ImportJobId>()));
    struct State {
        bool header_sent = false;
        std::int64_t after_line = 0;
    };
    auto state = std::make_shared<State>();
    Response res;
    res.content_type = "text/csv; charset=utf-8";
    res.headers.emplace_back("Content-Disposition", "attachment; filename=\"import-errors.csv\"");
    res.stream = [&s, who = ctx.who(), id = ctx.id<ImportJobId>(),
                  state](std::string& out) -> Result<bool> {
        if (!state->header_sent) {
            out += import_errors_header();
            state->header_sent = true;
        }
        UJ_ASSIGN(auto page, s.import_errors(who, id, state->after_line, kExportPage));
        for (const auto& e : page) append_import_error_row(out, e);
        if (!page.empty()) state->after_line = page.back().line;
        return page.size() == static_cast<std::size_t>(kExportPage);
    };
    return res;
}

// ---- groups

Result<GroupInput> read_group(const Request& req, Need need) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    GroupInput in{f.text("name", need, 1, 100), f.text("description", Need::kOptional, 0, 1000)};
    UJ_TRY(f.check());
    return in;
}

Result<Response> create_group(ContactsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_group(req, Need::kRequired));
    UJ_ASSIGN(auto g, s.create_group(ctx.who(), in));
    return http::created(group_json(g));
}

Result<Response> list_groups(ContactsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto page, http::page_window(req));
    UJ_ASSIGN(auto listing, s.list_groups(ctx.who(), req.query_param("search"), page));
    json results = json::array();
    for (const auto& g : listing.items) results.push_back(group_json(g));
    return http::page_response(req, std::move(results), listing.count);
}

Result<Response> get_group(ContactsService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto g, s.get_group(ctx.who(), ctx.id<GroupId>()));
    return http::ok(group_json(g));
}

Result<Response> put_group(ContactsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_group(req, Need::kOptional));
    UJ_ASSIGN(auto g, s.update_group(ctx.who(), ctx.id<GroupId>(), in));
    return http::ok(group_json(g));
}

Result<Response> delete_group(ContactsService& s, RequestContext& ctx, const Request&) {
    UJ_TRY(s.delete_group(ctx.who(), ctx.id<GroupId>()));
    return http::ok({{"id", ctx.param("id")}, {"deleted", true}}, 200, "Group deleted");
}

Result<Response> add_members(ContactsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto ids, read_ids(req));
    UJ_ASSIGN(auto r, s.add_members(ctx.who(), ctx.id<GroupId>(), ids));
    return http::ok(
        {{"added", r.added}, {"already_members", r.already_members}, {"not_found", r.not_found}});
}

Result<Response> remove_members(ContactsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto ids, read_ids(req));
    UJ_ASSIGN(auto removed, s.remove_members(ctx.who(), ctx.id<GroupId>(), ids));
    return http::ok({{"removed", removed}});
}

Result<Response> group_contacts(ContactsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto filter, read_filter(req));
    filter.query.group_id = ctx.id<GroupId>();
    UJ_ASSIGN(auto page, http::page_window(req));
    UJ_ASSIGN(auto listing, s.list(ctx.who(), filter, page));
    json results = json::array();
    for (const auto& c : listing.items) results.push_back(contact_json(c));
    return http::page_response(req, std::move(results), listing.count);
}

// ---- segments

Result<SegmentInput> read_segment(const Request& req, Need need) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    SegmentInput in;
    in.name = f.text("name", need, 1, 100);
    in.description = f.text("description", Need::kOptional, 0, 1000);
    auto rules = f.object("rules", need);
    UJ_TRY(f.check());
    if (rules) {
        UJ_ASSIGN(in.rules, parse_rules(*rules));
    }
    return in;
}

Result<Response> create_segment(ContactsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_segment(req, Need::kRequired));
    UJ_ASSIGN(auto seg, s.create_segment(ctx.who(), in));
    return http::created(segment_json(seg));
}

Result<Response> list_segments(ContactsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto page, http::page_window(req));
    UJ_ASSIGN(auto listing, s.list_segments(ctx.who(), req.query_param("search"), page));
    json results = json::array();
    for (const auto& seg : listing.items) results.push_back(segment_json(seg));
    return http::page_response(req, std::move(results), listing.count);
}

Result<Response> get_segment(ContactsService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto seg, s.get_segment(ctx.who(), ctx.id<SegmentId>()));
    return http::ok(segment_json(seg));
}

Result<Response> put_segment(ContactsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_segment(req, Need::kOptional));
    UJ_ASSIGN(auto seg, s.update_segment(ctx.who(), ctx.id<SegmentId>(), in));
    return http::ok(segment_json(seg));
}

Result<Response> delete_segment(ContactsService& s, RequestContext& ctx, const Request&) {
    UJ_TRY(s.delete_segment(ctx.who(), ctx.id<SegmentId>()));
    return http::ok({{"id", ctx.param("id")}, {"deleted", true}}, 200, "Segment deleted");
}

Result<Response> count_segment(ContactsService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto seg, s.update_segment_count(ctx.who(), ctx.id<SegmentId>()));
    return http::ok(segment_json(seg), 200, "Segment count updated");
}

Result<Response> segment_contacts(ContactsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto filter, read_filter(req));
    filter.segment_id = ctx.id<SegmentId>();
    UJ_ASSIGN(auto page, http::page_window(req));
    UJ_ASSIGN(auto listing, s.list(ctx.who(), filter, page));
    json results = json::array();
    for (const auto& c : listing.items) results.push_back(contact_json(c));
    return http::page_response(req, std::move(results), listing.count);
}

Result<Response> preview_segment(ContactsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    auto rules = f.object("rules", Need::kRequired);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto parsed, parse_rules(*rules));
    UJ_ASSIGN(auto preview, s.preview_segment(ctx.who(), parsed));
    json sample = json::array();
    for (const auto& c : preview.sample) sample.push_back(contact_json(c));
    return http::ok({{"contact_count", preview.contact_count}, {"sample", std::move(sample)}});
}

// ---- consent keywords

Result<Response> get_keywords(ContactsService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto keywords, s.keywords(ctx.who()));
    return http::ok({{"keywords", keywords_json(keywords)}});
}

Result<Response> put_keywords(ContactsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    UJ_ASSIGN(auto keywords, read_keywords(body));
    UJ_ASSIGN(auto saved, s.set_keywords(ctx.who(), keywords));
    return http::ok({{"keywords", keywords_json(saved)}}, 200, "Keywords saved");
}

// The schemas of what these routes answer (views.h, keywords.h).
void define_schemas(http::Router& router) {
    using namespace http::schema;
    router.define_schema("Contact", contact_schema());
    router.define_schema("ContactUpserted",
                         {{"allOf", {ref("Contact"), object({{"upserted", boolean()}})}}});
    router.define_schema(
        "ContactDetail",
        {{"allOf", {ref("Contact"), object({{"consent_history", array_of(consent_schema())}})}}});
    router.define_schema("ContactConsent", object({{"id", text()},
                                                   {"is_opted_in", boolean()},
                                                   {"opt_in_at", nullable(time())},
                                                   {"opt_out_at", nullable(time())},
                                                   {"opt_out_reason", nullable(text())},
                                                   {"opted_out_channels", array_of(text())}}));
    router.define_schema("ContactImport", import_schema());
    router.define_schema("ContactKeywords", keywords_schema());
    router.define_schema("ContactGroup", group_schema());
    router.define_schema("ContactGroupMembersAdded", object({{"added", integer()},
                                                             {"already_members", integer()},
                                                             {"not_found", array_of(text())}}));
    router.define_schema("ContactGroupMembersRemoved", object({{"removed", integer()}}));
    router.define_schema("ContactSegmentRules", segment_rules_schema());
    router.define_schema("ContactSegment", segment_schema());
    router.define_schema("ContactSegmentPreview", object({{"contact_count", integer()},
                                                          {"sample", array_of(ref("Contact"))}}));
}

// The JSON bodies the handlers read. Fields reads a null field as an
// absent one, so every optional field may be null.
void define_request_schemas(http::Router& router) {
    using namespace http::schema;
    const auto maybe = [](json s) { return nullable(std::move(s)); };
    // read_contact: a null phone, email, attributes or tags clears it.
    const json contact = object(
        {{"name", maybe(text())},
         {"phone_e164", maybe(text())},
         {"phone", maybe(text())},
         {"email", maybe(text())},
         {"attributes", maybe({{"type", "object"}})},
         {"tags", maybe(array_of(text()))},
         {"is_active", maybe(boolean())},
         {"is_opted_in", maybe(boolean())}},
        {"name", "phone_e164", "phone", "email", "attributes", "tags", "is_active", "is_opted_in"});
    router.define_schema("ContactCreateRequest", contact);
    router.define_schema("ContactUpdateRequest", contact);
    router.define_schema("ContactConsentRequest",
                         object({{"channel", maybe(one_of({"all", "sms", "whatsapp", "email"}))},
                                 {"reason", maybe(text())}},
                                {"channel", "reason"}));
    router.define_schema("ContactKeywordsRequest", keywords_request_schema());
    router.define_schema(
        "ContactGroupCreateRequest",
        object({{"name", text()}, {"description", maybe(text())}}, {"description"}));
    router.define_schema(
        "ContactGroupUpdateRequest",
        object({{"name", maybe(text())}, {"description", maybe(text())}}, {"name", "description"}));
    router.define_schema("ContactGroupMembersRequest", object({{"contact_ids", array_of(text())}}));
    // parse_rules: a timestamp is any ISO-8601 text it reads, an attribute
    // value a string, number or boolean compared as text.
    const json attribute = object({{"key", text()},
                                   {"op", one_of({"equals", "contains"})},
                                   {"value", {{"type", {"string", "number", "boolean"}}}}},
                                  {"op"});
    const json rules =
        object({{"tags_any", array_of(text())},
                {"tags_all", array_of(text())},
                {"attributes", array_of(attribute)},
                {"opt_in", one_of({"opted_in", "opted_out", "any"})},
                {"is_active", maybe(boolean())},
                {"created_after", text()},
                {"created_before", text()},
                {"last_contacted_after", text()},
                {"last_contacted_before", text()}},
               {"tags_any", "tags_all", "attributes", "opt_in", "is_active", "created_after",
                "created_before", "last_contacted_after", "last_contacted_before"});
    router.define_schema(
        "ContactSegmentCreateRequest",
        object({{"name", text()}, {"description", maybe(text())}, {"rules", rules}},
               {"description"}));
    router.define_schema(
        "ContactSegmentUpdateRequest",
        object({{"name", maybe(text())}, {"description", maybe(text())}, {"rules", maybe(rules)}},
               {"name", "description", "rules"}));
    router.define_schema("ContactSegmentPreviewRequest", object({{"rules", rules}}));
}

// What read_filter reads: the contact list, the export and the contacts of
// a group or segment (which set their own group or segment).
std::vector<http::QueryDoc> filter_query(const std::string& except = {}) {
    std::vector<http::QueryDoc> out = {
        {"search"},
        {"tag"},
        {"is_active", {}, "boolean"},
        {"is_opted_in", {}, "boolean"},
        {"group_id"},
        {"segment_id"},
        {"ordering",
         {"created_at", "-created_at", "name", "-name", "updated_at", "-updated_at",
          "last_contacted_at", "-last_contacted_at"}}};
    std::erase_if(out, [&](const http::QueryDoc& q) { return q.name == except; });
    return out;
}

}  // namespace

void add_routes(http::Router& router, ContactsService& s, std::uint64_t max_import_bytes) {
    const auto bind = [&s](auto fn) {
        return [&s, fn](RequestContext& ctx, const Request& req) { return fn(s, ctx, req); };
    };
    const std::string b = "/api/v1";
    const http::RouteOptions read{.scope = "contacts:read"};
    const http::RouteOptions write{.scope = "contacts:write"};
    http::RouteOptions upload{.scope = "contacts:write",
                              .body_types = {"text/csv", "application/csv", "text/plain",
                                             "multipart/form-data", "application/octet-stream"},
                              .spool_body = true,
                              .max_body_bytes = max_import_bytes};

    define_schemas(router);
    define_request_schemas(router);

    // Literal paths before /contacts/{id}: the router takes the first match.
    // The import reads its options from the query (or the form's parts).
    router.add(Method::kPost, b + "/contacts/import", bind(start_import),
               http::documented(upload, {.summary = "Import contacts from a CSV file",
                                         .response = "ContactImport",
                                         .success = {202},
                                         .query = {{"on_existing", {"update", "skip"}},
                                                   {"tags"},
                                                   {"mapping"},
                                                   {"file_name"}}}));
    router.add(Method::kGet, b + "/contacts/imports", bind(list_imports),
               http::listing(read, "List the contact imports", "ContactImport"));
    router.add(Method::kGet, b + "/contacts/imports/{id}", bind(get_import),
               http::answering(read, "Show a contact import", "ContactImport"));
    router.add(Method::kGet, b + "/contacts/imports/{id}/errors.csv", bind(import_errors),
               http::documented(read, {.summary = "Download the rows an import failed or skipped",
                                       .files = {"text/csv"}}));
    router.add(Method::kGet, b + "/contacts/export", bind(export_contacts),
               http::documented(read, {.summary = "Export the contacts as CSV",
                                       .files = {"text/csv"},
                                       .query = filter_query()}));
    router.add(Method::kGet, b + "/settings/keywords", bind(get_keywords),
               http::answering(read, "Show the consent keywords", "ContactKeywords"));
    router.add(Method::kPut, b + "/settings/keywords", bind(put_keywords),
               http::answering(write, "Set the consent keywords", "ContactKeywords", {},
                               "ContactKeywordsRequest"));

    router.add(Method::kPost, b + "/contacts", bind(create_contact),
               http::answering(write,
                               "Create a contact, or update the one with the same phone or "
                               "email (upserted)",
                               "ContactUpserted", {}, "ContactCreateRequest"));
    router.add(Method::kGet, b + "/contacts", bind(list_contacts),
               http::listing(read, "List the contacts", "Contact", filter_query()));
    router.add(Method::kGet, b + "/contacts/{id}", bind(get_contact),
               http::answering(read, "Show a contact with its consent history", "ContactDetail"));
    router.add(Method::kPut, b + "/contacts/{id}", bind(put_contact),
               http::answering(write, "Update a contact", "Contact", {}, "ContactUpdateRequest"));
    router.add(Method::kDelete, b + "/contacts/{id}", bind(delete_contact),
               http::answering(write, "Delete a contact", "Deleted"));
    router.add(
        Method::kPost, b + "/contacts/{id}/opt-in",
        [&s](RequestContext& ctx, const Request& req) { return consent(s, true, ctx, req); },
        http::answering(write, "Opt a contact in, on every channel or one", "ContactConsent", {200},
                        "ContactConsentRequest"));
    router.add(
        Method::kPost, b + "/contacts/{id}/opt-out",
        [&s](RequestContext& ctx, const Request& req) { return consent(s, false, ctx, req); },
        http::answering(write, "Opt a contact out, of every channel or one", "ContactConsent",
                        {200}, "ContactConsentRequest"));

    router.add(Method::kPost, b + "/groups", bind(create_group),
               http::answering(write, "Create a group", "ContactGroup", {201},
                               "ContactGroupCreateRequest"));
    router.add(Method::kGet, b + "/groups", bind(list_groups),
               http::listing(read, "List the groups", "ContactGroup", {{"search"}}));
    router.add(Method::kGet, b + "/groups/{id}", bind(get_group),
               http::answering(read, "Show a group", "ContactGroup"));
    router.add(
        Method::kPut, b + "/groups/{id}", bind(put_group),
        http::answering(write, "Update a group", "ContactGroup", {}, "ContactGroupUpdateRequest"));
    router.add(Method::kDelete, b + "/groups/{id}", bind(delete_group),
               http::answering(write, "Delete a group", "Deleted"));
    router.add(Method::kPost, b + "/groups/{id}/contacts", bind(add_members),
               http::answering(write, "Add contacts to a group", "ContactGroupMembersAdded", {200},
                               "ContactGroupMembersRequest"));
    router.add(
        Method::kGet, b + "/groups/{id}/contacts", bind(group_contacts),
        http::listing(read, "List the contacts of a group", "Contact", filter_query("group_id")));
    router.add(Method::kPost, b + "/groups/{id}/contacts/remove", bind(remove_members),
               http::answering(write, "Remove contacts from a group", "ContactGroupMembersRemoved",
                               {200}, "ContactGroupMembersRequest"));

    router.add(Method::kPost, b + "/segments/preview", bind(preview_segment),
               http::answering(read, "Count and sample the contacts some rules match",
                               "ContactSegmentPreview", {200}, "ContactSegmentPreviewRequest"));
    router.add(Method::kPost, b + "/segments", bind(create_segment),
               http::answering(write, "Create a segment", "ContactSegment", {201},
                               "ContactSegmentCreateRequest"));
    router.add(Method::kGet, b + "/segments", bind(list_segments),
               http::listing(read, "List the segments", "ContactSegment", {{"search"}}));
    router.add(Method::kGet, b + "/segments/{id}", bind(get_segment),
               http::answering(read, "Show a segment", "ContactSegment"));
    router.add(Method::kPut, b + "/segments/{id}", bind(put_segment),
               http::answering(write, "Update a segment", "ContactSegment", {},
                               "ContactSegmentUpdateRequest"));
    router.add(Method::kDelete, b + "/segments/{id}", bind(delete_segment),
               http::answering(write, "Delete a segment", "Deleted"));
    router.add(Method::kPost, b + "/segments/{id}/update-count", bind(count_segment),
               http::documented(write, {.summary = "Count a segment's contacts again",
                                        .response = "ContactSegment",
                                        .success = {200},
                                        .no_body = true}));
    router.add(Method::kGet, b + "/segments/{id}/contacts", bind(segment_contacts),
               http::listing(read, "List the contacts a segment matches", "Contact",
                             filter_query("segment_id")));
}

}  // namespace ujumbe::contacts
