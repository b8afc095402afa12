// HTTP handlers of the messaging module: read and check input, call the
// service, shape the answer. No SQL and no business rules here.

#include "messaging/routes.h"

#include "channels/http_client.h"
#include "core/address_blocks.h"
#include "core/dates.h"
#include "core/ids.h"
#include "core/money.h"
#include "core/validate.h"
#include "formats/csv.h"
#include "formats/phone.h"
#include "http/envelope.h"
#include "http/input.h"
#include "http/pagination.h"
#include "http/route_docs.h"
#include "http/schema.h"
#include "http/views_support.h"
#include "messaging/views.h"

namespace ujumbe::messaging {

namespace {

using http::Fields;
using http::Method;
using http::Need;
using http::Request;
using http::RequestContext;
using http::Response;
using json = nlohmann::json;

constexpr std::size_t kMaxBulkBody = 32ull * 1024 * 1024;
constexpr std::size_t kMaxValidate = 1000;
constexpr std::int64_t kExportWindow = 1000;  // messages read per piece of an export

// A request the accept path refused: the field its check names, its code and
// the problem (never the whole input echoed back).
json rejected_json(const SendOutcome& o) {
    const Error& e = *o.error;
    json out = {{"to", http::echo_of(o.to)}, {"status", "rejected"}, {"error_code", e.error_code}};
    if (!e.errors.empty() && !e.errors.begin()->second.empty()) {
        out["field"] = e.errors.begin()->first;
        out["message"] = e.errors.begin()->second.front();
    } else {
        out["message"] = e.message;
    }
    return out;
}

json detail_json(const MessageDetail& d) {
    json out = message_json(d.message);
    json parts = json::array();
    for (const auto& p : d.parts)
        parts.push_back({{"part", p.part},
                         {"status", p.status},
                         {"provider_id", http::text_or_null(p.provider_id)},
                         {"error_code", http::text_or_null(p.error_code)},
                         {"submitted_at", http::time_or_null(p.submitted_at)},
                         {"done_at", http::time_or_null(p.done_at)}});
    json history = json::array();
    for (const auto& e : d.events) {
        json detail = e.detail ? json::parse(*e.detail, nullptr, false) : json(nullptr);
        history.push_back({{"status", e.status},
                           {"event", e.type},
                           {"at", format_iso8601(e.created_at)},
                           {"detail", detail.is_discarded() ? json(nullptr) : detail}});
    }
    out["parts"] = std::move(parts);
    out["status_history"] = std::move(history);
    return out;
}

json receipt_json(const Receipt& r) {
    return {{"id", r.id},
            {"part", r.part},
            {"provider_id", r.provider_id},
            {"stat", r.stat},
            {"error_code", http::text_or_null(r.error_code)},
            {"submit_date", http::text_or_null(r.submit_date)},
            {"done_date", http::text_or_null(r.done_date)},
            {"received_at", format_iso8601(r.received_at)}};
}

json sender_json(const SenderIdRecord& s) {
    return {{"id", s.id},
            {"account_id", s.account_id.value},
            {"sender_id", s.sender},
            {"kind", s.kind},
            {"country", s.country},
            {"status", s.status},
            {"purpose", s.purpose},
            {"reason", http::text_or_null(s.reason)},
            {"decided_at", http::time_or_null(s.decided_at)},
            {"created_at", format_iso8601(s.created_at)},
            {"updated_at", format_iso8601(s.updated_at)}};
}

// The options every message of a request shares.
struct Common {
    std::optional<std::string> sender_id, client_ref, callback_url;
    std::optional<Micros> send_at;
    bool transactional = false;
    std::string channel = "sms";
    json content = json::object();  // `media` and `template`, for the channel to read
    std::optional<MessageId> reply_to;
    std::optional<TemplateId> template_id;
    json variables = json::object();
};

// `variables`: at most 100 values, each text, a number or true/false (or,
// under `attributes`, an object of such).
std::optional<json> read_variables(Fields& f, const json& body, const std::string& name) {
    if (!body.contains(name) || body[name].is_null()) return std::nullopt;
    const json& v = body[name];
    const auto plain = [](const json& x) {
        return x.is_string() || x.is_number() || x.is_boolean();
    };
    bool good = v.is_object() && v.size() <= 100;
    for (auto it = v.begin(); good && it != v.end(); ++it)
        good = plain(*it) || (it.key() == "attributes" && it->is_object() && it->size() <= 100 &&
                              std::all_of(it->begin(), it->end(), plain));
    if (!good) {
        f.fail(name,
               "Must be an object of at most 100 values (text, numbers, true/false), with "
               "`attributes` an object of such.");
        return std::nullopt;
    }
    return v;
}

// `allow_private`: callbacks may go to private and loopback addresses.
Common read_common(Fields& f, bool allow_private) {
    Common c;
    c.sender_id = f.text("sender_id", Need::kOptional, 1, 16);
    c.client_ref = f.text("client_ref", Need::kOptional, 1, 100);
    c.callback_url = f.text("callback_url", Need::kOptional, 1, 2000);
    if (c.callback_url) {
        // A host name is resolved and checked at each delivery
        // (docs/webhooks.md); an address or localhost is refused now.
        const auto url = channels::parse_url(*c.callback_url);
        if (!url)
            f.fail("callback_url", "Must be an absolute http(s) URL without credentials.");
        else if (auto why = allow_private ? std::nullopt : non_public_host(url->host))
            f.fail("callback_url",
                   "Must reach a public address (" + *why + " addresses are refused).");
    }
    c.send_at = f.timestamp("send_at", Need::kOptional);
    c.transactional = f.boolean("transactional", Need::kOptional).value_or(false);
    c.channel = f.choice("channel", Need::kOptional, {"sms", "whatsapp", "email"}).value_or("sms");
    // What only some channels read; the channel's check says what it lacks.
    for (const char* name : {"media", "template"})
        if (auto part = f.object(name, Need::kOptional)) c.content[name] = std::move(*part);
    // Mail's parts (the channel's check holds them to its own limits).
    if (auto v = f.text("subject", Need::kOptional, 1, 255)) c.content["subject"] = *v;
    if (auto v = f.text("html", Need::kOptional, 1, 500'000)) c.content["html"] = *v;
    if (auto v = f.text("from_name", Need::kOptional, 1, 100)) c.content["from_name"] = *v;
    c.reply_to = f.id<MessageId>("reply_to", Need::kOptional);
    c.template_id = f.id<TemplateId>("template_id", Need::kOptional);
    return c;
}

SendRequest request_of(const Common& c, std::string to, std::string body) {
    SendRequest r{std::move(to), std::move(body), c.sender_id,    c.send_at,
                  c.client_ref,  c.callback_url,  c.transactional};
    r.channel = c.channel;
    r.content = c.content;
    r.reply_to = c.reply_to;
    r.template_id = c.template_id;
    r.variables = c.variables;
    return r;
}

// The body text: kept as written (no trimming: spaces may be meant).
std::optional<std::string> read_body(Fields& f, const json& body, Need need) {
    if (!f.has("body") || f.is_null("body")) {
        if (need == Need::kRequired) f.fail("body", "This field is required.");
        return std::nullopt;
    }
    if (!body["body"].is_string()) {
        f.fail("body", "Must be text.");
        return std::nullopt;
    }
    return body["body"].get<std::string>();
}

Result<Response> send_message(MessagingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    auto to = f.text("to", Need::kRequired, 1, 254);  // a number, or an email address
    auto common = read_common(f, s.options().allow_private_callbacks);
    if (auto v = read_variables(f, body, "variables")) common.variables = std::move(*v);
    // WhatsApp media and templates, and message templates, may come without a body.
    auto text = read_body(
        f, body, common.content.empty() && !common.template_id ? Need::kRequired : Need::kOptional);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto m, s.send(ctx.who(), request_of(common, *to, text.value_or(""))));
    return http::ok(message_json(m), 201,
                    m.status == status::kScheduled ? "Message scheduled" : "Message queued");
}

Result<Response> send_bulk(MessagingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    auto text = read_body(f, body, Need::kOptional);
    auto common = read_common(f, s.options().allow_private_callbacks);
    if (auto v = read_variables(f, body, "variables")) common.variables = std::move(*v);
    // Text may come from elsewhere than `body`: media, a WhatsApp template,
    // a message template.
    const bool text_elsewhere = !common.content.empty() || common.template_id.has_value();
    std::vector<SendRequest> requests;
    const bool has_to = f.has("to"), has_messages = f.has("messages");
    if (has_to == has_messages)
        f.fail("to", "Give either `to` (a list of numbers, with `body`) or `messages`.");
    if (has_to) {
        const json& list = body["to"];
        if (!list.is_array() || list.empty() || list.size() > 100'000)
            f.fail("to", "Must be a list of 1 to 100000 numbers.");
        else if (!text && !text_elsewhere)
            f.fail("body", "Required with `to`.");
        else
            for (const auto& n : list) {
                // Numbers written as JSON numbers are read as their digits;
                // anything else is refused, never written back.
                if (!n.is_string() && !n.is_number_integer()) {
                    f.fail("to", "Every item must be a phone number.");
                    break;
                }
                requests.push_back(request_of(
                    common, n.is_string() ? n.get<std::string>() : n.dump(), text.value_or("")));
            }
    }
    if (has_messages) {
        const json& list = body["messages"];
        if (!list.is_array() || list.empty() || list.size() > 100'000) {
            f.fail("messages", "Must be a list of 1 to 100000 {to, body}.");
        } else {
            for (const auto& item : list) {
                const bool good =
                    item.is_object() && item.contains("to") && item["to"].is_string() &&
                    ((item.contains("body") && item["body"].is_string()) || text || text_elsewhere);
                if (!good) {
                    f.fail("messages", "Each entry needs `to` and `body` (or a shared `body`).");
                    break;
                }
                // A null `body` is an absent one: the shared text.
                const bool own = item.contains("body") && item["body"].is_string();
                auto r = request_of(common, item["to"].get<std::string>(),
                                    own ? item["body"].get<std::string>() : text.value_or(""));
                if (item.contains("client_ref") && item["client_ref"].is_string())
                    r.client_ref = item["client_ref"].get<std::string>();
                // Each recipient's own values, over the shared ones.
                Fields entry(item);
                if (auto v = read_variables(entry, item, "variables"))
                    for (const auto& [key, value] : v->items()) r.variables[key] = value;
                if (entry.failed()) {
                    f.fail("messages",
                           "Each entry's `variables` must be an object of at most "
                           "100 values (text, numbers, true/false).");
                    break;
                }
                requests.push_back(std::move(r));
            }
        }
    }
    UJ_TRY(f.check());
    UJ_ASSIGN(auto result, s.send_bulk(ctx.who(), requests));
    json results = json::array();
    for (const auto& o : result.outcomes) {
        if (o.message)
            results.push_back({{"to", o.to},
                               {"id", o.message->id},
                               {"status", std::string(status_name(o.message->status))},
                               {"encoding", o.message->encoding},
                               {"segments", o.message->segments}});
        else
            results.push_back(rejected_json(o));
    }
    json data = {{"accepted", result.accepted},
                 {"rejected", result.rejected},
                 {"results", std::move(results)}};
    if (result.accepted == 0) {
        Error e = Error::invalid("to", "No recipient could be sent to.");
        e.details = std::move(data);
        return e;
    }
    return http::ok(std::move(data), 201, std::to_string(result.accepted) + " messages accepted");
}

Result<MessageQuery> read_query(const Request& req) {
    MessageQuery q;
    FieldErrors errors;
    if (auto v = req.query_param("status")) {
        if (!parse_status(*v)) errors["status"].push_back("Not a message status.");
        q.status = *v;
    }
    if (auto v = req.query_param("direction")) {
        if (*v != "outbound" && *v != "inbound")
            errors["direction"].push_back("Must be outbound or inbound.");
        q.direction = *v;
    }
    if (auto v = req.query_param("channel")) q.channel = *v;
    if (auto v = req.query_param("to")) {
        auto d = formats::describe_phone(*v, "");
        q.to = d.valid ? d.e164 : *v;
    }
    if (auto v = req.query_param("sender_id")) q.sender = *v;
    if (auto v = req.query_param("client_ref")) q.client_ref = *v;
    if (auto v = req.query_param("campaign_id")) {
        if (!is_uuid(*v)) errors["campaign_id"].push_back("Must be a campaign id.");
        q.campaign_id = CampaignId{*v};
    }
    if (auto v = req.query_param("search")) {
        if (v->size() > 200 || !is_clean_text(*v))
            errors["search"].push_back("Must be text of at most 200 characters.");
        q.search = *v;
    }
    const auto range = http::read_date_range(req, errors);
    q.from = range.from;
    q.until = range.until;
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    return q;
}

Result<Response> list_messages(MessagingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto q, read_query(req));
    UJ_ASSIGN(auto window, http::list_window(req));
    UJ_ASSIGN(auto listing, s.list(ctx.who(), q, window));
    json results = json::array();
    for (const auto& m : listing.items) results.push_back(message_json(m));
    return http::window_response(req, window, std::move(results), listing);
}

// GET /messages/export: every message a list filter matches, newest first,
// as CSV (default) or NDJSON, streamed a window at a time (memory stays
// flat however many there are).
Result<Response> export_messages(MessagingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto q, read_query(req));
    const std::string format = req.query_param("format").value_or("csv");
    if (format != "csv" && format != "ndjson")
        return Error::invalid("format", "Must be csv or ndjson.");
    const db::Window first{.limit = kExportWindow, .keyset = true};
    UJ_TRY(s.export_page(ctx.who(), q, {.limit = 1, .keyset = true}));  // errors before streaming
    struct State {
        bool header_sent = false;
        db::Window window;
    };
    auto state = std::make_shared<State>(State{false, first});
    Response res;
    const bool csv = format == "csv";
    res.content_type = csv ? "text/csv; charset=utf-8" : "application/x-ndjson";
    res.headers.emplace_back("Content-Disposition",
                             std::string("attachment; filename=\"messages.") + format + "\"");
    res.stream = [&s, who = ctx.who(), q, state, csv](std::string& out) -> Result<bool> {
        if (csv && !state->header_sent) {
            static constexpr std::string_view kHeader[] = {
                "id",      "created_at", "direction", "channel", "to",         "sender_id",
                "body",    "encoding",   "segments",  "status",  "client_ref", "error_code",
                "sent_at", "done_at",    "currency",  "price"};
            formats::csv::append_record(out, kHeader);
            state->header_sent = true;
        }
        UJ_ASSIGN(auto page, s.export_page(who, q, state->window));
        for (const auto& m : page.items) {
            if (!csv) {
                out += message_json(m).dump();
                out += '\n';
                continue;
            }
            const std::string row[] = {m.id.value,
                                       format_iso8601(m.created_at),
                                       m.direction,
                                       m.channel,
                                       m.to,
                                       m.sender,
                                       m.body,
                                       m.encoding,
                                       std::to_string(m.segments),
                                       std::string(status_name(m.status)),
                                       m.client_ref.value_or(""),
                                       m.error_code.value_or(""),
                                       m.sent_at ? format_iso8601(*m.sent_at) : "",
                                       m.done_at ? format_iso8601(*m.done_at) : "",
                                       m.currency.value_or(""),
                                       m.price ? format_money(*m.price) : ""};
            formats::csv::append_record(out, row);
        }
        if (!page.next) return false;
        state->window.cursor = page.next;
        return true;
    };
    return res;
}

Result<Response> get_message(MessagingService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto d, s.get(ctx.who(), ctx.id<MessageId>()));
    return http::ok(detail_json(d));
}

Result<Response> message_receipts(MessagingService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto receipts, s.receipts(ctx.who(), ctx.id<MessageId>()));
    json results = json::array();
    for (const auto& r : receipts) results.push_back(receipt_json(r));
    return http::whole_list(std::move(results));
}

