// HTTP handlers of conversations (docs/api-conversations.md): read and
// check input, call the inbox, shape the answer. No SQL and no rules here.

#include "conversations/inbox_routes.h"

#include "conversations/inbox_views.h"

#include <algorithm>

#include "core/clock.h"
#include "http/envelope.h"
#include "http/input.h"
#include "http/pagination.h"
#include "http/schema.h"
#include "messaging/views.h"

namespace ujumbe::conversations {

namespace {

using http::Fields;
using http::Method;
using http::Need;
using http::Request;
using http::RequestContext;
using http::Response;
using json = nlohmann::json;

constexpr int kThreadMessages = 50;
constexpr std::size_t kMaxTags = 20, kMaxTagChars = 50;

std::optional<std::string> status_param(const std::optional<std::string>& v) {
    if (!v) return std::nullopt;
    std::string up = *v;
    std::transform(up.begin(), up.end(), up.begin(),
                   [](unsigned char ch) { return std::toupper(ch); });
    if (up == "OPEN" || up == "CLOSED") return up;
    return std::string();  // refused by the caller
}

Result<ConversationQuery> read_query(const Request& req, const Principal& who) {
    ConversationQuery q;
    if (auto status = req.query_param("status")) {
        q.status = status_param(status);
        if (q.status->empty()) return Error::invalid("status", "OPEN or CLOSED.");
    }
    if (auto channel = req.query_param("channel")) {
        if (*channel != "sms" && *channel != "whatsapp")
            return Error::invalid("channel", "sms or whatsapp.");
        q.channel = *channel;
    }
    if (auto assigned = req.query_param("assigned_to")) {
        if (*assigned == "none")
            q.assigned_to = std::optional<UserId>{};
        else if (*assigned == "me")
            q.assigned_to = std::optional<UserId>{who.user_id};
        else if (is_uuid(*assigned))
            q.assigned_to = std::optional<UserId>{UserId{*assigned}};
        else
            return Error::invalid("assigned_to", "A user id, \"me\" or \"none\".");
    }
    if (auto unread = req.query_param("unread")) {
        if (*unread != "true" && *unread != "false")
            return Error::invalid("unread", "true or false.");
        q.unread = *unread == "true";
    }
    if (auto tag = req.query_param("tag")) {
        if (tag->empty() || tag->size() > kMaxTagChars)
            return Error::invalid("tag", "1 to 50 characters.");
        q.tag = *tag;
    }
    if (auto search = req.query_param("search")) {
        if (search->empty() || search->size() > 32)
            return Error::invalid("search", "1 to 32 characters of a number.");
        q.search = *search;
    }
    return q;
}

Result<Response> list(Inbox& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto q, read_query(req, ctx.who()));
    UJ_ASSIGN(auto page, http::page_window(req));
    UJ_ASSIGN(auto listing, s.list(ctx.who(), q, page));
    json results = json::array();
    for (const auto& k : listing.items) results.push_back(conversation_json(k));
    return http::page_response(req, std::move(results), listing.count);
}

Result<Response> get(Inbox& s, RequestContext& ctx, const Request& req) {
    std::optional<Micros> before;
    if (auto v = req.query_param("before")) {
        before = parse_iso8601(*v);
        if (!before) return Error::invalid("before", "An ISO-8601 time.");
    }
    UJ_ASSIGN(auto t, s.get(ctx.who(), ctx.param("id"), before, kThreadMessages));
    json out = conversation_json(t.conversation);
    json messages = json::array();
    for (const auto& m : t.messages) messages.push_back(messaging::message_json(m));
    out["messages"] = std::move(messages);
    // The next page back in time: the oldest message shown.
    out["older_before"] = t.more && !t.messages.empty()
                              ? json(format_iso8601_exact(t.messages.back().created_at))
                              : json(nullptr);
    return http::ok(std::move(out));
}

Result<ConversationUpdate> read_update(const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    ConversationUpdate u;
    if (auto status = f.text("status", Need::kOptional, 1, 10)) {
        u.status = status_param(status);
        if (u.status->empty()) f.fail("status", "OPEN or CLOSED.");
    }
    if (f.is_null("assigned_to")) {
        u.assigned_to = std::optional<UserId>{};
    } else if (auto id = f.id<UserId>("assigned_to", Need::kOptional)) {
        u.assigned_to = std::optional<UserId>{*id};
    }
    if (auto tags = f.string_list("tags", Need::kOptional, kMaxTags)) {
        std::vector<std::string> kept;
        for (const auto& t : *tags) {
            if (t.empty() || t.size() > kMaxTagChars) {
                f.fail("tags", "Each 1 to 50 characters.");
                break;
            }
            if (std::find(kept.begin(), kept.end(), t) == kept.end()) kept.push_back(t);
        }
        u.tags = std::move(kept);
    }
    UJ_TRY(f.check());
    if (!u.status && !u.assigned_to && !u.tags)
        return Error::invalid("status", "Give status, assigned_to or tags.");
    return u;
}

Result<Response> patch(Inbox& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto u, read_update(req));
    UJ_ASSIGN(auto k, s.update(ctx.who(), ctx.param("id"), u));
    return http::ok(conversation_json(k));
}

