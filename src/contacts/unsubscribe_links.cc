#include "contacts/unsubscribe_links.h"

#include <utility>

#include "core/crypto.h"
#include "core/validate.h"

namespace ujumbe::contacts {

namespace {
// Half of the HMAC is plenty against forgery and keeps links short.
constexpr std::size_t kMacBytes = 16;
constexpr std::size_t kMaxTokenChars = 600;
}  // namespace

UnsubscribeLinks::UnsubscribeLinks(const std::string& secret, std::string public_url)
    : key_(hmac_sha256(secret, "ujumbe unsubscribe links")), public_url_(std::move(public_url)) {
    while (!public_url_.empty() && public_url_.back() == '/') public_url_.pop_back();
}

std::string UnsubscribeLinks::token(const AccountId& account, const std::string& address) const {
    const std::string payload = account.value + "\n" + address;
    return base64url_encode(payload) + "." +
           base64url_encode(hmac_sha256(key_, payload).substr(0, kMacBytes));
}

std::string UnsubscribeLinks::url(const AccountId& account, const std::string& address) const {
    return public_url_ + "/api/v1/unsubscribe?token=" + token(account, address);
}

std::optional<UnsubscribeTarget> UnsubscribeLinks::read(const std::string& token) const {
    if (token.size() > kMaxTokenChars) return std::nullopt;
    const auto dot = token.find('.');
    if (dot == std::string::npos) return std::nullopt;
    const auto payload = base64url_decode(std::string_view(token).substr(0, dot));
    const auto mac = base64url_decode(std::string_view(token).substr(dot + 1));
    if (!payload || !mac) return std::nullopt;
    if (!constant_time_equal(hmac_sha256(key_, *payload).substr(0, kMacBytes), *mac))
        return std::nullopt;
    const auto newline = payload->find('\n');
    if (newline == std::string::npos) return std::nullopt;
    UnsubscribeTarget out{AccountId{payload->substr(0, newline)}, payload->substr(newline + 1)};
    if (!is_uuid(out.account_id.value) || !is_valid_email(out.address)) return std::nullopt;
    return out;
}

}  // namespace ujumbe::contacts
