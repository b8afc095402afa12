#include "contacts/views.h"

#include "contacts/normalize.h"
#include "contacts/segment_rules.h"
#include "formats/csv.h"
#include "http/schema.h"
#include "http/views_support.h"

namespace ujumbe::contacts {

using json = nlohmann::json;
using http::text_or_null;
using http::time_or_null;

json contact_json(const Contact& c) {
    json out = json::object();
    out.emplace("id", c.id);
    out.emplace("name", c.name);
    out.emplace("phone_e164", text_or_null(c.phone_e164));
    out.emplace("email", text_or_null(c.email));
    out.emplace("attributes", c.attributes);
    out.emplace("tags", c.tags);
    out.emplace("is_active", c.is_active);
    out.emplace("is_opted_in", c.is_opted_in);
    out.emplace("opt_in_at", time_or_null(c.opt_in_at));
    out.emplace("opt_out_at", time_or_null(c.opt_out_at));
    out.emplace("opt_out_reason", text_or_null(c.opt_out_reason));
    out.emplace("opted_out_channels", c.opted_out_channels);
    out.emplace("last_contacted_at", time_or_null(c.last_contacted_at));
    out.emplace("created_at", format_iso8601(c.created_at));
    out.emplace("updated_at", format_iso8601(c.updated_at));
    return out;
}

json contact_schema() {
    using namespace http::schema;
    const json schema = object({{"id", text()},
                                {"name", text()},
                                {"phone_e164", nullable(text())},
                                {"email", nullable(text())},
                                {"attributes", {{"type", "object"}}},
                                {"tags", array_of(text())},
                                {"is_active", boolean()},
                                {"is_opted_in", boolean()},
                                {"opt_in_at", nullable(time())},
                                {"opt_out_at", nullable(time())},
                                {"opt_out_reason", nullable(text())},
                                {"opted_out_channels", array_of(text())},
                                {"last_contacted_at", nullable(time())},
                                {"created_at", time()},
                                {"updated_at", time()}});
    // An opted-in customer who opted out of WhatsApp alone.
    return with_example(schema, {{"id", "0199d3a1-2f6b-7c3e-8a41-6d2b9e0f4c71"},
                                 {"name", "Amina Juma"},
                                 {"phone_e164", "+255712345678"},
                                 {"email", "amina.juma@example.co.tz"},
                                 {"attributes", {{"city", "Arusha"}, {"orders", 7}}},
                                 {"tags", {"customer", "vip"}},
                                 {"is_active", true},
                                 {"is_opted_in", true},
                                 {"opt_in_at", "2026-11-02T14:12:40Z"},
                                 {"opt_out_at", nullptr},
                                 {"opt_out_reason", nullptr},
                                 {"opted_out_channels", {"whatsapp"}},
                                 {"last_contacted_at", "2026-12-01T09:30:00Z"},
                                 {"created_at", "2026-11-02T14:12:40Z"},
                                 {"updated_at", "2026-12-01T09:30:00Z"}});
}

json consent_json(const ConsentEvent& e) {
    json out = json::object();
    out.emplace("id", e.id);
    out.emplace("action", e.action);
    out.emplace("channel", e.channel);
    out.emplace("source", e.source);
    out.emplace("reason", text_or_null(e.reason));
    out.emplace("actor_id", text_or_null(e.actor_id));
    out.emplace("created_at", format_iso8601(e.created_at));
    return out;
}

json consent_schema() {
    using namespace http::schema;
    return object({{"id", text()},
                   {"action", one_of({"opt_in", "opt_out"})},
                   // "all" or a channel; kept open for channels to come.
                   {"channel", text()},
                   {"source", text()},
                   {"reason", nullable(text())},
                   {"actor_id", nullable(text())},
                   {"created_at", time()}});
}

json group_json(const Group& g) {
    json out = json::object();
    out.emplace("id", g.id);
    out.emplace("name", g.name);
    out.emplace("description", g.description);
    out.emplace("contact_count", g.contact_count);
    out.emplace("created_at", format_iso8601(g.created_at));
    out.emplace("updated_at", format_iso8601(g.updated_at));
    return out;
}

json group_schema() {
    using namespace http::schema;
    return object({{"id", text()},
                   {"name", text()},
                   {"description", text()},
                   {"contact_count", integer()},
                   {"created_at", time()},
                   {"updated_at", time()}});
}

json segment_json(const Segment& s) {
    json out = json::object();
    out.emplace("id", s.id);
    out.emplace("name", s.name);
    out.emplace("description", s.description);
    out.emplace("rules", rules_to_json(s.rules));
    out.emplace("contact_count", s.contact_count);
    out.emplace("counted_at", time_or_null(s.counted_at));
    out.emplace("created_at", format_iso8601(s.created_at));
    out.emplace("updated_at", format_iso8601(s.updated_at));
    return out;
}

json segment_schema() {
    using namespace http::schema;
    return object({{"id", text()},
                   {"name", text()},
                   {"description", text()},
                   {"rules", ref("ContactSegmentRules")},
                   {"contact_count", integer()},
                   {"counted_at", nullable(time())},
                   {"created_at", time()},
                   {"updated_at", time()}});
}

json segment_rules_schema() {
    using namespace http::schema;
    // Only opt_in is always written; the other parts only when set.
    const json attribute =
        object({{"key", text()}, {"op", one_of({"equals", "contains"})}, {"value", text()}});
    return object({{"tags_any", array_of(text())},
                   {"tags_all", array_of(text())},
                   {"attributes", array_of(attribute)},
                   {"opt_in", one_of({"opted_in", "opted_out", "any"})},
                   {"is_active", boolean()},
                   {"created_after", time()},
                   {"created_before", time()},
                   {"last_contacted_after", time()},
                   {"last_contacted_before", time()}},
                  {"tags_any", "tags_all", "attributes", "is_active", "created_after",
                   "created_before", "last_contacted_after", "last_contacted_before"});
}

json import_json(const ImportJob& j) {
    const auto total = j.byte_end - j.byte_begin;
    const bool done = j.status == import_status::kCompleted;
    json out = json::object();
    out.emplace("id", j.id);
    out.emplace("status", j.status);
    out.emplace("file_name", j.file_name);
    out.emplace("on_existing", j.options.on_existing);
    out.emplace("tags", j.options.tags);
    out.emplace("total_bytes", total);
    out.emplace("processed_bytes", j.processed_bytes);
    out.emplace("progress", done || total <= 0
                                ? (done ? 100 : 0)
                                : std::min<std::int64_t>(100, j.processed_bytes * 100 / total));
    out.emplace("rows_processed", j.rows_processed);
    out.emplace("created", j.created);
    out.emplace("updated", j.updated);
    out.emplace("skipped", j.skipped);
    out.emplace("failed", j.failed);
    out.emplace("error", text_or_null(j.error));
    out.emplace("created_at", format_iso8601(j.created_at));
    out.emplace("started_at", time_or_null(j.started_at));
    out.emplace("finished_at", time_or_null(j.finished_at));
    return out;
}

json import_schema() {
    using namespace http::schema;
    return object({{"id", text()},
                   {"status", one_of({import_status::kPending, import_status::kRunning,
                                      import_status::kCompleted, import_status::kFailed})},
                   {"file_name", text()},
                   {"on_existing", one_of({"update", "skip"})},
                   {"tags", array_of(text())},
                   {"total_bytes", integer()},
                   {"processed_bytes", integer()},
                   {"progress", integer()},
                   {"rows_processed", integer()},
                   {"created", integer()},
                   {"updated", integer()},
                   {"skipped", integer()},
                   {"failed", integer()},
                   {"error", nullable(text())},
                   {"created_at", time()},
                   {"started_at", nullable(time())},
                   {"finished_at", nullable(time())}});
}

const std::string& export_header() {
    static const std::string header =
        "id,name,phone_e164,email,tags,attributes,is_active,is_opted_in,opt_in_at,opt_out_at,"
        "opt_out_reason,last_contacted_at,created_at,updated_at\r\n";
    return header;
}

void append_export_row(std::string& out, const Contact& c) {
    auto time = [](const std::optional<Micros>& t) {
        return t ? format_iso8601(*t) : std::string();
    };
    const std::string fields[] = {c.id.value,
                                  c.name,
                                  c.phone_e164.value_or(""),
                                  c.email.value_or(""),
                                  join_tags(c.tags),
                                  c.attributes.dump(),
                                  c.is_active ? "true" : "false",
                                  c.is_opted_in ? "true" : "false",
                                  time(c.opt_in_at),
                                  time(c.opt_out_at),
                                  c.opt_out_reason.value_or(""),
                                  time(c.last_contacted_at),
                                  format_iso8601(c.created_at),
                                  format_iso8601(c.updated_at)};
    bool first = true;
    for (const auto& f : fields) {
        if (!first) out += ',';
        first = false;
        formats::csv::append_field(out, f);
    }
    out += "\r\n";
}

const std::string& import_errors_header() {
    static const std::string header = "line,outcome,reason,row\r\n";
    return header;
}

void append_import_error_row(std::string& out, const ImportRowError& e) {
    out += std::to_string(e.line);
    out += ',';
    formats::csv::append_field(out, e.outcome);
    out += ',';
    formats::csv::append_field(out, e.reason);
    out += ',';
    formats::csv::append_field(out, e.row_text);
    out += "\r\n";
}

}  // namespace ujumbe::contacts
