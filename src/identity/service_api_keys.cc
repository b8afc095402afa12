// API keys of the caller's account.

#include <algorithm>

#include "identity/scopes.h"
#include "identity/service.h"
#include "identity/store.h"
#include "identity/tokens.h"

namespace ujumbe::identity {

Result<CreatedApiKey> IdentityService::create_api_key(const Principal& who, const NewApiKey& in) {
    UJ_TRY(check_manager(who));
    const Micros now = clock_.now();
    if (in.expires_at && *in.expires_at <= now)
        return Error::invalid("expires_at", "Must be in the future.");
    for (const auto& s : in.scopes)
        if (std::find(known_scopes().begin(), known_scopes().end(), s) == known_scopes().end())
            return Error::invalid("scopes", "Unknown scope '" + s + "'.");
    // A new key is never stronger than what creates it: no more than the
    // creating key's scopes, no more than the creator's role allows. Without
    // scopes it gets exactly those of its creator.
    const std::vector<std::string>& bound = role_scopes(who.role);
    std::vector<std::string> scopes = in.scopes;
    if (scopes.empty()) scopes = who.api_key_id ? who.scopes : bound;
    for (const auto& s : scopes) {
        const bool by_key = !who.api_key_id || scope_covers(who.scopes, s);
        if (by_key && scope_covers(bound, s)) continue;
        Error e = Error::forbidden(by_key ? "Your role cannot grant the scope '" + s + "'"
                                          : "This API key cannot grant the scope '" + s + "'",
                                   "INSUFFICIENT_SCOPE");
        e.errors["scopes"].push_back("Not within the creator's own scopes.");
        e.details = {{"scope", s}};
        return e;
    }
    CreatedApiKey out;
    out.raw_key = new_api_key();
    ApiKey& k = out.key;
    k.id = ApiKeyId{new_uuid_v7(now)};
    k.account_id = who.account_id;
    k.created_by = who.user_id;
    k.name = in.name;
    k.prefix = out.raw_key.substr(0, 10);
    k.key_hash = token_hash(out.raw_key);
    k.scopes = std::move(scopes);
    std::sort(k.scopes.begin(), k.scopes.end());
    k.scopes.erase(std::unique(k.scopes.begin(), k.scopes.end()), k.scopes.end());
    k.created_at = now;
    k.expires_at = in.expires_at;
    UJ_TRY(db_.write([&](db::Connection& c) { return store::insert_api_key(c, k); }));
    return out;
}

Result<Listing<ApiKey>> IdentityService::list_api_keys(const Principal& who, Page page) {
    UJ_ASSIGN(auto rows, db_.read([&](db::Connection& c) {
        return store::list_api_keys(c, who.account_id, store::Paged{page.limit, page.offset});
    }));
    return Listing<ApiKey>{std::move(rows.first), rows.second};
}

Result<ApiKey> IdentityService::get_api_key(const Principal& who, const ApiKeyId& id) {
    if (!is_uuid(id.value)) return Error::not_found("API key");
    UJ_ASSIGN(auto key, db_.read([&](db::Connection& c) {
        return store::find_api_key(c, who.account_id, id);
    }));
    if (!key) return Error::not_found("API key");
    return std::move(*key);
}

Status IdentityService::revoke_api_key(const Principal& who, const ApiKeyId& id) {
    UJ_TRY(check_manager(who));
    if (!is_uuid(id.value)) return Error::not_found("API key");
    return db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto key, store::find_api_key(c, who.account_id, id));
        if (!key) return Error::not_found("API key");
        if (key->revoked_at) return Status{};
        return store::revoke_api_key(c, who.account_id, id, clock_.now());
    });
}

}  // namespace ujumbe::identity
