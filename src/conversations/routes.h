#pragma once
// HTTP handlers of an account's WhatsApp channel and of Meta's webhook.

#include "conversations/service.h"
#include "http/router.h"

namespace ujumbe::conversations {

void add_routes(http::Router& router, WhatsAppChannels& channels);

}  // namespace ujumbe::conversations
