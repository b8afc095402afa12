#pragma once
// What the dispatcher tells the audit log about a request to a route whose
// options name an audit action (RouteOptions::audit): the route, the
// caller, the request, the answer, and the resource as its GET route read
// it just before the change (for updates, deletes and actions on one
// resource). Implemented by the audit module; the dispatcher knows nothing
// of how entries are kept.

#include <optional>

#include <nlohmann/json.hpp>

#include "http/context.h"
#include "http/request.h"
#include "http/router.h"

namespace ujumbe::http {

struct AuditEvent {
    const Route& route;
    const RequestContext& ctx;
    const Request& request;
    const Response& response;
    // The `data` of the object's GET before the handler ran (the same
    // path; an action's object path); nullopt for a create, or when there
    // is no such route, it did not answer 200 or it answered a list.
    std::optional<nlohmann::json> before;
};

class AuditSink {
public:
    virtual ~AuditSink() = default;
    // Called on the request's database thread after the handler answered;
    // must not throw.
    virtual void record(const AuditEvent& event) = 0;
};

}  // namespace ujumbe::http
