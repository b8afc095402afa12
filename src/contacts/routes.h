#pragma once
// The routes of the contacts module (docs/api-contacts.md).

#include <cstdint>

#include "contacts/service.h"
#include "http/router.h"

namespace ujumbe::contacts {

// `max_import_bytes`: the largest CSV upload POST /contacts/import takes.
void add_routes(http::Router& router, ContactsService& service, std::uint64_t max_import_bytes);

}  // namespace ujumbe::contacts
