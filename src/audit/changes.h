#pragma once
// What an audit entry says about a change: the fields that differ between
// the resource before and after (top-level fields of the JSON the API
// shows), with every secret-looking field redacted wherever it appears;
// and the names the log gives routes. Pure functions.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ujumbe::audit {

// `value` with the values of secret fields (password, token, secret, key,
// recovery codes, ...) replaced by "[redacted]", at any depth (bounded).
nlohmann::json redacted(const nlohmann::json& value);

// {field: {"before": b, "after": a}} for each top-level field that differs
// (updated_at aside). A missing side is null; a side that is not an object
// counts as {} so a create lists every field as after and a delete every
// field as before. Both sides are redacted first; a result whose text is
// over `max_bytes` is replaced by {"_truncated": true}.
nlohmann::json changed_fields(const nlohmann::json& before, const nlohmann::json& after,
                              std::size_t max_bytes = 16 * 1024);

// The log's name of a route: the path's fixed segments after /api/v1
// joined by '.', then the verb of PUT/PATCH (update) and DELETE (delete),
// and of a POST to a top collection (create): "POST /gateways" ->
// gateways.create, "PUT /gateways/{id}" -> gateways.update,
// "PUT /accounts/current" -> accounts.current.update,
// "POST /sender-ids/{id}/approve" -> sender-ids.approve, "POST
// /wallet/topups" -> wallet.topups; sign-in routes under /auth keep their
// own name: auth.login.
std::string action_name(std::string_view method, std::string_view pattern);

// The kind of object a route changes: its first segment after /api/v1.
std::string target_type_of(std::string_view pattern);

}  // namespace ujumbe::audit
