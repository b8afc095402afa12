#pragma once
// JSON shapes of identity objects as the API shows them (docs/api-identity.md).

#include <nlohmann/json.hpp>

#include "http/router.h"
#include "identity/model.h"
#include "identity/service.h"

namespace ujumbe::identity {

nlohmann::json account_json(const Account& a);
nlohmann::json user_json(const User& u);
nlohmann::json member_json(const Member& m);
nlohmann::json api_key_json(const ApiKey& k);
nlohmann::json auth_json(const AuthResult& r);
nlohmann::json me_json(const Me& me);
// As the account's managers see it (no token, ever).
nlohmann::json invitation_json(const Invitation& inv, Micros now);
// As the invitee sees it: which account, which role, until when.
nlohmann::json my_invitation_json(const Invitation& inv);
nlohmann::json registered_account_json(const RegisteredAccount& r);

// The JSON Schemas of the views above, as the OpenAPI document names them:
// Account, User, ApiKey, NewApiKey, Auth, SignIn, Me, AccountMember,
// Invitation, MyInvitation, MyInvitations, RegisteredAccount.
void define_schemas(http::Router& router);

}  // namespace ujumbe::identity
