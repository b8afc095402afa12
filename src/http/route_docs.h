#pragma once
// Shorthands for the RouteDoc most routes carry (http/router.h): a summary
// and the schema of what they answer, or of each item of a page.

#include <string>
#include <utility>
#include <vector>

#include "http/router.h"

namespace ujumbe::http {

// answering(write, "Add a gateway", "Gateway", {201}, "GatewayCreateRequest")
inline RouteOptions answering(RouteOptions options, std::string summary, std::string response,
                              std::vector<int> success = {}, std::string request = {}) {
    return documented(std::move(options), {.summary = std::move(summary),
                                           .response = std::move(response),
                                           .success = std::move(success),
                                           .request = std::move(request)});
}

// listing(read, "List the gateways", "Gateway", {{"search"}}): a page of
// them, with the filters it reads.
inline RouteOptions listing(RouteOptions options, std::string summary, std::string item,
                            std::vector<QueryDoc> query = {}) {
    return documented(std::move(options), {.summary = std::move(summary),
                                           .response = std::move(item),
                                           .list = true,
                                           .query = std::move(query)});
}

}  // namespace ujumbe::http
