#pragma once
// Entries of the audit log (docs/audit-log.md). Plain data, no I/O.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/ids.h"

namespace ujumbe::audit {

struct Entry {
    std::string id;  // UUID v7
    std::optional<AccountId> account_id;
    std::optional<UserId> actor_user_id;
    std::optional<ApiKeyId> actor_api_key_id;
    // Who, for a reader: the user's id or, for a sign-in attempt, the email
    // it named; "anonymous" when neither is known.
    std::string actor_label;
    std::string action;  // "gateways.update", "auth.login"
    std::string target_type;
    std::optional<std::string> target_id;
    int status = 200;  // the answer's HTTP status
    std::optional<std::string> error_code;
    // {field: {"before": ..., "after": ...}} of the fields that changed,
    // secrets redacted.
    nlohmann::json changes = nlohmann::json::object();
    std::string ip, user_agent, request_id;
    Micros created_at = 0;
};

struct Query {
    std::optional<std::string> actor;   // a user id or the label
    std::optional<std::string> action;  // exact, or a prefix ending in '.'
    std::optional<std::string> target_type, target_id;
    std::optional<AccountId> account_id;
    std::optional<Micros> from, to;  // created_at in [from, to)
};

// Whose entries a reader sees.
struct Visibility {
    bool everything = false;  // the platform admin
    AccountId account;
    bool children = false;  // a reseller: its clients' too
};

}  // namespace ujumbe::audit
