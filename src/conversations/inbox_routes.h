#pragma once
// HTTP handlers of the inbox's conversations.

#include "conversations/inbox.h"
#include "http/router.h"

namespace ujumbe::conversations {

void add_inbox_routes(http::Router& router, Inbox& inbox);

}  // namespace ujumbe::conversations
