#pragma once
// SQL of conversations: the only place their table appears. Every query
// takes the account, so one account never reads another's.

#include <optional>
#include <string>

#include "conversations/model.h"
#include "db/connection.h"
#include "db/store_support.h"

namespace ujumbe::conversations::store {

using db::Connection;

// A message of the conversation (account, channel, customer) at `at`: the
// customer's opens it again and counts as unread; ours marks it read.
// Creates the conversation on the first. `contact_id` replaces the kept one
// when set.
Status note_message(Connection& c, const AccountId& account, const std::string& channel,
                    const std::string& customer, const std::optional<ContactId>& contact_id,
                    bool inbound, const std::string& preview, Micros at);

Result<db::Listing<Conversation>> list_conversations(Connection& c, const AccountId& account,
                                                     const ConversationQuery& q,
                                                     const db::Paged& page);
Result<std::optional<Conversation>> find_conversation(Connection& c, const AccountId& account,
                                                      const ConversationId& id);
// What the account's agents see: "all" (the default) or "assigned" (their
// own conversations and the unassigned ones).
Result<std::string> agents_see(Connection& c, const AccountId& account);
Status set_agents_see(Connection& c, const AccountId& account, const std::string& value,
                      Micros now);

// The conversation (account, channel, customer), if any.
Result<std::optional<Conversation>> conversation_with(Connection& c, const AccountId& account,
                                                      const std::string& channel,
                                                      const std::string& customer);
Result<ConversationCounts> conversation_counts(Connection& c, const AccountId& account);
// Writes status, assigned_to, tags, unread_count and updated_at.
Status update_conversation(Connection& c, const Conversation& conversation);

}  // namespace ujumbe::conversations::store