// GET /admin/messages/backlog: messages not yet final, by status and by how
// long ago they last changed.
Result<Response> message_backlog(MessagingService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto counts, s.backlog(ctx.who()));
    static constexpr std::array<const char*, 5> kAges = {"under_1m", "under_1h", "under_24h",
                                                         "under_48h", "older"};
    json by_status = json::object();
    for (const auto& c : counts) {
        json ages = json::object();
        std::int64_t total = 0;
        for (std::size_t i = 0; i < kAges.size(); ++i) {
            ages[kAges[i]] = c.by_age[i];
            total += c.by_age[i];
        }
        ages["total"] = total;
        by_status[c.status] = std::move(ages);
    }
    return http::ok({{"by_status", std::move(by_status)}});
}

Result<Response> message_stats(MessagingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto q, read_query(req));
    UJ_ASSIGN(auto st, s.stats(ctx.who(), q));
    json by_status = json::object(), by_direction = json::object();
    for (const auto& [k, v] : st.by_status) by_status[k] = v;
    for (const auto& [k, v] : st.by_direction) by_direction[k] = v;
    auto count = [&](MessageStatus s) {
        const std::string name(status_name(s));
        return by_status.contains(name) ? by_status[name].get<std::int64_t>() : 0;
    };
    const std::int64_t delivered = count(status::kDelivered) + count(status::kRead);
    const std::int64_t finished = delivered + count(status::kUndelivered) +
                                  count(status::kExpired) + count(status::kRejected) +
                                  count(status::kFailed);
    return http::ok({{"total", st.total},
                     {"segments", st.segments},
                     {"by_status", std::move(by_status)},
                     {"by_direction", std::move(by_direction)},
                     {"delivery_rate", finished ? json(static_cast<double>(delivered) /
                                                       static_cast<double>(finished))
                                                : json(nullptr)}});
}