Result<Response> read(Inbox& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto k, s.mark_read(ctx.who(), ctx.param("id")));
    return http::ok(conversation_json(k));
}

Result<Response> reply(Inbox& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    messaging::SendRequest request;
    for (const char* name : {"media", "template"})
        if (auto part = f.object(name, Need::kOptional)) request.content[name] = std::move(*part);
    // WhatsApp media and templates may come without a body.
    auto text =
        f.text("body", request.content.empty() ? Need::kRequired : Need::kOptional, 1, 4096);
    request.body = text.value_or("");
    request.sender_id = f.text("sender_id", Need::kOptional, 1, 20);
    request.reply_to = f.id<MessageId>("reply_to", Need::kOptional);
    UJ_TRY(f.check());
    UJ_ASSIGN(auto sent, s.reply(ctx.who(), ctx.param("id"), std::move(request)));
    return http::ok(messaging::message_json(sent), 202, "Reply accepted");
}

Result<Response> get_settings(Inbox& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto see, s.agents_see(ctx.who()));
    return http::ok({{"agents_see", see}});
}

Result<Response> put_settings(Inbox& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    auto see = f.choice("agents_see", Need::kRequired, {"all", "assigned"});
    UJ_TRY(f.check());
    UJ_ASSIGN(auto saved, s.set_agents_see(ctx.who(), *see));
    return http::ok({{"agents_see", saved}}, 200, "Inbox settings saved");
}

// The schemas of the inbox's answers and bodies (the OpenAPI document).
void define_schemas(http::Router& router) {
    using namespace http::schema;
    router.define_schema("Conversation", conversation_schema());
    router.define_schema(
        "ConversationThread",
        {{"allOf",
          {ref("Conversation"),
           object({{"messages", array_of(ref("Message"))}, {"older_before", nullable(time())}})}},
         {"description",
          "The conversation with its latest messages, newest first; older_before asks for "
          "the page before them (null: none)."}});
    router.define_schema(
        "ConversationUpdateRequest",
        object({{"status", {{"type", "string"}, {"description", "OPEN or CLOSED, in any case."}}},
                {"assigned_to", nullable(text())},
                {"tags", array_of(text())}},
               {"status", "assigned_to", "tags"}));
    router.define_schema("ConversationReplyRequest",
                         object({{"body", text()},
                                 {"sender_id", text()},
                                 {"reply_to", text()},
                                 {"media", {{"type", "object"}}},
                                 {"template", {{"type", "object"}}}},
                                {"body", "sender_id", "reply_to", "media", "template"}));
    router.define_schema("InboxSettings", object({{"agents_see", one_of({"all", "assigned"})}}));
}

}  // namespace

void add_inbox_routes(http::Router& router, Inbox& s) {
    const auto bind = [&s](auto fn) {
        return [&s, fn](RequestContext& ctx, const Request& req) { return fn(s, ctx, req); };
    };
    const std::string b = "/api/v1";
    const http::RouteOptions read_scope{.scope = "conversations:read"};
    const http::RouteOptions write_scope{.scope = "conversations:write"};
    define_schemas(router);
    router.add(Method::kGet, b + "/conversations", bind(list),
               http::documented(read_scope, {.summary = "List the account's conversations",
                                             .response = "Conversation",
                                             .list = true,
                                             .query = {{"status"},
                                                       {"channel", {"sms", "whatsapp"}},
                                                       {"assigned_to"},
                                                       {"unread", {}, "boolean"},
                                                       {"tag"},
                                                       {"search"}}}));
    // Before /conversations/{id}, which would take "settings" for an id.
    router.add(Method::kGet, b + "/conversations/settings", bind(get_settings),
               http::documented(read_scope, {.summary = "Show what the account's agents see",
                                             .response = "InboxSettings"}));
    router.add(Method::kPut, b + "/conversations/settings", bind(put_settings),
               http::documented(write_scope, {.summary = "Choose what the account's agents see",
                                              .response = "InboxSettings",
                                              .request = "InboxSettings"}));
    router.add(Method::kGet, b + "/conversations/{id}", bind(get),
               http::documented(read_scope, {.summary = "Show a conversation and its messages",
                                             .response = "ConversationThread",
                                             .query = {{"before"}}}));
    router.add(
        Method::kPatch, b + "/conversations/{id}", bind(patch),
        http::documented(write_scope, {.summary = "Close, reopen, assign or tag a conversation",
                                       .response = "Conversation",
                                       .request = "ConversationUpdateRequest"}));
    router.add(Method::kPost, b + "/conversations/{id}/read", bind(read),
               http::documented(write_scope, {.summary = "Mark a conversation read",
                                              .response = "Conversation",
                                              .success = {200},
                                              .no_body = true}));
    // Sending needs the messages scope too in effect: the reply is a message.
    router.add(Method::kPost, b + "/conversations/{id}/messages", bind(reply),
               http::documented({.scope = "messages:send"},
                                {.summary = "Reply to the customer of a conversation",
                                 .response = "Message",
                                 .success = {202},
                                 .request = "ConversationReplyRequest"}));
}

}  // namespace ujumbe::conversations
