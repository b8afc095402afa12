#include "campaigns/store.h"

#include "campaigns/lifecycle.h"
#include "db/filter.h"

namespace ujumbe::campaigns::store {

namespace {

using db::QueryResult;
using db::Row;
using db::Value;
using json = nlohmann::json;

constexpr const char* kTemplateColumns =
    "id, account_id, name, description, body, created_by, created_at, updated_at, channel, "
    "subject, html";

Template template_from(const Row& r) {
    Template t;
    t.id = r.id<TemplateId>(0);
    t.account_id = r.id<AccountId>(1);
    t.name = r.text(2);
    t.description = r.text(3);
    t.body = r.text(4);
    t.created_by = r.opt_id<UserId>(5);
    t.created_at = r.i64(6);
    t.updated_at = r.i64(7);
    t.channel = r.text(8);
    t.subject = r.opt_text(9);
    t.html = r.opt_text(10);
    return t;
}

constexpr const char* kCampaignColumns =
    "id, account_id, name, description, campaign_type, message_text, template_id, sender_id, "
    "status, status_reason, scheduled_at, started_at, paused_at, completed_at, targets, "
    "settings, is_recurring, recurring_schedule, phase, next_seq, total_recipients, "
    "accepted_count, skipped_count, sent_count, delivered_count, read_count, failed_count, "
    "exclusions, estimated_cost, charged, refunded, currency, counted_at, created_by, "
    "created_at, updated_at, created_by_name, run_by, next_run_at, parent_id, whatsapp_template";

// A JSON column as stored; an unreadable one reads as `fallback`.
json json_of(const std::string& text, json fallback) {
    auto parsed = json::parse(text, nullptr, false);
    return parsed.is_discarded() ? fallback : parsed;
}

std::string targets_text(const Targets& t) {
    json ids = json::array(), segments = json::array();
    for (const auto& id : t.contact_ids) ids.push_back(id.value);
    for (const auto& id : t.segment_ids) segments.push_back(id.value);
    return json{{"contact_ids", ids}, {"segment_ids", segments}, {"criteria", t.criteria}}.dump();
}

Targets targets_from(const std::string& text) {
    Targets t;
    const json j = json_of(text, json::object());
    if (auto it = j.find("contact_ids"); it != j.end() && it->is_array())
        for (const auto& v : *it)
            if (v.is_string()) t.contact_ids.push_back(ContactId{v.get<std::string>()});
    if (auto it = j.find("segment_ids"); it != j.end() && it->is_array())
        for (const auto& v : *it)
            if (v.is_string()) t.segment_ids.push_back(SegmentId{v.get<std::string>()});
    if (auto it = j.find("criteria"); it != j.end() && it->is_object()) t.criteria = *it;
    return t;
}

std::string exclusions_text(const Exclusions& e) {
    json out = json::object();
    for (const auto& [reason, n] : e) out[reason] = n;
    return out.dump();
}

Exclusions exclusions_from(const std::string& text) {
    Exclusions out;
    const json j = json_of(text, json::object());
    for (const auto& [reason, n] : j.items())
        if (n.is_number_integer()) out[reason] = n.get<std::int64_t>();
    return out;
}

Value whatsapp_template_text(const Campaign& k) {
    return k.whatsapp_template.is_object() ? Value(k.whatsapp_template.dump()) : db::null();
}

Campaign campaign_from(const Row& r) {
    Campaign k;
    k.id = r.id<CampaignId>(0);
    k.account_id = r.id<AccountId>(1);
    k.name = r.text(2);
    k.description = r.text(3);
    k.campaign_type = r.text(4);
    k.message_text = r.opt_text(5);
    k.template_id = r.opt_id<TemplateId>(6);
    k.sender_id = r.opt_text(7);
    k.status = parse_status(r.text(8)).value_or(CampaignStatus::kFailed);
    k.status_reason = r.opt_text(9);
    k.scheduled_at = r.opt_i64(10);
    k.started_at = r.opt_i64(11);
    k.paused_at = r.opt_i64(12);
    k.completed_at = r.opt_i64(13);
    k.targets = targets_from(r.text(14));
    k.settings.raw = json_of(r.text(15), json::object());
    k.is_recurring = r.boolean(16);
    k.recurring_schedule = json_of(r.text(17), json::object());
    k.phase = r.opt_text(18);
    k.next_seq = r.i64(19);
    k.total_recipients = r.i64(20);
    k.accepted_count = r.i64(21);
    k.skipped_count = r.i64(22);
    k.sent_count = r.i64(23);
    k.delivered_count = r.i64(24);
    k.read_count = r.i64(25);
    k.failed_count = r.i64(26);
    k.exclusions = exclusions_from(r.text(27));
    k.estimated_cost = r.i64(28);
    k.charged = r.i64(29);
    k.refunded = r.i64(30);
    k.currency = r.opt_text(31);
    k.counted_at = r.opt_i64(32);
    k.created_by = r.opt_id<UserId>(33);
    k.created_at = r.i64(34);
    k.updated_at = r.i64(35);
    k.created_by_name = r.text(36);
    k.run_by = r.opt_id<UserId>(37);
    k.next_run_at = r.opt_i64(38);
    k.parent_id = r.opt_id<CampaignId>(39);
    if (auto t = r.opt_text(40)) k.whatsapp_template = json_of(*t, nullptr);
    return k;
}

constexpr const char* kRecipientColumns =
    "seq, contact_id, phone, status, message_id, reason, fallback_message_id";

Recipient recipient_from(const Row& r) {
    Recipient x;
    x.seq = r.i64(0);
    x.contact_id = r.id<ContactId>(1);
    x.phone = r.text(2);
    x.status = r.text(3);
    x.message_id = r.opt_id<MessageId>(4);
    x.reason = r.opt_text(5);
    x.fallback_message_id = r.opt_id<MessageId>(6);
    return x;
}

std::string campaign_select(const std::string& where) {
    return std::string("SELECT ") + kCampaignColumns + " FROM campaigns " + where;
}

Result<std::vector<Campaign>> campaigns(Connection& c, const std::string& where,
                                        std::initializer_list<Value> params) {
    return db::all<Campaign>(c.query(campaign_select(where), params), campaign_from);
}

db::Filter recipient_filter(const CampaignId& id, const RecipientQuery& q) {
    db::Filter f({id.value});
    f.where("campaign_id = $1");
    if (q.status) f.add("status = {}", *q.status);
    if (q.phone) f.add("phone = {}", *q.phone);
    return f;
}

}  // namespace

Result<Progress> progress(Connection& c, const std::optional<AccountId>& account) {
    db::Filter f;
    f.where("status IN ('scheduled', 'running', 'paused')");
    if (account) f.add("account_id = {}", account->value);
    UJ_ASSIGN(auto r, c.run("SELECT status, count(*), sum(total_recipients), "
                            "sum(accepted_count + skipped_count) FROM campaigns" +
                                f.sql() + " GROUP BY status",
                            f.params()));
    Progress out;
    for (const auto& row : r.rows) {
        const std::string status = row.text(0);
        out.by_status[status] = row.i64(1);
        if (status == "running") {
            out.running_recipients = row.opt_i64(2).value_or(0);
            out.running_processed = row.opt_i64(3).value_or(0);
        }
    }
    return out;
}

// ---- templates

Status insert_template(Connection& c, const Template& t) {
    return db::done(
        c.query("INSERT INTO sms_templates (id, account_id, name, description, body, created_by, "
                "created_at, updated_at, channel, subject, html) VALUES ($1, $2, $3, $4, $5, $6, "
                "$7, $8, $9, $10, $11)",
                {t.id.value, t.account_id.value, t.name, t.description, t.body,
                 db::optional_id(t.created_by), t.created_at, t.updated_at, t.channel,
                 db::optional_text(t.subject), db::optional_text(t.html)}));
}

Status update_template(Connection& c, const Template& t) {
    return db::done(
        c.query("UPDATE sms_templates SET name = $3, description = $4, body = $5, updated_at = $6, "
                "subject = $7, html = $8 WHERE account_id = $1 AND id = $2",
                {t.account_id.value, t.id.value, t.name, t.description, t.body, t.updated_at,
                 db::optional_text(t.subject), db::optional_text(t.html)}));
}

Status delete_template(Connection& c, const AccountId& account, const TemplateId& id) {
    return db::done(c.query("DELETE FROM sms_templates WHERE account_id = $1 AND id = $2",
                            {account.value, id.value}));
}

Result<std::optional<Template>> find_template(Connection& c, const AccountId& account,
                                              const TemplateId& id) {
    return db::one<Template>(
        c.query_one(std::string("SELECT ") + kTemplateColumns +
                        " FROM sms_templates WHERE account_id = $1 AND id = $2",
                    {account.value, id.value}),
        template_from);
}

Result<db::Listing<Template>> list_templates(Connection& c, const AccountId& account,
                                             const std::optional<std::string>& search,
                                             db::Paged page) {
    db::Filter f({account.value});
    f.where("account_id = $1");
    if (search)
        f.add("(lower(name) LIKE {} ESCAPE '\\' OR lower(body) LIKE {} ESCAPE '\\')",
              db::like_contains(*search));
    db::Listing<Template> out;
    UJ_ASSIGN(out.count, db::count_of(c, "SELECT count(*) FROM sms_templates", f));
    const std::string sql = std::string("SELECT ") + kTemplateColumns + " FROM sms_templates" +
                            f.sql() + " ORDER BY name, id" + db::limit_clause(f, page);
    UJ_ASSIGN(out.items, db::all<Template>(c.run(sql, f.params()), template_from));
    return out;
}

Result<std::int64_t> count_template_uses(Connection& c, const AccountId& account,
                                         const TemplateId& id) {
    UJ_ASSIGN(auto row, c.query_one("SELECT count(*) FROM campaigns WHERE account_id = $1 AND "
                                    "template_id = $2 AND status IN ('draft', 'scheduled', "
                                    "'running', 'paused')",
                                    {account.value, id.value}));
    return row ? row->i64(0) : 0;
}

// ---- footer

Result<std::optional<std::string>> opt_out_footer(Connection& c, const AccountId& account) {
    UJ_ASSIGN(auto row, c.query_one("SELECT opt_out_footer FROM campaign_preferences WHERE "
                                    "account_id = $1",
                                    {account.value}));
    if (!row) return std::optional<std::string>();
    return row->opt_text(0);
}

Status set_opt_out_footer(Connection& c, const AccountId& account,
                          const std::optional<std::string>& footer, Micros now) {
    return db::done(c.query(
        "INSERT INTO campaign_preferences (account_id, opt_out_footer, updated_at) VALUES ($1, "
        "$2, $3) ON CONFLICT (account_id) DO UPDATE SET opt_out_footer = excluded.opt_out_footer, "
        "updated_at = excluded.updated_at",
        {account.value, db::optional_text(footer), now}));
}

Result<std::optional<QuietHours>> quiet_hours(Connection& c, const AccountId& account) {
    UJ_ASSIGN(auto row, c.query_one("SELECT quiet_start, quiet_end FROM campaign_preferences "
                                    "WHERE account_id = $1",
                                    {account.value}));
    if (!row || row->is_null(0) || row->is_null(1)) return std::optional<QuietHours>();
    return std::optional<QuietHours>(QuietHours{row->text(0), row->text(1)});
}

Status set_quiet_hours(Connection& c, const AccountId& account,
                       const std::optional<QuietHours>& quiet, Micros now) {
    return db::done(c.query(
        "INSERT INTO campaign_preferences (account_id, quiet_start, quiet_end, updated_at) VALUES "
        "($1, $2, $3, $4) ON CONFLICT (account_id) DO UPDATE SET quiet_start = "
        "excluded.quiet_start, quiet_end = excluded.quiet_end, updated_at = excluded.updated_at",
        {account.value, quiet ? Value(quiet->start) : db::null(),
         quiet ? Value(quiet->end) : db::null(), now}));
}

// ---- campaigns

Status insert_campaign(Connection& c, const Campaign& k) {
    return db::done(c.query(
        "INSERT INTO campaigns (id, account_id, name, description, campaign_type, message_text, "
        "template_id, sender_id, status, scheduled_at, targets, settings, is_recurring, "
        "recurring_schedule, estimated_cost, currency, exclusions, total_recipients, created_by, "
        "created_at, updated_at, created_by_name, started_at, run_by, parent_id, "
        "whatsapp_template) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
        "$15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)",
        {k.id.value,
         k.account_id.value,
         k.name,
         k.description,
         k.campaign_type,
         db::optional_text(k.message_text),
         db::optional_id(k.template_id),
         db::optional_text(k.sender_id),
         std::string(status_name(k.status)),
         db::optional_int(k.scheduled_at),
         targets_text(k.targets),
         k.settings.raw.dump(),
         k.is_recurring,
         k.recurring_schedule.dump(),
         k.estimated_cost,
         db::optional_text(k.currency),
         exclusions_text(k.exclusions),
         k.total_recipients,
         db::optional_id(k.created_by),
         k.created_at,
         k.updated_at,
         k.created_by_name,
         db::optional_int(k.started_at),
         db::optional_id(k.run_by),
         db::optional_id(k.parent_id),
         whatsapp_template_text(k)}));
}

Result<bool> save_campaign(Connection& c, const Campaign& k, CampaignStatus expected) {
    UJ_ASSIGN(auto n,
              c.execute("UPDATE campaigns SET name = $3, description = $4, campaign_type = $5, "
                        "message_text = $6, template_id = $7, sender_id = $8, scheduled_at = $9, "
                        "targets = $10, settings = $11, is_recurring = $12, "
                        "recurring_schedule = $13, estimated_cost = $14, currency = $15, "
                        "exclusions = $16, total_recipients = $17, updated_at = $18, "
                        "next_run_at = $20, whatsapp_template = $21 WHERE account_id = $1 AND "
                        "id = $2 AND status = $19",
                        {k.account_id.value,
                         k.id.value,
                         k.name,
                         k.description,
                         k.campaign_type,
                         db::optional_text(k.message_text),
                         db::optional_id(k.template_id),
                         db::optional_text(k.sender_id),
                         db::optional_int(k.scheduled_at),
                         targets_text(k.targets),
                         k.settings.raw.dump(),
                         k.is_recurring,
                         k.recurring_schedule.dump(),
                         k.estimated_cost,
                         db::optional_text(k.currency),
                         exclusions_text(k.exclusions),
                         k.total_recipients,
                         k.updated_at,
                         std::string(status_name(expected)),
                         db::optional_int(k.next_run_at),
                         whatsapp_template_text(k)}));
    return n > 0;
}

Status delete_campaign(Connection& c, const AccountId& account, const CampaignId& id) {
    UJ_ASSIGN(auto n, c.execute("DELETE FROM campaigns WHERE account_id = $1 AND id = $2",
                                {account.value, id.value}));
    if (n == 0) return {};
    return clear_recipients(c, id);
}

Result<std::optional<Campaign>> find_campaign(Connection& c, const AccountId& account,
                                              const CampaignId& id) {
    return db::one<Campaign>(c.query_one(campaign_select("WHERE account_id = $1 AND id = $2"),
                                         {account.value, id.value}),
                             campaign_from);
}

Result<db::Listing<Campaign>> list_campaigns(Connection& c, const AccountId& account,
                                             const CampaignQuery& q, db::Paged page) {
    db::Filter f({account.value});
    f.where("account_id = $1");
    if (q.status) f.add("status = {}", std::string(status_name(*q.status)));
    if (q.type) f.add("campaign_type = {}", *q.type);
    if (q.parent_id) f.add("parent_id = {}", q.parent_id->value);
    if (q.search)
        f.add("(lower(name) LIKE {} ESCAPE '\\' OR lower(description) LIKE {} ESCAPE '\\')",
              db::like_contains(*q.search));
    db::Listing<Campaign> out;
    UJ_ASSIGN(out.count, db::count_of(c, "SELECT count(*) FROM campaigns", f));
    // The ordering is one of a fixed set the routes checked.
    const bool desc = q.ordering.starts_with('-');
    const std::string column = desc ? q.ordering.substr(1) : q.ordering;
    const std::string dir = desc ? " DESC" : "";
    const std::string sql = campaign_select("") + f.sql() + " ORDER BY " + column + dir + ", id" +
                            dir + db::limit_clause(f, page);
    UJ_ASSIGN(out.items, db::all<Campaign>(c.run(sql, f.params()), campaign_from));
    return out;
}

// ---- the runner

Result<std::vector<Campaign>> due_campaigns(Connection& c, Micros now, int limit) {
    return campaigns(c,
                     "WHERE status = 'scheduled' AND is_recurring = FALSE AND scheduled_at <= $1 "
                     "ORDER BY scheduled_at LIMIT $2",
                     {now, static_cast<std::int64_t>(limit)});
}

Result<std::vector<Campaign>> due_runs(Connection& c, Micros now, int limit) {
    return campaigns(c,
                     "WHERE status = 'scheduled' AND is_recurring = TRUE AND next_run_at <= $1 "
                     "ORDER BY next_run_at LIMIT $2",
                     {now, static_cast<std::int64_t>(limit)});
}

Result<bool> advance_run(Connection& c, const CampaignId& id, Micros from,
                         std::optional<Micros> to) {
    UJ_ASSIGN(auto n, c.execute("UPDATE campaigns SET next_run_at = $3 WHERE id = $1 AND "
                                "next_run_at = $2",
                                {id.value, from, db::optional_int(to)}));
    return n > 0;
}

Result<std::vector<Campaign>> working_campaigns(Connection& c, int limit) {
    return campaigns(c,
                     "WHERE status = 'running' OR (status = 'paused' AND status_reason IS NOT "
                     "NULL) ORDER BY started_at, id LIMIT $1",
                     {static_cast<std::int64_t>(limit)});
}

Result<std::vector<Campaign>> counted_campaigns(Connection& c, Micros now, Micros settle) {
    return campaigns(c,
                     "WHERE status IN ('running', 'paused') OR (status IN ('completed', "
                     "'cancelled', 'failed') AND completed_at > $1) ORDER BY id",
                     {now - settle});
}

Result<bool> lease_campaign(Connection& c, const CampaignId& id, const std::string& node,
                            Micros now, Micros until) {
    UJ_ASSIGN(auto n, c.execute("UPDATE campaigns SET lease_owner = $2, lease_until = $3 WHERE "
                                "id = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR "
                                "lease_until < $4)",
                                {id.value, node, until, now}));
    return n > 0;
}

Result<bool> set_status(Connection& c, const Campaign& k, CampaignStatus expected) {
    UJ_ASSIGN(auto n, c.execute("UPDATE campaigns SET status = $3, status_reason = $4, "
                                "started_at = $5, paused_at = $6, completed_at = $7, "
                                "updated_at = $8, run_by = $10, next_run_at = $11, scheduled_at = "
                                "$12 WHERE account_id = $1 AND id = $2 AND status = $9",
                                {k.account_id.value, k.id.value, std::string(status_name(k.status)),
                                 db::optional_text(k.status_reason), db::optional_int(k.started_at),
                                 db::optional_int(k.paused_at), db::optional_int(k.completed_at),
                                 k.updated_at, std::string(status_name(expected)),
                                 db::optional_id(k.run_by), db::optional_int(k.next_run_at),
                                 db::optional_int(k.scheduled_at)}));
    return n > 0;
}

// ---- recipients

Status clear_recipients(Connection& c, const CampaignId& id) {
    return db::done(c.query("DELETE FROM campaign_recipients WHERE campaign_id = $1", {id.value}));
}

Status insert_recipients(Connection& c, const CampaignId& id, const std::vector<Recipient>& rows) {
    std::vector<Value> params;
    return db::for_each_batch(rows.size(), 128, [&](std::size_t first, std::size_t count) {
        params.clear();
        for (std::size_t i = first; i < first + count; ++i) {
            const auto& r = rows[i];
            params.emplace_back(id.value);
            params.emplace_back(r.seq);
            params.emplace_back(r.contact_id.value);
            params.emplace_back(r.phone);
            params.emplace_back(r.status);
        }
        return db::done(
            c.run("INSERT INTO campaign_recipients (campaign_id, seq, contact_id, "
                  "phone, status) VALUES " +
                      db::value_rows(static_cast<int>(count), 5),
                  params));
    });
}

Status begin_expansion(Connection& c, const CampaignId& id, Micros now) {
    return db::done(
        c.query("UPDATE campaigns SET phase = 'expanding', next_seq = 0, "
                "total_recipients = 0, updated_at = $2 WHERE id = $1",
                {id.value, now}));
}

Status set_expanded(Connection& c, const CampaignId& id, std::int64_t total) {
    return db::done(
        c.query("UPDATE campaigns SET total_recipients = $2 WHERE id = $1", {id.value, total}));
}

Status finish_expansion(Connection& c, const Campaign& k) {
    return db::done(
        c.query("UPDATE campaigns SET phase = 'sending', next_seq = 0, "
                "total_recipients = $2, exclusions = $3, estimated_cost = $4, "
                "currency = $5, updated_at = $6 WHERE id = $1",
                {k.id.value, k.total_recipients, exclusions_text(k.exclusions), k.estimated_cost,
                 db::optional_text(k.currency), k.updated_at}));
}

Result<std::vector<Recipient>> recipients_from(Connection& c, const CampaignId& id,
                                               std::int64_t from_seq, int limit) {
    return db::all<Recipient>(
        c.query(std::string("SELECT ") + kRecipientColumns +
                    " FROM campaign_recipients WHERE campaign_id = $1 AND seq >= $2 ORDER BY seq "
                    "LIMIT $3",
                {id.value, from_seq, static_cast<std::int64_t>(limit)}),
        recipient_from);
}

Result<bool> record_batch(Connection& c, const CampaignId& id, const BatchDone& done, Micros now) {
    UJ_ASSIGN(auto moved,
              c.execute("UPDATE campaigns SET next_seq = $3, accepted_count = accepted_count + $4, "
                        "skipped_count = skipped_count + $5, charged = charged + $6, "
                        "updated_at = $7 WHERE id = $1 AND next_seq = $2",
                        {id.value, done.from_seq, done.to_seq,
                         static_cast<std::int64_t>(done.accepted.size()),
                         static_cast<std::int64_t>(done.skipped.size()), done.charged, now}));
    if (moved == 0) return false;
    std::vector<Value> params;
    UJ_TRY(db::for_each_batch(
        done.accepted.size(), 128, [&](std::size_t first, std::size_t count) -> Status {
            params.clear();
            params.emplace_back(id.value);
            std::string cases, seqs;
            for (std::size_t i = first; i < first + count; ++i) {
                const auto seq = "$" + std::to_string(params.size() + 1);
                const auto message = "$" + std::to_string(params.size() + 2);
                params.emplace_back(done.accepted[i].first);
                params.emplace_back(done.accepted[i].second.value);
                cases += " WHEN " + seq + " THEN " + message;
                seqs += (seqs.empty() ? "" : ", ") + seq;
            }
            return db::done(
                c.run("UPDATE campaign_recipients SET status = 'accepted', "
                      "message_id = CASE seq" +
                          cases + " END WHERE campaign_id = $1 AND seq IN (" + seqs + ")",
                      params));
        }));
    UJ_TRY(db::for_each_batch(
        done.skipped.size(), 128, [&](std::size_t first, std::size_t count) -> Status {
            params.clear();
            params.emplace_back(id.value);
            for (std::size_t i = first; i < first + count; ++i)
                params.emplace_back(done.skipped[i]);
            return db::done(
                c.run("UPDATE campaign_recipients SET status = 'skipped', reason = "
                      "'REFUSED' WHERE campaign_id = $1 AND seq IN (" +
                          db::placeholders(2, count) + ")",
                      params));
        }));
    return true;
}

Status refresh_statistics(Connection& c) {
    if (c.dialect() != db::Dialect::kPostgres) return {};
    return c.run_script("ANALYZE campaign_recipients");
}

Status set_reasons(Connection& c, const CampaignId& id,
                   const std::vector<std::pair<std::int64_t, std::string>>& reasons) {
    for (const auto& [seq, reason] : reasons)
        UJ_TRY(
            db::done(c.query("UPDATE campaign_recipients SET reason = $3 WHERE campaign_id = "
                             "$1 AND seq = $2",
                             {id.value, seq, reason})));
    return {};
}

Status queue_fallbacks(Connection& c, const CampaignId& id, const std::vector<std::int64_t>& seqs,
                       const std::string& reason, Micros now) {
    for (const auto seq : seqs)
        UJ_TRY(
            db::done(c.query("INSERT INTO campaign_fallbacks (campaign_id, seq, reason, "
                             "created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                             {id.value, seq, reason, now})));
    return {};
}

Status queue_failed_fallbacks(Connection& c, const std::vector<MessageId>& messages,
                              const std::string& reason, Micros now) {
    return db::for_each_batch(messages.size(), 256, [&](std::size_t first, std::size_t n) {
        std::vector<Value> params = {reason, now};
        for (std::size_t i = first; i < first + n; ++i) params.emplace_back(messages[i].value);
        return db::done(c.run(
            "INSERT INTO campaign_fallbacks (campaign_id, seq, reason, created_at) SELECT "
            "r.campaign_id, r.seq, $1, $2 FROM campaign_recipients r JOIN campaigns k ON k.id = "
            "r.campaign_id WHERE r.message_id IN (" +
                db::placeholders(3, n) +
                ") AND k.campaign_type = 'mixed' AND r.fallback_message_id IS NULL "
                "ON CONFLICT DO NOTHING",
            params));
    });
}

Result<std::vector<Fallback>> due_fallbacks(Connection& c, int limit,
                                            const std::vector<CampaignId>& skip) {
    std::vector<Value> params = {static_cast<std::int64_t>(limit)};
    for (const auto& id : skip) params.emplace_back(id.value);
    const std::string skipped =
        skip.empty() ? ""
                     : " WHERE f.campaign_id NOT IN (" + db::placeholders(2, skip.size()) + ")";
    return db::all<Fallback>(
        c.run("SELECT f.campaign_id, f.seq, r.contact_id, r.phone, f.reason FROM "
              "campaign_fallbacks f JOIN campaign_recipients r ON r.campaign_id = "
              "f.campaign_id AND r.seq = f.seq" +
                  skipped + " ORDER BY f.created_at, f.campaign_id, f.seq LIMIT $1",
              params),
        [](const Row& r) {
            return Fallback{r.id<CampaignId>(0), r.i64(1), r.id<ContactId>(2), r.text(3),
                            r.text(4)};
        });
}

Result<bool> finish_fallbacks(Connection& c, const CampaignId& id,
                              const std::vector<std::int64_t>& seqs,
                              const std::vector<std::pair<std::int64_t, MessageId>>& sent) {
    for (const auto seq : seqs) {
        UJ_ASSIGN(auto n, c.execute("DELETE FROM campaign_fallbacks WHERE campaign_id = $1 AND "
                                    "seq = $2",
                                    {id.value, seq}));
        if (n == 0) return false;
    }
    for (const auto& [seq, message] : sent)
        UJ_TRY(
            db::done(c.query("UPDATE campaign_recipients SET fallback_message_id = $3 WHERE "
                             "campaign_id = $1 AND seq = $2",
                             {id.value, seq, message.value})));
    return true;
}

Result<std::optional<Campaign>> campaign_by_id(Connection& c, const CampaignId& id) {
    return db::one<Campaign>(
        c.query_one(std::string("SELECT ") + kCampaignColumns + " FROM campaigns WHERE id = $1",
                    {id.value}),
        campaign_from);
}

Status set_counts(Connection& c, const CampaignId& id, const Counts& n, Micros now) {
    return db::done(
        c.query("UPDATE campaigns SET sent_count = $2, delivered_count = $3, "
                "read_count = $4, failed_count = $5, refunded = $6, counted_at = $7 "
                "WHERE id = $1",
                {id.value, n.sent, n.delivered, n.read, n.failed, n.refunded, now}));
}

Result<db::Listing<Recipient>> list_recipients(Connection& c, const CampaignId& id,
                                               const RecipientQuery& q, db::Paged page) {
    auto f = recipient_filter(id, q);
    db::Listing<Recipient> out;
    UJ_ASSIGN(out.count, db::count_of(c, "SELECT count(*) FROM campaign_recipients", f));
    const std::string sql = std::string("SELECT ") + kRecipientColumns +
                            " FROM campaign_recipients" + f.sql() + " ORDER BY seq" +
                            db::limit_clause(f, page);
    UJ_ASSIGN(out.items, db::all<Recipient>(c.run(sql, f.params()), recipient_from));
    return out;
}

Result<std::vector<Recipient>> export_recipients(Connection& c, const CampaignId& id,
                                                 const RecipientQuery& q, std::int64_t after_seq,
                                                 int limit) {
    auto f = recipient_filter(id, q);
    f.add("seq > {}", after_seq);
    const auto n = f.bind(static_cast<std::int64_t>(limit));
    return db::all<Recipient>(
        c.run(std::string("SELECT ") + kRecipientColumns + " FROM campaign_recipients" + f.sql() +
                  " ORDER BY seq LIMIT " + n,
              f.params()),
        recipient_from);
}

}  // namespace ujumbe::campaigns::store