Result<Response> cancel_message(MessagingService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto m, s.cancel(ctx.who(), ctx.id<MessageId>()));
    return http::ok(message_json(m), 200, "Message canceled");
}

Result<Response> validate_numbers(MessagingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    std::vector<std::string> numbers;
    if (f.has("numbers")) {
        if (auto list = f.string_list("numbers", Need::kRequired, kMaxValidate)) numbers = *list;
    } else if (auto one = f.text("number", Need::kRequired, 1, 64)) {
        numbers.push_back(*one);
    }
    auto country = f.text("country", Need::kOptional, 2, 2);
    if (country && !is_country_code(*country))
        f.fail("country", "Must be an ISO 3166-1 alpha-2 code such as KE.");
    UJ_TRY(f.check());
    UJ_ASSIGN(auto checks, s.validate_numbers(ctx.who(), numbers, country));
    json results = json::array();
    for (const auto& c : checks)
        results.push_back({{"input", c.input},
                           {"valid", c.valid},
                           {"e164", c.valid ? json(c.e164) : json(nullptr)},
                           {"country", c.valid ? json(c.country) : json(nullptr)},
                           {"type", c.valid ? json(c.type) : json(nullptr)},
                           {"problem", c.valid ? json(nullptr) : json(c.problem)}});
    if (!f.has("numbers")) return http::ok(results.front());
    return http::ok({{"results", std::move(results)}});
}

