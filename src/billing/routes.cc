// HTTP handlers of the billing module: read and check input, call the
// service, shape the answer. No SQL and no business rules here.

#include "billing/routes.h"

#include "billing/statement_pdf.h"
#include "core/dates.h"
#include "core/ids.h"
#include "core/validate.h"
#include "formats/csv.h"
#include "http/envelope.h"
#include "http/input.h"
#include "http/pagination.h"
#include "http/route_docs.h"
#include "http/schema.h"
#include "http/views_support.h"

namespace ujumbe::billing {

namespace {

using http::Fields;
using http::Method;
using http::Need;
using http::Request;
using http::RequestContext;
using http::Response;
using json = nlohmann::json;

constexpr int kExportPage = 1000;

// The types of ledger entries (entry_type).
const std::vector<std::string> kEntryTypes = {"topup",        "charge",     "refund", "transfer_in",
                                              "transfer_out", "adjustment", "trial"};

// An amount as the parsers read it (money_from_json).
nlohmann::json amount_schema() {
    using namespace http::schema;
    return {{"anyOf", json::array({text(), number()})},
            {"description", "At most six decimals, as text (\"12.50\") or a number."}};
}

json wallet_json(const Wallet& w) {
    return {{"account_id", w.account_id.value},
            {"currency", w.currency},
            {"balance", money_json(w.balance)},
            {"balance_micros", w.balance},
            {"credit_limit", money_json(w.credit_limit)},
            {"available", money_json(w.balance + w.credit_limit)},
            {"low_balance_threshold",
             w.low_balance_threshold ? money_json(*w.low_balance_threshold) : json(nullptr)},
            {"updated_at", format_iso8601(w.updated_at)}};
}

json entry_json(const LedgerEntry& e) {
    return {{"id", e.id},
            {"account_id", e.account_id.value},
            {"type", e.type},
            {"amount", money_json(e.amount)},
            {"amount_micros", e.amount},
            {"balance_after", money_json(e.balance_after)},
            {"currency", e.currency},
            {"reference", http::text_or_null(e.reference)},
            {"description", e.description},
            {"actor_id", http::text_or_null(e.actor_id)},
            {"message_id", http::text_or_null(e.message_id)},
            {"counterparty_id", http::text_or_null(e.counterparty_id)},
            {"created_at", format_iso8601(e.created_at)}};
}

json rate_json(const Rate& r) {
    json markup = nullptr;
    if (r.markup_ppm) markup = json::parse(format_money(*r.markup_ppm * 100));
    return {{"id", r.id},
            {"account_id", http::text_or_null(r.account_id)},
            {"channel", r.channel},
            {"prefix", r.prefix},
            {"country", r.country},
            {"price", r.price ? money_json(*r.price) : json(nullptr)},
            {"markup_percent", markup},
            {"gateway_id", http::text_or_null(r.gateway_id)},
            {"currency", r.currency},
            {"created_at", format_iso8601(r.created_at)},
            {"updated_at", format_iso8601(r.updated_at)}};
}

// The schema of rate_json().
nlohmann::json rate_schema() {
    using namespace http::schema;
    return object({{"id", text()},
                   {"account_id", nullable(text())},
                   {"channel", one_of({"sms", "whatsapp", "email"})},
                   {"prefix", text()},
                   {"country", text()},
                   {"price", nullable(number())},
                   {"markup_percent", nullable(number())},
                   {"gateway_id", nullable(text())},
                   {"currency", text()},
                   {"created_at", time()},
                   {"updated_at", time()}});
}

// The schemas of a wallet and a ledger entry (the OpenAPI document).
void define_wallet_schemas(http::Router& router) {
    using namespace http::schema;
    router.define_schema("Wallet", object({{"account_id", text()},
                                           {"currency", text()},
                                           {"balance", number()},
                                           {"balance_micros", integer()},
                                           {"credit_limit", number()},
                                           {"available", number()},
                                           {"low_balance_threshold", nullable(number())},
                                           {"updated_at", time()}}));
    router.define_schema("LedgerEntry", object({{"id", text()},
                                                {"account_id", text()},
                                                {"type", one_of(kEntryTypes)},
                                                {"amount", number()},
                                                {"amount_micros", integer()},
                                                {"balance_after", number()},
                                                {"currency", text()},
                                                {"reference", nullable(text())},
                                                {"description", text()},
                                                {"actor_id", nullable(text())},
                                                {"message_id", nullable(text())},
                                                {"counterparty_id", nullable(text())},
                                                {"created_at", time()}}));
}

// What read_query() and account_param() read.
std::vector<http::QueryDoc> ledger_filters() {
    return {{"account_id"}, {"type", kEntryTypes}, {"message_id"}, {"date_from"}, {"date_to"}};
}

std::optional<AccountId> account_param(const Request& req) {
    auto text = req.query_param("account_id");
    if (!text) return std::nullopt;
    return AccountId{std::move(*text)};
}

Result<LedgerQuery> read_query(const Request& req) {
    LedgerQuery q;
    if (auto t = req.query_param("type")) {
        if (std::find(kEntryTypes.begin(), kEntryTypes.end(), *t) == kEntryTypes.end())
            return Error::invalid("type", "Not a transaction type.");
        q.type = *t;
    }
    if (auto m = req.query_param("message_id")) {
        if (!is_uuid(*m)) return Error::invalid("message_id", "Not a message id.");
        q.message_id = MessageId{*m};
    }
    FieldErrors errors;
    const auto range = http::read_date_range(req, errors);
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    q.from = range.from;
    q.until = range.until;
    return q;
}

std::optional<Micros6> read_amount(Fields& f, const json& body, const std::string& name,
                                   Need need) {
    if (!f.has(name) || f.is_null(name)) {
        if (need == Need::kRequired) f.fail(name, "This field is required.");
        return std::nullopt;
    }
    auto amount = money_from_json(body[name]);
    if (!amount) f.fail(name, "Must be an amount with at most six decimals, e.g. \"12.50\".");
    return amount;
}

Result<MoneyMove> read_move(const Request& req, const char* amount_field) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    MoneyMove in;
    in.account_id = f.id<AccountId>("account_id", Need::kRequired);
    auto amount = read_amount(f, body, amount_field, Need::kRequired);
    if (std::string_view(amount_field) == "amount") {
        in.reference = f.text("reference", Need::kRequired, 1, 100).value_or("");
        in.description = f.text("description", Need::kOptional, 0, 500).value_or("");
    }
    UJ_TRY(f.check());
    in.amount = *amount;
    return in;
}

// {"threshold": "5.00"}, or null to turn the alert off.
Result<Response> low_balance_alert(BillingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    if (!f.has("threshold")) f.fail("threshold", "This field is required (null turns it off).");
    auto threshold = read_amount(f, body, "threshold", Need::kOptional);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto w, s.set_low_balance_alert(ctx.who(), threshold));
    return http::ok(wallet_json(w));
}

