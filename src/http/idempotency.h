#pragma once
// Idempotency-Key support for every authenticated POST (SPEC.md section 2):
// the first answer to a key is kept for 24 hours and replayed to a retry
// with the same request; the same key with another request is 422
// IDEMPOTENCY_KEY_REUSED; while the first request runs, a duplicate gets
// 409 IDEMPOTENCY_IN_PROGRESS. Keys are per account. The table is the http
// module's own (idempotency_keys).

#include <atomic>
#include <optional>
#include <string>
#include <variant>

#include "core/clock.h"
#include "core/result.h"
#include "db/database.h"
#include "http/request.h"

namespace ujumbe::http {

class IdempotencyKeys {
public:
    IdempotencyKeys(db::Database& db, Clock& clock, Micros ttl = 24LL * 3600 * kMicrosPerSecond)
        : db_(db), clock_(clock), ttl_(ttl) {}

    // What to do with a request carrying a key.
    struct Proceed {};  // first time: run it, then finish() or abandon()
    using Decision = std::variant<Proceed, Response>;  // Response: replay or refusal

    // `fingerprint` identifies the request (method, path, body).
    Result<Decision> begin(const std::string& account_id, const std::string& key,
                           const std::string& fingerprint);
    // Keeps the answer for replays.
    void finish(const std::string& account_id, const std::string& key, const Response& answer);
    // Forgets the key (the request failed in a way worth retrying).
    void abandon(const std::string& account_id, const std::string& key);

    // A request's fingerprint: SHA-256 over method, target and body (the
    // spooled file for uploads), hex.
    static std::string fingerprint(const Request& request);
    // 1..255 printable ASCII characters.
    static bool valid_key(std::string_view key);

private:
    void purge_expired(db::Connection& c, Micros now);

    db::Database& db_;
    Clock& clock_;
    Micros ttl_;
    std::atomic<Micros> last_purge_{0};
};

}  // namespace ujumbe::http
