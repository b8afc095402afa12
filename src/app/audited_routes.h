#pragma once
// Which routes the audit log records, decided in one place (as rate
// classes are): the changes owners, admins and the platform admin make to
// who may do what, where messages go, what they cost and who hears of them,
// and every sign-in event, failed ones included. The daily work of a
// business (messages, contacts, campaigns, the inbox, the CRM) is not
// audited: its own history lists keep it.

#include "http/router.h"

namespace ujumbe::app {

void mark_audited_routes(http::Router& router);

}  // namespace ujumbe::app
