#pragma once
// Identifiers: UUIDv7 strings (time-ordered, so primary-key indexes stay
// append-mostly), and strong id types so an AccountId is never passed where a
// UserId belongs.

#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace ujumbe {

// A new UUIDv7 ("0190b2c4-...-7xxx-...") from the given time and random bits.
std::string new_uuid_v7(Micros now);
std::string new_uuid_v7();
// True for the canonical 36-character lower- or upper-case hex form of any UUID.
bool is_uuid(std::string_view text);

template <typename Tag>
struct Id {
    std::string value;
    bool empty() const { return value.empty(); }
    auto operator<=>(const Id&) const = default;
};

// JSON writes an id as its text (found by nlohmann's lookup of to_json).
template <typename Json, typename Tag>
void to_json(Json& j, const Id<Tag>& id) {
    j = id.value;
}

using AccountId = Id<struct AccountTag>;
using UserId = Id<struct UserTag>;
using ApiKeyId = Id<struct ApiKeyTag>;
using SessionId = Id<struct SessionTag>;
using InvitationId = Id<struct InvitationTag>;

// Whose rows a read may see: one account's, or every account's (the
// platform admin's views). Stores take a scope, never an account id that
// means "all" when empty.
class AccountScope {
public:
    static AccountScope all() { return AccountScope(std::nullopt); }
    static AccountScope only(AccountId account) { return AccountScope(std::move(account)); }
    bool is_all() const { return !account_; }
    // REQUIRES: !is_all().
    const AccountId& account() const { return *account_; }

private:
    explicit AccountScope(std::optional<AccountId> account) : account_(std::move(account)) {}
    std::optional<AccountId> account_;
};

}  // namespace ujumbe