Result<Response> quote(MessagingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    auto to = f.text("to", Need::kRequired, 1, 40);
    auto text = read_body(f, body, Need::kRequired);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto q, s.quote(ctx.who(), *to, *text));
    return http::ok({{"to", q.to},
                     {"country", q.country},
                     {"encoding", q.encoding},
                     {"segments", q.segments},
                     {"price_per_segment", money_json(q.price_per_segment)},
                     {"price", money_json(q.price)},
                     {"currency", q.currency.empty() ? json(nullptr) : json(q.currency)}});
}

Result<SenderIdInput> read_sender(const json& item, Fields& f) {
    SenderIdInput in;
    auto sender = f.text("sender_id", Need::kRequired, 1, 16);
    auto country = f.text("country", Need::kRequired, 2, 2);
    in.purpose = f.text("purpose", Need::kOptional, 0, 500).value_or("");
    (void)item;
    if (country) {
        std::string c = *country;
        for (auto& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        if (!is_country_code(c)) f.fail("country", "Must be an ISO 3166-1 alpha-2 code.");
        in.country = c;
    }
    if (sender) in.sender = *sender;
    UJ_TRY(f.check());
    return in;
}

Result<Response> register_sender(MessagingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    UJ_ASSIGN(auto in, read_sender(body, f));
    UJ_ASSIGN(auto record, s.register_sender_id(ctx.who(), in));
    return http::created(sender_json(record));
}

Result<Response> register_senders(MessagingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    if (!body.contains("sender_ids") || !body["sender_ids"].is_array() ||
        body["sender_ids"].empty() || body["sender_ids"].size() > 1000)
        return Error::invalid("sender_ids", "Must be a list of 1 to 1000 {sender_id, country}.");
    std::vector<SenderIdInput> inputs;
    std::vector<std::optional<Error>> problems;
    for (const auto& item : body["sender_ids"]) {
        if (!item.is_object()) {
            inputs.push_back({});
            problems.push_back(Error::invalid("sender_ids", "Each entry must be an object."));
            continue;
        }
        Fields f(item);
        auto in = read_sender(item, f);
        inputs.push_back(in ? *in : SenderIdInput{});
        problems.push_back(in ? std::nullopt : std::optional<Error>(in.error()));
    }
    std::vector<SenderIdInput> valid;
    for (std::size_t i = 0; i < inputs.size(); ++i)
        if (!problems[i]) valid.push_back(inputs[i]);
    UJ_ASSIGN(auto outcomes, s.register_sender_ids(ctx.who(), valid));
    json results = json::array();
    std::size_t next = 0;
    std::int64_t created = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        std::optional<Error> problem = problems[i];
        std::optional<SenderIdRecord> record;
        if (!problem) {
            record = outcomes[next].first;
            problem = outcomes[next].second;
            ++next;
        }
        if (record) {
            ++created;
            results.push_back({{"index", i}, {"created", true}, {"sender", sender_json(*record)}});
        } else {
            results.push_back({{"index", i},
                               {"created", false},
                               {"error_code", problem->error_code},
                               {"message", problem->message},
                               {"errors", problem->errors}});
        }
    }
    json data = {{"created", created},
                 {"failed", static_cast<std::int64_t>(inputs.size()) - created},
                 {"results", std::move(results)}};
    if (created == 0) {
        Error e = Error::invalid("sender_ids", "No sender id could be registered.");
        e.details = std::move(data);
        return e;
    }
    return http::ok(std::move(data), 201);
}

