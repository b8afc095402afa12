#pragma once
// The inbox: conversations opened or reopened by customers' messages (SMS
// and WhatsApp), read, assigned, tagged, closed and answered by the
// account's members, with the thread's messages back in time.

#include <optional>
#include <string>
#include <vector>

#include "contacts/service.h"
#include "conversations/model.h"
#include "core/clock.h"
#include "core/principal.h"
#include "core/result.h"
#include "db/database.h"
#include "db/store_support.h"
#include "identity/service.h"
#include "messaging/model.h"
#include "messaging/service.h"
#include "realtime/publisher.h"

namespace ujumbe::conversations {

// A conversation and its latest messages, newest first.
struct Thread {
    Conversation conversation;
    std::vector<messaging::Message> messages;
    bool more = false;  // older messages exist: ask again with `before`
};

class Inbox {
public:
    // `realtime` (may be null) hears of new messages and conversation changes.
    Inbox(db::Database& db, Clock& clock, identity::IdentityService& identity,
          contacts::ContactsService& contacts, messaging::MessagingService& messaging,
          realtime::Publisher* realtime = nullptr);

    // Every message stored (the pipeline's hook, in its transaction): an
    // inbound one opens or reopens its conversation.
    Status on_inbound(db::Connection& c, const messaging::Message& m);

    Result<db::Listing<Conversation>> list(const Principal& who, ConversationQuery q,
                                           const db::Paged& page);
    // The conversation and up to `limit` of its messages created before
    // `before` (none: the latest).
    Result<Thread> get(const Principal& who, const std::string& id, std::optional<Micros> before,
                       int limit);
    Result<Conversation> update(const Principal& who, const std::string& id,
                                const ConversationUpdate& u);
    Result<Conversation> mark_read(const Principal& who, const std::string& id);
    // Sends `request` (its body, sender id, WhatsApp media or template and
    // the message it answers) to the customer on the conversation's channel.
    Result<messaging::Message> reply(const Principal& who, const std::string& id,
                                     messaging::SendRequest request);

    // The caller's account's conversations: all, open, with unread messages.
    Result<ConversationCounts> counts(const Principal& who);

    // What the account's agents see: "all" or "assigned" (their own and the
    // unassigned); owners and admins change it and always see everything.
    Result<std::string> agents_see(const Principal& who);
    Result<std::string> set_agents_see(const Principal& who, const std::string& value);
    // Whether `who` sees only their own and unassigned conversations.
    Result<bool> limited(const AccountId& account, Role role);

private:
    Result<Conversation> find(const Principal& who, const std::string& id);
    // conversation.updated, in the transaction that changed it.
    Status publish(db::Connection& c, const Conversation& k);

    db::Database& db_;
    Clock& clock_;
    identity::IdentityService& identity_;
    contacts::ContactsService& contacts_;
    messaging::MessagingService& messaging_;
    realtime::Publisher* realtime_;
};

// What a list shows of a message: its first 120 characters.
std::string preview_of(const std::string& body);

}  // namespace ujumbe::conversations
