#pragma once
// Idempotency-Key support for every authenticated POST (SPEC.md section 2):
// the first answer to a key is kept for 24 hours and replayed to a retry
// with the same request; the same key with another request is 422
// IDEMPOTENCY_KEY_REUSED; while the first request runs, a duplicate gets
// 409 IDEMPOTENCY_IN_PROGRESS. Keys belong to the caller (a user session or
// an API key of one account): another caller's key is another key, so no
// one is ever replayed an answer made for someone else. Kept answers are
// sealed with the server secret: they may hold a new API key or tokens
// (docs/decisions/0013). The table is the http module's own
// (idempotency_keys).

#include <atomic>
#include <optional>
#include <string>
#include <variant>

#include "core/clock.h"
#include "core/result.h"
#include "db/database.h"
#include "http/request.h"

namespace ujumbe::http {

// Whose key: the account, the caller within it ("user:<id>" or
// "key:<id>") and the key they sent.
struct IdempotencyScope {
    std::string account_id;
    std::string principal;
    std::string key;
};

class IdempotencyKeys {
public:
    IdempotencyKeys(db::Database& db, Clock& clock, std::string server_secret,
                    Micros ttl = 24LL * 3600 * kMicrosPerSecond)
        : db_(db), clock_(clock), secret_(std::move(server_secret)), ttl_(ttl) {}

    // What to do with a request carrying a key.
    struct Proceed {};  // first time: run it, then finish() or abandon()
    using Decision = std::variant<Proceed, Response>;  // Response: replay or refusal

    // `fingerprint` identifies the request (method, path, body) and what the
    // caller was allowed when making it.
    Result<Decision> begin(const IdempotencyScope& scope, const std::string& fingerprint);
    // Keeps the answer for replays.
    void finish(const IdempotencyScope& scope, const Response& answer);
    // Forgets the key (the request failed in a way worth retrying).
    void abandon(const IdempotencyScope& scope);

    // A request's fingerprint: SHA-256 over `grants` (the caller's role and
    // scopes: a caller whose rights changed is not replayed an answer made
    // under the old ones), method, target and body (the spooled file for
    // uploads), hex.
    static std::string fingerprint(const Request& request, std::string_view grants);
    // 1..255 printable ASCII characters.
    static bool valid_key(std::string_view key);

private:
    void purge_expired(db::Connection& c, Micros now);

    db::Database& db_;
    Clock& clock_;
    std::string secret_;
    Micros ttl_;
    std::atomic<Micros> last_purge_{0};
};

}  // namespace ujumbe::http
