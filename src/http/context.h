#pragma once
// What the middleware learns about a request before its handler runs.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/principal.h"

namespace ujumbe::http {

using ujumbe::Principal;

struct RequestContext {
    std::string request_id;
    std::map<std::string, std::string> path_params;
    std::optional<Principal> principal;

    // REQUIRES: the route requires authentication.
    const Principal& who() const { return *principal; }
    const std::string& param(const std::string& name) const { return path_params.at(name); }
    // The `{id}` of the path as the id type of the resource it names.
    template <typename IdType>
    IdType id() const {
        return IdType{param("id")};
    }
};

}  // namespace ujumbe::http
