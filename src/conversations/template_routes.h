#pragma once
// HTTP routes of WhatsApp message templates (docs/api-whatsapp.md):
// /api/v1/channels/whatsapp/templates.

#include "conversations/whatsapp_templates.h"
#include "http/router.h"

namespace ujumbe::conversations {

void add_template_routes(http::Router& router, WhatsAppTemplates& templates);

}  // namespace ujumbe::conversations
