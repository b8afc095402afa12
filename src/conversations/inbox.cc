#include <utility>  // before Asio (g++ 12)

#include "conversations/inbox.h"

#include <algorithm>

#include "conversations/inbox_store.h"
#include "conversations/inbox_views.h"
#include "core/utf8.h"
#include "messaging/views.h"

namespace ujumbe::conversations {

namespace {

constexpr std::size_t kPreviewChars = 120;

}  // namespace

std::string preview_of(const std::string& body) {
    auto points = decode_utf8(body);
    if (!points || points->size() <= kPreviewChars) return body;
    std::string out;
    for (std::size_t i = 0; i < kPreviewChars; ++i) append_utf8(out, (*points)[i]);
    return out + "...";
}

Inbox::Inbox(db::Database& db, Clock& clock, identity::IdentityService& identity,
             contacts::ContactsService& contacts, messaging::MessagingService& messaging,
             realtime::Publisher* realtime)
    : db_(db),
      clock_(clock),
      identity_(identity),
      contacts_(contacts),
      messaging_(messaging),
      realtime_(realtime) {}

Status Inbox::publish(db::Connection& c, const Conversation& k) {
    if (!realtime_) return {};
    return realtime_->publish(c, {.account_id = k.account_id,
                                  .type = "conversation.updated",
                                  .data = conversation_json(k),
                                  .conversation_scoped = true,
                                  .assignee = k.assigned_to ? k.assigned_to->value : ""});
}

Status Inbox::on_inbound(db::Connection& c, const messaging::Message& m) {
    if (m.direction != "inbound" || !m.sender.starts_with('+'))
        return {};  // short codes: no thread
    UJ_ASSIGN(auto contact, contacts_.contact_id_by_phone(c, m.account_id, m.sender));
    UJ_TRY(store::note_message(c, m.account_id, m.channel, m.sender, contact, true,
                               preview_of(m.body), m.created_at));
    if (!realtime_ || !realtime_->wanted(m.account_id)) return {};
    UJ_ASSIGN(auto k, store::conversation_with(c, m.account_id, m.channel, m.sender));
    if (!k) return {};
    auto data = messaging::message_json(m);
    data["conversation_id"] = k->id.value;
    UJ_TRY(realtime_->publish(c, {.account_id = m.account_id,
                                  .type = "message.new",
                                  .data = std::move(data),
                                  .conversation_scoped = true,
                                  .assignee = k->assigned_to ? k->assigned_to->value : ""}));
    return publish(c, *k);
}

Result<std::string> Inbox::agents_see(const Principal& who) {
    return db_.read([&](db::Connection& c) { return store::agents_see(c, who.account_id); });
}

Result<std::string> Inbox::set_agents_see(const Principal& who, const std::string& value) {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins change the inbox");
    UJ_TRY(db_.write([&](db::Connection& c) {
        return store::set_agents_see(c, who.account_id, value, clock_.now());
    }));
    return value;
}

Result<bool> Inbox::limited(const AccountId& account, Role role) {
    if (role != Role::kAgent) return false;
    UJ_ASSIGN(auto see, db_.read([&](db::Connection& c) { return store::agents_see(c, account); }));
    return see == "assigned";
}

Result<db::Listing<Conversation>> Inbox::list(const Principal& who, ConversationQuery q,
                                              const db::Paged& page) {
    UJ_ASSIGN(bool only_theirs, limited(who.account_id, who.role));
    if (only_theirs) q.visible_to = who.user_id;
    return db_.read(
        [&](db::Connection& c) { return store::list_conversations(c, who.account_id, q, page); });
}

Result<Conversation> Inbox::find(const Principal& who, const std::string& id) {
    if (!is_uuid(id)) return Error::not_found("Conversation");
    UJ_ASSIGN(auto found, db_.read([&](db::Connection& c) {
        return store::find_conversation(c, who.account_id, ConversationId{id});
    }));
    if (!found) return Error::not_found("Conversation");
    // Another agent's conversation does not exist for a limited agent.
    if (found->assigned_to && *found->assigned_to != who.user_id) {
        UJ_ASSIGN(bool only_theirs, limited(who.account_id, who.role));
        if (only_theirs) return Error::not_found("Conversation");
    }
    return std::move(*found);
}

Result<Thread> Inbox::get(const Principal& who, const std::string& id, std::optional<Micros> before,
                          int limit) {
    UJ_ASSIGN(auto k, find(who, id));
    // The customer's messages and ours, each newest first, merged.
    const db::Window window{.limit = limit + 1, .keyset = true};
    messaging::MessageQuery theirs{
        .direction = "inbound", .channel = k.channel, .sender = k.customer};
    messaging::MessageQuery ours{.direction = "outbound", .channel = k.channel, .to = k.customer};
    if (before) theirs.until = ours.until = *before;
    UJ_ASSIGN(auto in, messaging_.list(who, theirs, window));
    UJ_ASSIGN(auto out, messaging_.list(who, ours, window));
    Thread t{.conversation = std::move(k)};
    t.messages = std::move(in.items);
    for (auto& m : out.items) t.messages.push_back(std::move(m));
    std::sort(t.messages.begin(), t.messages.end(), [](const auto& a, const auto& b) {
        return a.created_at != b.created_at ? a.created_at > b.created_at : a.id.value > b.id.value;
    });
    if (static_cast<int>(t.messages.size()) > limit) {
        t.more = true;
        t.messages.resize(static_cast<std::size_t>(limit));
    }
    return t;
}

Result<Conversation> Inbox::update(const Principal& who, const std::string& id,
                                   const ConversationUpdate& u) {
    UJ_ASSIGN(auto k, find(who, id));
    if (u.assigned_to && *u.assigned_to) {
        auto member = identity_.get_member(who, **u.assigned_to);
        if (!member) {
            if (member.error().code != ErrorCode::kNotFound) return std::move(member).error();
            return Error::invalid("assigned_to", "A user of this account.");
        }
    }
    if (u.status) k.status = *u.status;
    if (u.assigned_to) k.assigned_to = *u.assigned_to;
    if (u.tags) k.tags = *u.tags;
    k.updated_at = clock_.now();
    UJ_TRY(db_.write([&](db::Connection& c) -> Status {
        UJ_TRY(store::update_conversation(c, k));
        return publish(c, k);
    }));
    return k;
}

Result<ConversationCounts> Inbox::counts(const Principal& who) {
    return db_.read(
        [&](db::Connection& c) { return store::conversation_counts(c, who.account_id); });
}

Result<Conversation> Inbox::mark_read(const Principal& who, const std::string& id) {
    UJ_ASSIGN(auto k, find(who, id));
    k.unread_count = 0;
    k.updated_at = clock_.now();
    UJ_TRY(db_.write([&](db::Connection& c) -> Status {
        UJ_TRY(store::update_conversation(c, k));
        return publish(c, k);
    }));
    return k;
}

Result<messaging::Message> Inbox::reply(const Principal& who, const std::string& id,
                                        messaging::SendRequest request) {
    UJ_ASSIGN(auto k, find(who, id));
    request.to = k.customer;
    request.channel = k.channel;
    UJ_ASSIGN(auto sent, messaging_.send(who, request));
    UJ_TRY(db_.write([&](db::Connection& c) -> Status {
        UJ_TRY(store::note_message(c, k.account_id, k.channel, k.customer, std::nullopt, false,
                                   preview_of(sent.body), sent.created_at));
        UJ_ASSIGN(auto now, store::find_conversation(c, k.account_id, k.id));
        return now ? publish(c, *now) : Status{};
    }));
    return sent;
}

}  // namespace ujumbe::conversations
