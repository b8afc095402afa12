#pragma once
// The OpenAPI 3.1 document of a router (GET /api/v1/openapi.json), made
// from its routes as they are registered, so it cannot name a route that
// does not exist nor miss one that does: each route's path parameters,
// security (Bearer JWT or API key, and the key scope it needs), request
// body types, success answer (the envelope around the schema its RouteDoc
// names, a page of them, or a file) and the errors it may answer, all in
// the error envelope of SPEC.md section 2.

#include <string>

#include <nlohmann/json.hpp>

#include "http/router.h"

namespace ujumbe::http {

struct ApiInfo {
    std::string title = "Ujumbe API";
    std::string version;
    std::string description;
};

nlohmann::json openapi_document(const Router& router, const ApiInfo& info);

}  // namespace ujumbe::http
