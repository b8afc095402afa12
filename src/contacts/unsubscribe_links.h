#pragma once
// Unsubscribe links of marketing mail (RFC 8058 one-click): a token naming
// the account and the recipient's address, signed with an HMAC-SHA256 under
// a key derived from the server secret, so every node checks what any node
// signed. Tokens do not expire: a link in an old mail must still work.

#include <optional>
#include <string>

#include "core/ids.h"

namespace ujumbe::contacts {

struct UnsubscribeTarget {
    AccountId account_id;
    std::string address;  // lower-cased email address
};

class UnsubscribeLinks {
public:
    // `public_url` ("https://api.example.com"): where recipients reach the
    // server; "" when none is configured (no links can be made).
    UnsubscribeLinks(const std::string& secret, std::string public_url);

    bool can_link() const { return !public_url_.empty(); }
    std::string token(const AccountId& account, const std::string& address) const;
    // The absolute URL of the unsubscribe page for `address`.
    std::string url(const AccountId& account, const std::string& address) const;
    // What a token names, when this server signed it (constant-time check).
    std::optional<UnsubscribeTarget> read(const std::string& token) const;

private:
    std::string key_;
    std::string public_url_;
};

}  // namespace ujumbe::contacts