Result<Response> get_wallet(BillingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto w, s.wallet(ctx.who(), account_param(req)));
    return http::ok(wallet_json(w));
}

Result<Response> list_transactions(BillingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto q, read_query(req));
    UJ_ASSIGN(auto window, http::list_window(req));
    UJ_ASSIGN(auto listing, s.transactions(ctx.who(), account_param(req), q, window));
    json results = json::array();
    for (const auto& e : listing.items) results.push_back(entry_json(e));
    return http::window_response(req, window, std::move(results), listing);
}

// Streams the ledger as CSV, oldest first, a keyset page at a time.
Result<Response> export_transactions(BillingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto q, read_query(req));
    const auto account = account_param(req);
    UJ_TRY(s.export_page(ctx.who(), account, q, "", 1));  // answer errors before streaming
    struct State {
        bool header_sent = false;
        std::string after;
    };
    auto state = std::make_shared<State>();
    Response res;
    res.content_type = "text/csv; charset=utf-8";
    res.headers.emplace_back("Content-Disposition", "attachment; filename=\"transactions.csv\"");
    res.stream = [&s, who = ctx.who(), account, q, state](std::string& out) -> Result<bool> {
        if (!state->header_sent) {
            const std::string header[] = {
                "id",       "created_at", "type",        "amount",     "balance_after",
                "currency", "reference",  "description", "message_id", "counterparty_id"};
            formats::csv::append_record(out, header);
            state->header_sent = true;
        }
        UJ_ASSIGN(auto page, s.export_page(who, account, q, state->after, kExportPage));
        for (const auto& e : page) {
            const std::string row[] = {e.id.value,
                                       format_iso8601(e.created_at),
                                       e.type,
                                       format_money(e.amount),
                                       format_money(e.balance_after),
                                       e.currency,
                                       e.reference.value_or(""),
                                       e.description,
                                       text_of(e.message_id),
                                       text_of(e.counterparty_id)};
            formats::csv::append_record(out, row);
        }
        if (!page.empty()) state->after = page.back().id.value;
        return page.size() == static_cast<std::size_t>(kExportPage);
    };
    return res;
}

