#pragma once
// Identifiers: UUIDv7 strings (time-ordered, so primary-key indexes stay
// append-mostly), and strong id types so an AccountId is never passed where a
// UserId belongs.

#include <compare>
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

using AccountId = Id<struct AccountTag>;
using UserId = Id<struct UserTag>;
using ApiKeyId = Id<struct ApiKeyTag>;
using SessionId = Id<struct SessionTag>;

}  // namespace ujumbe
