#pragma once
// Identifiers: UUIDv7 strings (time-ordered, so primary-key indexes stay
// append-mostly), and strong id types so an AccountId is never passed where a
// UserId belongs.

#include <compare>
#include <functional>
#include <iosfwd>
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
    Id() = default;
    // Explicit, so no text becomes an id unnoticed (nor by brace elision).
    explicit Id(std::string text) : value(std::move(text)) {}
    std::string value;
    bool empty() const { return value.empty(); }
    auto operator<=>(const Id&) const = default;
};

// JSON writes an id as its text (found by nlohmann's lookup of to_json).
template <typename Json, typename Tag>
void to_json(Json& j, const Id<Tag>& id) {
    j = id.value;
}

// Ids print as their text (logs, test failures).
template <typename Char, typename Traits, typename Tag>
std::basic_ostream<Char, Traits>& operator<<(std::basic_ostream<Char, Traits>& out,
                                             const Id<Tag>& id) {
    return out << id.value;
}

// The id's text, or "" for none (CSV cells, log fields).
template <typename Tag>
std::string text_of(const std::optional<Id<Tag>>& id) {
    return id ? id->value : std::string();
}

using AccountId = Id<struct AccountTag>;
using UserId = Id<struct UserTag>;
using ApiKeyId = Id<struct ApiKeyTag>;
using SessionId = Id<struct SessionTag>;
using InvitationId = Id<struct InvitationTag>;
using ContactId = Id<struct ContactTag>;
using GroupId = Id<struct GroupTag>;
using SegmentId = Id<struct SegmentTag>;
using ImportJobId = Id<struct ImportJobTag>;
using MessageId = Id<struct MessageTag>;
using SenderIdRecordId = Id<struct SenderIdRecordTag>;
using GatewayId = Id<struct GatewayTag>;
using RouteId = Id<struct RouteTag>;
using RateId = Id<struct RateTag>;
using LedgerEntryId = Id<struct LedgerEntryTag>;
using TemplateId = Id<struct TemplateTag>;
using CampaignId = Id<struct CampaignTag>;

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

// Ids as keys of unordered containers.
template <typename Tag>
struct std::hash<ujumbe::Id<Tag>> {
    std::size_t operator()(const ujumbe::Id<Tag>& id) const noexcept {
        return std::hash<std::string>{}(id.value);
    }
};
