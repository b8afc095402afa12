#pragma once
// JSON shapes of identity objects as the API shows them (docs/api-identity.md).

#include <nlohmann/json.hpp>

#include "identity/model.h"
#include "identity/service.h"

namespace ujumbe::identity {

nlohmann::json account_json(const Account& a);
nlohmann::json user_json(const User& u);
nlohmann::json member_json(const Member& m);
nlohmann::json api_key_json(const ApiKey& k);
nlohmann::json auth_json(const AuthResult& r);
nlohmann::json me_json(const Me& me);

}  // namespace ujumbe::identity
