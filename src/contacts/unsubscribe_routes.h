#pragma once
// The page behind a mail's unsubscribe link (docs/api-contacts.md,
// "Unsubscribe links"): GET asks the reader to confirm; POST unsubscribes,
// from that page's button or from a mail client's one-click request (RFC
// 8058: `List-Unsubscribe=One-Click`, posted to the List-Unsubscribe URL).
// The signed token is the only credential: no session, no API key.

#include "contacts/service.h"
#include "contacts/unsubscribe_links.h"
#include "http/router.h"

namespace ujumbe::contacts {

void add_unsubscribe_routes(http::Router& router, ContactsService& service,
                            const UnsubscribeLinks& links);

}  // namespace ujumbe::contacts