Result<Response> list_senders(MessagingService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto page, http::page_window(req));
    auto status = req.query_param("status");
    if (status && *status != "pending" && *status != "approved" && *status != "rejected")
        return Error::invalid("status", "Must be pending, approved or rejected.");
    UJ_ASSIGN(auto listing, s.list_sender_ids(ctx.who(), status, req.query_param("country"),
                                              req.query_param("search"), page));
    json results = json::array();
    for (const auto& r : listing.items) results.push_back(sender_json(r));
    return http::page_response(req, std::move(results), listing.count);
}

Result<Response> get_sender(MessagingService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto r, s.get_sender_id(ctx.who(), ctx.id<SenderIdRecordId>()));
    return http::ok(sender_json(r));
}

Result<Response> delete_sender(MessagingService& s, RequestContext& ctx, const Request&) {
    UJ_TRY(s.delete_sender_id(ctx.who(), ctx.id<SenderIdRecordId>()));
    return http::ok({{"id", ctx.param("id")}, {"deleted", true}}, 200, "Sender ID deleted");
}

Result<Response> decide_sender(MessagingService& s, bool approve, RequestContext& ctx,
                               const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    auto reason = f.text("reason", Need::kOptional, 0, 500);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto r, s.decide_sender_id(ctx.who(), ctx.id<SenderIdRecordId>(), approve, reason));
    return http::ok(sender_json(r), 200, approve ? "Sender ID approved" : "Sender ID rejected");
}

Result<Response> sender_countries(RequestContext&, const Request&) {
    json results = json::array();
    results.push_back({{"code", "ZZ"}, {"calling_code", nullptr}, {"note", "every country"}});
    for (const auto& r : formats::supported_regions())
        results.push_back({{"code", r.code}, {"calling_code", r.calling_code}});
    return http::whole_list(std::move(results));
}

// `variables` as read_variables takes them.
json variables_schema() {
    const json plain = {{"type", json::array({"string", "number", "boolean"})}};
    const json attributes = {
        {"type", "object"}, {"maxProperties", 100}, {"additionalProperties", plain}};
    return {{"type", "object"},
            {"maxProperties", 100},
            {"properties", {{"attributes", attributes}}},
            {"additionalProperties", plain}};
}