Result<Response> topup(BillingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_move(req, "amount"));
    UJ_ASSIGN(auto moved, s.topup(ctx.who(), in));
    return http::ok(
        entry_json(moved.entry), moved.replayed ? 200 : 201,
        moved.replayed ? "Top-up already made with this reference" : "Wallet topped up");
}

Result<Response> transfer(BillingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_move(req, "amount"));
    UJ_ASSIGN(auto moved, s.transfer(ctx.who(), in));
    return http::ok(entry_json(moved.entry), moved.replayed ? 200 : 201,
                    moved.replayed ? "Transfer already made with this reference" : "Transferred");
}

Result<Response> adjustment(BillingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_move(req, "amount"));
    UJ_ASSIGN(auto moved, s.adjust(ctx.who(), in));
    return http::ok(
        entry_json(moved.entry), moved.replayed ? 200 : 201,
        moved.replayed ? "Adjustment already made with this reference" : "Balance adjusted");
}

Result<Response> credit_limit(BillingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_move(req, "credit_limit"));
    UJ_ASSIGN(auto w, s.set_credit_limit(ctx.who(), in));
    return http::ok(wallet_json(w));
}

// The schema of statement()'s JSON answer.
nlohmann::json statement_schema() {
    using namespace http::schema;
    return object({{"account_id", text()},
                   {"month", text()},
                   {"currency", text()},
                   {"period_start", time()},
                   {"period_end", time()},
                   {"opening_balance", number()},
                   {"closing_balance", number()},
                   {"entries", array_of(object({{"type", one_of(kEntryTypes)},
                                                {"entries", integer()},
                                                {"amount", number()}}))},
                   {"charges", array_of(object({{"channel", text()},
                                                {"country", text()},
                                                {"messages", integer()},
                                                {"amount", number()}}))},
                   {"revenue_by_client", array_of(object({{"account_id", text()},
                                                          {"messages", integer()},
                                                          {"client_paid", number()},
                                                          {"reseller_paid", number()},
                                                          {"revenue", number()}}))},
                   {"revenue", number()}});
}

