#pragma once
// The error codes each route answers beyond those of its kind (the OpenAPI
// document's `x-error-codes`, docs/api-docs.md), decided in one place as
// rate classes and the audited routes are. The black-box suite fails when
// a route answers a code its document does not name, and the unit tests
// when an entry names no route.

#include "http/router.h"

namespace ujumbe::app {

// Adds each route's codes to its RouteDoc::errors; the entries that named
// no route of `router` (none, when the table is right).
std::vector<std::string> document_route_errors(http::Router& router);

}  // namespace ujumbe::app