// The bodies of a send, one message or many (the OpenAPI document). The
// parser reads a null field as an absent one.
void define_send_schemas(http::Router& router) {
    using namespace http::schema;
    const auto maybe = [](json s) { return nullable(std::move(s)); };
    const json any_object = {{"type", "object"}};
    // `body` is required unless media, a WhatsApp template or a template_id
    // gives the text: the send's checks say so, not the schema.
    const json send = object({{"to", text()},
                              {"body", maybe(text())},
                              {"channel", maybe(one_of({"sms", "whatsapp", "email"}))},
                              {"sender_id", maybe(text())},
                              {"send_at", maybe(time())},
                              {"transactional", maybe(boolean())},
                              {"client_ref", maybe(text())},
                              {"callback_url", maybe(text())},
                              {"media", maybe(any_object)},
                              {"template", maybe(any_object)},
                              {"subject", maybe(text())},
                              {"html", maybe(text())},
                              {"from_name", maybe(text())},
                              {"reply_to", maybe(text())},
                              {"template_id", maybe(text())},
                              {"variables", maybe(variables_schema())}},
                             {"body", "channel", "sender_id", "send_at", "transactional",
                              "client_ref", "callback_url", "media", "template", "subject", "html",
                              "from_name", "reply_to", "template_id", "variables"});
    router.define_schema(
        "MessageSendRequest",
        with_example(send, {{"channel", "sms"},
                            {"to", "+255712345678"},
                            {"body", "Your order #1042 has shipped"},
                            {"sender_id", "ACME"},
                            {"client_ref", "order-1042"},
                            {"send_at", "2026-12-01T09:30:00Z"},
                            {"callback_url", "https://shop.example.com/hooks/sms"}}));
    // Either `to` (numbers sharing `body`) or `messages`, with the options
    // of one send shared by all.
    json numbers = array_of({{"type", json::array({"string", "integer"})}});
    numbers["minItems"] = 1;
    numbers["maxItems"] = 100'000;
    json messages = array_of(object({{"to", text()},
                                     {"body", maybe(text())},
                                     {"client_ref", maybe(text())},
                                     {"variables", maybe(variables_schema())}},
                                    {"body", "client_ref", "variables"}));
    messages["minItems"] = 1;
    messages["maxItems"] = 100'000;
    json bulk = object({{"to", numbers}, {"messages", messages}}, {"to", "messages"});
    for (const auto& [name, s] : send["properties"].items())
        if (name != "to") bulk["properties"][name] = s;
    router.define_schema("MessageBulkRequest", std::move(bulk));
}

// The schemas of a message as these routes show it (the OpenAPI document).
void define_message_schemas(http::Router& router) {
    using namespace http::schema;
    router.define_schema("Message", message_schema());
    const json part = object({{"part", integer()},
                              {"status", text()},
                              {"provider_id", nullable(text())},
                              {"error_code", nullable(text())},
                              {"submitted_at", nullable(time())},
                              {"done_at", nullable(time())}});
    const json event =
        object({{"status", text()}, {"event", text()}, {"at", time()}, {"detail", json::object()}});
    router.define_schema("MessageDetail",
                         {{"allOf",
                           {ref("Message"), object({{"parts", array_of(part)},
                                                    {"status_history", array_of(event)}})}}});
    const json accepted = object({{"to", text()},
                                  {"id", text()},
                                  {"status", one_of({"queued", "scheduled"})},
                                  {"encoding", text()},
                                  {"segments", integer()}});
    const json refused = object({{"to", text()},
                                 {"status", one_of({"rejected"})},
                                 {"error_code", text()},
                                 {"field", text()},
                                 {"message", text()}},
                                {"field"});
    router.define_schema(
        "MessageBulkResult",
        object({{"accepted", integer()},
                {"rejected", integer()},
                {"results", array_of({{"anyOf", json::array({accepted, refused})}})}}));
    const json counts = {{"type", "object"}, {"additionalProperties", integer()}};
    router.define_schema("MessageStats", object({{"total", integer()},
                                                 {"segments", integer()},
                                                 {"by_status", counts},
                                                 {"by_direction", counts},
                                                 {"delivery_rate", nullable(number())}}));
    const json ages = object({{"under_1m", integer()},
                              {"under_1h", integer()},
                              {"under_24h", integer()},
                              {"under_48h", integer()},
                              {"older", integer()},
                              {"total", integer()}});
    router.define_schema(
        "MessageBacklog",
        object({{"by_status", {{"type", "object"}, {"additionalProperties", ages}}}}));
    router.define_schema("MessageReceipt", object({{"id", text()},
                                                   {"part", integer()},
                                                   {"provider_id", text()},
                                                   {"stat", text()},
                                                   {"error_code", nullable(text())},
                                                   {"submit_date", nullable(text())},
                                                   {"done_date", nullable(text())},
                                                   {"received_at", time()}}));
}

// Number checks and quotes (the OpenAPI document).
void define_number_schemas(http::Router& router) {
    using namespace http::schema;
    // `numbers` for several, else `number`.
    json numbers = array_of(text());
    numbers["maxItems"] = static_cast<std::int64_t>(kMaxValidate);
    router.define_schema(
        "PhoneNumberValidateRequest",
        object({{"number", text()}, {"numbers", numbers}, {"country", nullable(text())}},
               {"number", "numbers", "country"}));
    router.define_schema("PhoneNumberCheck", object({{"input", text()},
                                                     {"valid", boolean()},
                                                     {"e164", nullable(text())},
                                                     {"country", nullable(text())},
                                                     {"type", nullable(text())},
                                                     {"problem", nullable(text())}}));
    // One check for `number`, a list of them for `numbers`.
    router.define_schema(
        "PhoneNumberValidation",
        {{"anyOf", json::array({ref("PhoneNumberCheck"),
                                object({{"results", array_of(ref("PhoneNumberCheck"))}})})}});
    router.define_schema("RateQuoteRequest", object({{"to", text()}, {"body", text()}}));
    router.define_schema("RateQuote", object({{"to", text()},
                                              {"country", text()},
                                              {"encoding", text()},
                                              {"segments", integer()},
                                              {"price_per_segment", number()},
                                              {"price", number()},
                                              {"currency", nullable(text())}}));
}