Result<Response> statement(BillingService& s, RequestContext& ctx, const Request& req) {
    auto month = req.query_param("month");
    if (!month) return Error::invalid("month", "This parameter is required (2026-11).");
    const auto format = req.query_param("format").value_or("json");
    if (format != "json" && format != "csv" && format != "pdf")
        return Error::invalid("format", "json, csv or pdf.");
    UJ_ASSIGN(auto st, s.statement(ctx.who(), account_param(req), *month));
    if (format == "pdf") {
        UJ_ASSIGN(auto pdf, statement_pdf(st));
        Response res;
        res.content_type = "application/pdf";
        res.headers.emplace_back("Content-Disposition",
                                 "attachment; filename=\"statement-" + st.month + ".pdf\"");
        res.body = std::move(pdf);
        return res;
    }
    if (format == "csv") {
        Response res;
        res.content_type = "text/csv; charset=utf-8";
        res.headers.emplace_back("Content-Disposition",
                                 "attachment; filename=\"statement-" + st.month + ".csv\"");
        auto row = [&res](std::initializer_list<std::string> fields) {
            const std::vector<std::string> cells(fields);
            formats::csv::append_record(res.body, cells);
        };
        row({"section", "item", "count", "amount", "currency"});
        row({"balance", "opening", "", format_money(st.opening), st.currency});
        for (const auto& t : st.by_type)
            row({"entries", t.type, std::to_string(t.entries), format_money_sum(t.amount),
                 st.currency});
        for (const auto& d : st.charges)
            row({"charges", d.channel + (d.country.empty() ? "" : " " + d.country),
                 std::to_string(d.messages), format_money_sum(d.amount), st.currency});
        for (const auto& c : st.children)
            row({"revenue", c.account_id.value, std::to_string(c.messages),
                 format_money_sum(c.revenue), st.currency});
        row({"balance", "closing", "", format_money_sum(st.closing), st.currency});
        return res;
    }
    json by_type = json::array(), charges = json::array(), children = json::array();
    for (const auto& t : st.by_type)
        by_type.push_back(
            {{"type", t.type}, {"entries", t.entries}, {"amount", money_sum_json(t.amount)}});
    for (const auto& d : st.charges)
        charges.push_back({{"channel", d.channel},
                           {"country", d.country},
                           {"messages", d.messages},
                           {"amount", money_sum_json(d.amount)}});
    MoneySum revenue = 0;
    for (const auto& c : st.children) {
        revenue += c.revenue;
        children.push_back({{"account_id", c.account_id},
                            {"messages", c.messages},
                            {"client_paid", money_sum_json(c.client_paid)},
                            {"reseller_paid", money_sum_json(c.reseller_paid)},
                            {"revenue", money_sum_json(c.revenue)}});
    }
    return http::ok({{"account_id", st.account_id.value},
                     {"month", st.month},
                     {"currency", st.currency},
                     {"period_start", format_iso8601(st.from)},
                     {"period_end", format_iso8601(st.until)},
                     {"opening_balance", money_json(st.opening)},
                     {"closing_balance", money_sum_json(st.closing)},
                     {"entries", std::move(by_type)},
                     {"charges", std::move(charges)},
                     {"revenue_by_client", std::move(children)},
                     {"revenue", money_sum_json(revenue)}});
}

json plan_json(const Plan& p) {
    return {{"code", p.code},
            {"name", p.name},
            {"monthly_fee", money_json(p.monthly_fee)},
            {"included_messages", p.included_messages},
            {"limits",
             {{"users", http::int_or_null(p.max_users)},
              {"contacts", http::int_or_null(p.max_contacts)},
              {"messages_per_day", http::int_or_null(p.max_messages_per_day)}}},
            {"rate_limits",
             {{"auth", http::int_or_null(p.rate_limits[0])},
              {"send", http::int_or_null(p.rate_limits[1])},
              {"bulk", http::int_or_null(p.rate_limits[2])},
              {"default", http::int_or_null(p.rate_limits[3])}}},
            {"retention",
             {{"body_days", http::int_or_null(p.body_retention_days)},
              {"message_days", http::int_or_null(p.message_retention_days)}}}};
}

nlohmann::json plan_schema() {
    using namespace http::schema;
    return object({{"code", text()},
                   {"name", text()},
                   {"monthly_fee", number()},
                   {"included_messages", integer()},
                   {"limits", object({{"users", nullable(integer())},
                                      {"contacts", nullable(integer())},
                                      {"messages_per_day", nullable(integer())}})},
                   {"rate_limits", object({{"auth", nullable(integer())},
                                           {"send", nullable(integer())},
                                           {"bulk", nullable(integer())},
                                           {"default", nullable(integer())}})},
                   {"retention", object({{"body_days", nullable(integer())},
                                         {"message_days", nullable(integer())}})}});
}

json subscription_json(const Subscription& s) {
    const auto at = [](const std::optional<Micros>& t) {
        return t ? json(format_iso8601(*t)) : json(nullptr);
    };
    json j = {{"plan", plan_json(s.plan)},
              {"status", s.past_due_since ? "past_due" : s.status},
              {"current_period_start", format_iso8601(s.period_start)},
              {"current_period_end", format_iso8601(s.period_end)},
              {"renews_at", s.is_default ? json(nullptr) : json(format_iso8601(s.period_end))},
              {"past_due_since", at(s.past_due_since)},
              {"grace_ends_at", at(s.grace_ends_at)},
              {"included_messages_used", s.included_used},
              {"is_default", s.is_default}};
    if (s.lapsed_at) j["lapsed"] = {{"plan", s.lapsed_plan}, {"at", format_iso8601(*s.lapsed_at)}};
    return j;
}

