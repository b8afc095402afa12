#pragma once
// HTTP routes of the CRM under /api/v1/crm (docs/api-crm.md).

#include "crm/service.h"
#include "http/router.h"

namespace ujumbe::crm {

// `clock` tells upcoming from overdue activities.
void add_routes(http::Router& router, CrmService& service, Notifications& notifications,
                Clock& clock);

}  // namespace ujumbe::crm