// Sender ids (the OpenAPI document).
void define_sender_schemas(http::Router& router) {
    using namespace http::schema;
    router.define_schema("SenderId",
                         object({{"id", text()},
                                 {"account_id", text()},
                                 {"sender_id", text()},
                                 {"kind", one_of({"alphanumeric", "numeric"})},
                                 {"country", text()},
                                 {"status", one_of({"pending", "approved", "rejected"})},
                                 {"purpose", text()},
                                 {"reason", nullable(text())},
                                 {"decided_at", nullable(time())},
                                 {"created_at", time()},
                                 {"updated_at", time()}}));
    // ZZ (every country) has no calling code, and a note.
    router.define_schema(
        "SenderIdCountry",
        object({{"code", text()}, {"calling_code", nullable(integer())}, {"note", text()}},
               {"note"}));
    router.define_schema(
        "SenderIdCreateRequest",
        object({{"sender_id", text()}, {"country", text()}, {"purpose", nullable(text())}},
               {"purpose"}));
    // Each entry is checked on its own: one lacking a field is refused in
    // the results, not the request.
    json entries = array_of(object({{"sender_id", nullable(text())},
                                    {"country", nullable(text())},
                                    {"purpose", nullable(text())}},
                                   {"sender_id", "country", "purpose"}));
    entries["minItems"] = 1;
    entries["maxItems"] = 1000;
    router.define_schema("SenderIdBulkRequest", object({{"sender_ids", entries}}));
    const json created =
        object({{"index", integer()}, {"created", {{"const", true}}}, {"sender", ref("SenderId")}});
    const json failed = object({{"index", integer()},
                                {"created", {{"const", false}}},
                                {"error_code", text()},
                                {"message", text()},
                                {"errors", {{"type", "object"}}}});
    router.define_schema(
        "SenderIdBulkResult",
        object({{"created", integer()},
                {"failed", integer()},
                {"results", array_of({{"anyOf", json::array({created, failed})}})}}));
    router.define_schema("SenderIdDecisionRequest",
                         object({{"reason", nullable(text())}}, {"reason"}));
}

}  // namespace