nlohmann::json subscription_schema() {
    using namespace http::schema;
    return object({{"plan", ref("BillingPlan")},
                   {"status", one_of({"active", "past_due", "canceled"})},
                   {"current_period_start", time()},
                   {"current_period_end", time()},
                   {"renews_at", nullable(time())},
                   {"past_due_since", nullable(time())},
                   {"grace_ends_at", nullable(time())},
                   {"included_messages_used", integer()},
                   {"is_default", boolean()},
                   {"lapsed", object({{"plan", text()}, {"at", time()}})}},
                  {"lapsed"});
}

json usage_json(const Usage& u) {
    const auto& p = u.subscription.plan;
    auto against = [](std::int64_t used, const std::optional<std::int64_t>& limit) {
        return json{{"used", used}, {"limit", http::int_or_null(limit)}};
    };
    return {{"period_start", format_iso8601(u.subscription.period_start)},
            {"period_end", format_iso8601(u.subscription.period_end)},
            {"plan", p.code},
            {"messages", u.messages},
            {"segments", u.segments},
            {"spend", money_sum_json(u.spend)},
            {"included_messages", p.included_messages},
            {"included_messages_left",
             std::max<std::int64_t>(0, p.included_messages - u.subscription.included_used)},
            {"limits",
             {{"messages_per_day", against(u.messages_today, p.max_messages_per_day)},
              {"users", against(u.users, p.max_users)},
              {"contacts", against(u.contacts, p.max_contacts)}}}};
}

nlohmann::json usage_schema() {
    using namespace http::schema;
    const json against = object({{"used", integer()}, {"limit", nullable(integer())}});
    return object(
        {{"period_start", time()},
         {"period_end", time()},
         {"plan", text()},
         {"messages", integer()},
         {"segments", integer()},
         {"spend", number()},
         {"included_messages", integer()},
         {"included_messages_left", integer()},
         {"limits",
          object({{"messages_per_day", against}, {"users", against}, {"contacts", against}})}});
}

Result<Response> list_plans(BillingService& s, RequestContext&, const Request&) {
    UJ_ASSIGN(auto plans, s.plans());
    json results = json::array();
    for (const auto& p : plans) results.push_back(plan_json(p));
    return http::whole_list(std::move(results));
}

Result<Response> get_subscription(BillingService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto sub, s.subscription(ctx.who()));
    return http::ok(subscription_json(sub));
}

Result<Response> subscribe(BillingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    auto plan = f.text("plan", Need::kRequired, 1, 50);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto sub, s.subscribe(ctx.who(), *plan));
    return http::ok(subscription_json(sub), 200, "Subscribed to " + sub.plan.name);
}

Result<Response> get_usage(BillingService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto u, s.usage(ctx.who()));
    return http::ok(usage_json(u));
}

Result<Response> overview(BillingService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto w, s.wallet(ctx.who(), std::nullopt));
    UJ_ASSIGN(auto u, s.usage(ctx.who()));
    return http::ok({{"wallet", wallet_json(w)},
                     {"subscription", subscription_json(u.subscription)},
                     {"usage", usage_json(u)}});
}

Result<Response> list_rates(BillingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto rates, s.rates(ctx.who(), account_param(req)));
    json results = json::array();
    for (const auto& r : rates) results.push_back(rate_json(r));
    return http::whole_list(std::move(results));
}

// `price` or `markup_percent` of a rate line.
void read_price(Fields& f, const json& body, std::optional<Micros6>& price,
                std::optional<std::int64_t>& markup_ppm) {
    price = read_amount(f, body, "price", Need::kOptional);
    if (price && *price < 0) f.fail("price", "Must be zero or more.");
    if (auto markup = read_amount(f, body, "markup_percent", Need::kOptional)) {
        if (*markup < 0 || *markup > 1000 * kMicrosPerUnit)
            f.fail("markup_percent", "Must be from 0 to 1000.");
        markup_ppm = *markup / 100;  // percent in micro-units -> parts per million
    }
}

