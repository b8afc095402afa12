#pragma once
// HTTP face of the identity module: registers its routes and provides the
// authenticator the dispatcher uses for every protected route.

#include "http/dispatcher.h"
#include "http/router.h"
#include "identity/service.h"

namespace ujumbe::identity {

void add_routes(http::Router& router, IdentityService& service);

// Authorization: Bearer <jwt> | ApiKey <key>.
class Authenticator final : public http::Authenticator {
public:
    explicit Authenticator(IdentityService& service) : service_(service) {}
    Result<Principal> authenticate(const http::Request& request) override;

private:
    IdentityService& service_;
};

}  // namespace ujumbe::identity