void add_routes(http::Router& router, MessagingService& s) {
    const auto bind = [&s](auto fn) {
        return [&s, fn](RequestContext& ctx, const Request& req) { return fn(s, ctx, req); };
    };
    const std::string b = "/api/v1";
    const http::RouteOptions read{.scope = "messages:read"};
    const http::RouteOptions send{.scope = "messages:send"};
    const http::RouteOptions bulk{.scope = "messages:send", .max_body_bytes = kMaxBulkBody};
    define_send_schemas(router);
    define_message_schemas(router);
    define_number_schemas(router);
    define_sender_schemas(router);
    // The filters of read_query (list, stats, export).
    std::vector<std::string> statuses;
    for (auto st : all_statuses()) statuses.emplace_back(status_name(st));
    const std::vector<http::QueryDoc> filters = {
        {"status", statuses}, {"direction", {"outbound", "inbound"}},
        {"channel"},          {"to"},
        {"sender_id"},        {"client_ref"},
        {"campaign_id"},      {"search"},
        {"date_from"},        {"date_to"}};
    const auto with = [&filters](std::vector<http::QueryDoc> more) {
        more.insert(more.begin(), filters.begin(), filters.end());
        return more;
    };
    // What refuses one message: the accept path's checks, its channels'
    // and templates' (a bulk send reports these per recipient instead).
    const std::vector<http::ErrorDoc> refusals = {{400, "INVALID_NUMBER"},
                                                  {400, "INVALID_EMAIL"},
                                                  {400, "INVALID_BODY"},
                                                  {400, "INVALID_SENDER_ID"},
                                                  {400, "INVALID_REPLY_TO"},
                                                  {400, "CHANNEL_MISMATCH"},
                                                  {400, "INVALID_EMAIL_CONTENT"},
                                                  {400, "INVALID_CONTENT"},
                                                  {400, "MEDIA_NOT_FOUND"},
                                                  {400, "TEMPLATE_NOT_FOUND"},
                                                  {400, "MISSING_VARIABLE"},
                                                  {400, "TEMPLATE_PARAMETERS"},
                                                  {402, "INSUFFICIENT_BALANCE"},
                                                  {422, "OUTSIDE_SERVICE_WINDOW"},
                                                  {422, "SENDER_ID_NOT_APPROVED"},
                                                  {422, "RECIPIENT_OPTED_OUT"},
                                                  {422, "CHANNEL_NOT_AVAILABLE"},
                                                  {422, "CHANNEL_NOT_CONNECTED"},
                                                  {422, "TEMPLATES_NOT_AVAILABLE"},
                                                  {422, "TEMPLATE_NOT_APPROVED"},
                                                  {422, "MEDIA_NOT_READY"},
                                                  {422, "PUBLIC_URL_REQUIRED"},
                                                  {429, "DAILY_LIMIT_REACHED"}};
    router.add(Method::kPost, b + "/messages/bulk", bind(send_bulk),
               http::documented(bulk, {.summary = "Send messages to many recipients",
                                       .response = "MessageBulkResult",
                                       .success = {201},
                                       .request = "MessageBulkRequest",
                                       .errors = {{402, "INSUFFICIENT_BALANCE"},
                                                  {429, "DAILY_LIMIT_REACHED"}}}));
    router.add(Method::kGet, b + "/messages/stats", bind(message_stats),
               http::documented(read, {.summary = "Count messages by status and direction",
                                       .response = "MessageStats",
                                       .query = filters}));
    router.add(Method::kGet, b + "/messages/export", bind(export_messages),
               http::documented(read, {.summary = "Export messages as CSV or NDJSON",
                                       .files = {"text/csv", "application/x-ndjson"},
                                       .query = with({{"format", {"csv", "ndjson"}}})}));
    router.add(
        Method::kGet, b + "/admin/messages/backlog", bind(message_backlog),
        http::answering(read, "Count unfinished messages by status and age", "MessageBacklog"));
    router.add(Method::kPost, b + "/messages", bind(send_message),
               http::documented(send, {.summary = "Send one message",
                                       .response = "Message",
                                       .success = {201},
                                       .request = "MessageSendRequest",
                                       .errors = refusals}));
    router.add(Method::kGet, b + "/messages", bind(list_messages),
               http::listing(read, "List messages, newest first", "Message", with({{"cursor"}})));
    router.add(Method::kGet, b + "/messages/{id}", bind(get_message),
               http::documented(read, {.summary = "A message with its parts and status history",
                                       .response = "MessageDetail"}));
    router.add(Method::kGet, b + "/messages/{id}/receipts", bind(message_receipts),
               http::documented(read, {.summary = "List a message's delivery receipts",
                                       .response = "MessageReceipt",
                                       .list = true,
                                       .whole = true}));
    router.add(Method::kPost, b + "/messages/{id}/cancel", bind(cancel_message),
               http::documented(send, {.summary = "Cancel a scheduled message",
                                       .response = "Message",
                                       .success = {200},
                                       .errors = {{409, "INVALID_STATUS"}},
                                       .no_body = true}));
    router.add(Method::kPost, b + "/phone-numbers/validate", bind(validate_numbers),
               http::answering(read, "Check phone numbers", "PhoneNumberValidation", {200},
                               "PhoneNumberValidateRequest"));
    router.add(Method::kPost, b + "/rates/quote", bind(quote),
               http::documented(read, {.summary = "Price an SMS before sending it",
                                       .response = "RateQuote",
                                       .success = {200},
                                       .request = "RateQuoteRequest",
                                       .errors = {{400, "INVALID_NUMBER"}}}));

    const http::RouteOptions sread{.scope = "sender_ids:read"};
    const http::RouteOptions swrite{.scope = "sender_ids:write"};
    // An approval or rejection, by the platform admin.
    const auto decision = [&swrite](const char* summary) {
        return http::documented(swrite, {.summary = summary,
                                         .response = "SenderId",
                                         .success = {200},
                                         .request = "SenderIdDecisionRequest",
                                         .errors = {{409, "INVALID_STATUS"}}});
    };
    router.add(Method::kGet, b + "/sender-ids/countries", sender_countries,
               http::documented({.scope = "sender_ids:read", .on_db_thread = false},
                                {.summary = "List the countries a sender ID may be registered for",
                                 .response = "SenderIdCountry",
                                 .list = true,
                                 .whole = true}));
    router.add(Method::kPost, b + "/sender-ids/bulk", bind(register_senders),
               http::answering(swrite, "Register many sender IDs", "SenderIdBulkResult", {201},
                               "SenderIdBulkRequest"));
    router.add(Method::kPost, b + "/sender-ids", bind(register_sender),
               http::documented(swrite, {.summary = "Register a sender ID",
                                         .response = "SenderId",
                                         .success = {201},
                                         .request = "SenderIdCreateRequest",
                                         .errors = {{409, "SENDER_ID_EXISTS"}}}));
    router.add(
        Method::kGet, b + "/sender-ids", bind(list_senders),
        http::listing(sread, "List the sender IDs", "SenderId",
                      {{"status", {"pending", "approved", "rejected"}}, {"country"}, {"search"}}));
    router.add(Method::kGet, b + "/sender-ids/{id}", bind(get_sender),
               http::answering(sread, "Show a sender ID", "SenderId"));
    router.add(Method::kDelete, b + "/sender-ids/{id}", bind(delete_sender),
               http::answering(swrite, "Delete a sender ID", "Deleted"));
    router.add(
        Method::kPost, b + "/sender-ids/{id}/approve",
        [&s](RequestContext& ctx, const Request& req) { return decide_sender(s, true, ctx, req); },
        decision("Approve a sender ID"));
    router.add(
        Method::kPost, b + "/sender-ids/{id}/reject",
        [&s](RequestContext& ctx, const Request& req) { return decide_sender(s, false, ctx, req); },
        decision("Reject a sender ID"));
}

}  // namespace ujumbe::messaging