Result<Response> put_rate(BillingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    RateInput in;
    in.account_id = f.id<AccountId>("account_id", Need::kOptional);
    in.channel = f.choice("channel", Need::kOptional, {"sms", "whatsapp", "email"}).value_or("sms");
    in.prefix = f.text("prefix", Need::kOptional, 0, 16).value_or("");
    if (in.prefix.starts_with('+')) in.prefix.erase(0, 1);
    if (!std::all_of(in.prefix.begin(), in.prefix.end(),
                     [](char c) { return c >= '0' && c <= '9'; }))
        f.fail("prefix", "Must be digits of an E.164 number.");
    in.country = f.text("country", Need::kOptional, 0, 2).value_or("");
    in.gateway_id = f.id<GatewayId>("gateway_id", Need::kOptional);
    if (!in.country.empty() && !is_country_code(in.country))
        f.fail("country", "Must be an ISO 3166-1 alpha-2 code such as KE.");
    if (!in.prefix.empty() && !in.country.empty())
        f.fail("country", "Give a prefix or a country, not both.");
    if (in.channel == "email" && (!in.prefix.empty() || !in.country.empty()))
        f.fail(in.prefix.empty() ? "country" : "prefix",
               "Mail has no number: a card has one email line, without prefix or country.");
    read_price(f, body, in.price, in.markup_ppm);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto r, s.put_rate(ctx.who(), in));
    return http::ok(rate_json(r), 200, "Rate saved");
}

Result<Response> update_rate(BillingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    std::optional<Micros6> price;
    std::optional<std::int64_t> markup;
    read_price(f, body, price, markup);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto r, s.update_rate(ctx.who(), ctx.id<RateId>(), price, markup));
    return http::ok(rate_json(r), 200, "Rate saved");
}

Result<Response> delete_rate(BillingService& s, RequestContext& ctx, const Request&) {
    UJ_TRY(s.delete_rate(ctx.who(), ctx.id<RateId>()));
    return http::ok({{"id", ctx.param("id")}, {"deleted", true}}, 200, "Rate deleted");
}

// The schemas of what these routes answer and take, beyond the wallet's.
void define_schemas(http::Router& router) {
    using namespace http::schema;
    router.define_schema("BillingRate", rate_schema());
    router.define_schema("BillingStatement", statement_schema());
    router.define_schema("BillingPlan", plan_schema());
    router.define_schema("BillingSubscription", subscription_schema());
    router.define_schema("BillingUsage", usage_schema());
    router.define_schema("BillingOverview", object({{"wallet", ref("Wallet")},
                                                    {"subscription", ref("BillingSubscription")},
                                                    {"usage", ref("BillingUsage")}}));

    // The parsers read a null field as an absent one.
    const auto maybe = [](json s) { return nullable(std::move(s)); };
    router.define_schema("WalletMoveRequest", object({{"account_id", text()},
                                                      {"amount", amount_schema()},
                                                      {"reference", text()},
                                                      {"description", maybe(text())}},
                                                     {"description"}));
    router.define_schema("WalletCreditLimitRequest",
                         object({{"account_id", text()}, {"credit_limit", amount_schema()}}));
    // null turns the alert off.
    router.define_schema("WalletLowBalanceAlertRequest",
                         object({{"threshold", nullable(amount_schema())}}));
    router.define_schema("BillingSubscribeRequest", object({{"plan", text()}}));
    router.define_schema("BillingRateCreateRequest",
                         object({{"account_id", maybe(text())},
                                 {"channel", maybe(one_of({"sms", "whatsapp", "email"}))},
                                 {"prefix", maybe(text())},
                                 {"country", maybe(text())},
                                 {"gateway_id", maybe(text())},
                                 {"price", maybe(amount_schema())},
                                 {"markup_percent", maybe(amount_schema())}},
                                {"account_id", "channel", "prefix", "country", "gateway_id",
                                 "price", "markup_percent"}));
    router.define_schema(
        "BillingRateUpdateRequest",
        object({{"price", maybe(amount_schema())}, {"markup_percent", maybe(amount_schema())}},
               {"price", "markup_percent"}));
}

}  // namespace

void add_routes(http::Router& router, BillingService& s) {
    const auto bind = [&s](auto fn) {
        return [&s, fn](RequestContext& ctx, const Request& req) { return fn(s, ctx, req); };
    };
    const std::string b = "/api/v1";
    const http::RouteOptions read{.scope = "billing:read"};
    const http::RouteOptions write{.scope = "billing:write"};
    define_wallet_schemas(router);
    define_schemas(router);
    router.add(Method::kGet, b + "/wallet", bind(get_wallet),
               http::documented(read, {.summary = "Show a wallet (the caller's, or a client's by "
                                                  "account_id)",
                                       .response = "Wallet",
                                       .query = {{"account_id"}}}));
    router.add(Method::kGet, b + "/wallet/transactions/export", bind(export_transactions),
               http::documented(read, {.summary = "Export the ledger as CSV, oldest first",
                                       .files = {"text/csv"},
                                       .query = ledger_filters()}));
    auto ledger_page = ledger_filters();
    ledger_page.push_back({"cursor"});
    router.add(Method::kGet, b + "/wallet/transactions", bind(list_transactions),
               http::listing(read, "List the ledger's entries", "LedgerEntry", ledger_page));
    // Moves of money answer 201, or 200 when the reference was seen before
    // (the same entry).
    router.add(Method::kPost, b + "/wallet/topups", bind(topup),
               http::answering(write, "Top up a wallet", "LedgerEntry", {}, "WalletMoveRequest"));
    router.add(Method::kPost, b + "/wallet/transfers", bind(transfer),
               http::answering(write, "Transfer credit to a client's wallet", "LedgerEntry", {},
                               "WalletMoveRequest"));
    router.add(Method::kPost, b + "/wallet/adjustments", bind(adjustment),
               http::answering(write, "Adjust a wallet's balance", "LedgerEntry", {},
                               "WalletMoveRequest"));
    router.add(Method::kPut, b + "/wallet/credit-limit", bind(credit_limit),
               http::answering(write, "Set a wallet's credit limit", "Wallet", {},
                               "WalletCreditLimitRequest"));
    router.add(Method::kPut, b + "/wallet/low-balance-alert", bind(low_balance_alert),
               http::answering(write, "Set or turn off the low-balance alert", "Wallet", {},
                               "WalletLowBalanceAlertRequest"));
    router.add(
        Method::kGet, b + "/billing/statements", bind(statement),
        http::documented(
            read, {.summary = "Show a month's statement (JSON, CSV or PDF)",
                   .response = "BillingStatement",
                   .files = {"text/csv", "application/pdf"},
                   .json_too = true,
                   .query = {{"month"}, {"format", {"json", "csv", "pdf"}}, {"account_id"}}}));
    router.add(
        Method::kGet, b + "/billing/plans", bind(list_plans),
        http::documented(
            read,
            {.summary = "List the plans", .response = "BillingPlan", .list = true, .whole = true}));
    router.add(Method::kGet, b + "/billing/subscription", bind(get_subscription),
               http::answering(read, "Show the account's subscription", "BillingSubscription"));
    router.add(Method::kPost, b + "/billing/subscription", bind(subscribe),
               http::answering(write, "Subscribe the account to a plan", "BillingSubscription",
                               {200}, "BillingSubscribeRequest"));
    router.add(
        Method::kGet, b + "/billing/usage", bind(get_usage),
        http::answering(read, "Show the current period's usage against the plan", "BillingUsage"));
    router.add(Method::kGet, b + "/billing/overview", bind(overview),
               http::answering(read, "Show the wallet, subscription and usage together",
                               "BillingOverview"));
    router.add(Method::kGet, b + "/rates", bind(list_rates),
               http::documented(read, {.summary = "List a rate card's lines (a client's by "
                                                  "account_id)",
                                       .response = "BillingRate",
                                       .list = true,
                                       .whole = true,
                                       .query = {{"account_id"}}}));
    router.add(Method::kPost, b + "/rates", bind(put_rate),
               http::answering(write, "Add or replace a rate card line", "BillingRate", {200},
                               "BillingRateCreateRequest"));
    router.add(Method::kPut, b + "/rates/{id}", bind(update_rate),
               http::answering(write, "Change a rate line's price or markup", "BillingRate", {},
                               "BillingRateUpdateRequest"));
    router.add(Method::kDelete, b + "/rates/{id}", bind(delete_rate),
               http::answering(write, "Delete a rate line", "Deleted"));
}

}  // namespace ujumbe::billing
