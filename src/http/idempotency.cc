#include "http/idempotency.h"

#include <sodium.h>

#include <algorithm>
#include <fstream>

#include "core/crypto.h"
#include "core/log.h"
#include "db/store_support.h"
#include "http/envelope.h"

namespace ujumbe::http {

namespace {

// A request that claimed a key and never finished (its node died) stops
// blocking retries after this long.
constexpr Micros kStaleRunning = 5 * 60 * kMicrosPerSecond;
constexpr Micros kPurgeEvery = 10 * 60 * kMicrosPerSecond;

Response refusal(Error e, int retry_after_s = 0) {
    Response r = error_response(e);
    if (retry_after_s > 0) r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
    return r;
}

}  // namespace

bool IdempotencyKeys::valid_key(std::string_view key) {
    return !key.empty() && key.size() <= 255 &&
           std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

std::string IdempotencyKeys::fingerprint(const Request& request, std::string_view grants) {
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    auto feed = [&](std::string_view data) {
        crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(data.data()),
                                  data.size());
    };
    feed(grants);
    feed("\n");
    feed(method_name(request.method));
    feed(" ");
    feed(request.target);
    feed("\n");
    if (auto type = request.header("content-type")) feed(*type);
    feed("\n");
    if (!request.body_file.empty()) {
        std::ifstream in(request.body_file, std::ios::binary);
        std::string buffer(64 * 1024, '\0');
        while (in) {
            in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
            feed(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
        }
    } else {
        feed(request.body);
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&state, digest);
    return to_hex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

void IdempotencyKeys::purge_expired(db::Connection& c, Micros now) {
    auto last = last_purge_.load();
    if (now - last < kPurgeEvery || !last_purge_.compare_exchange_strong(last, now)) return;
    if (auto r = c.query("DELETE FROM idempotency_keys WHERE expires_at < $1", {now}); !r)
        log::warn("idempotency: purge failed", {{"error", r.error().message}});
}

Result<IdempotencyKeys::Decision> IdempotencyKeys::begin(const IdempotencyScope& scope,
                                                         const std::string& fingerprint) {
    const Micros now = clock_.now();
    auto decision = db_.write([&](db::Connection& c) -> Result<Decision> {
        purge_expired(c, now);
        UJ_ASSIGN(auto row, c.query_one("SELECT request_hash, state, status, content_type, "
                                        "sealed_body, created_at, expires_at FROM "
                                        "idempotency_keys WHERE account_id = $1 AND "
                                        "principal = $2 AND key = $3",
                                        {scope.account_id, scope.principal, scope.key}));
        const bool reusable = !row || row->i64(6) <= now ||
                              (row->text(1) == "running" && row->i64(5) < now - kStaleRunning);
        if (!reusable) {
            if (row->text(0) != fingerprint)
                return Decision(refusal(Error::precondition(
                    "IDEMPOTENCY_KEY_REUSED",
                    "This Idempotency-Key was used with a different request.")));
            if (row->text(1) == "running")
                return Decision(refusal(
                    Error::conflict("IDEMPOTENCY_IN_PROGRESS",
                                    "A request with this Idempotency-Key is still running."),
                    1));
            auto body = open_secret(secret_, row->text(4));
            if (!body)  // sealed under another server secret
                return Decision(refusal(Error::conflict(
                    "IDEMPOTENCY_KEY_UNREADABLE",
                    "The answer kept for this Idempotency-Key cannot be read; use a new key.")));
            Response replay;
            replay.status = static_cast<int>(row->i64(2));
            replay.content_type = row->text(3);
            replay.body = std::move(*body);
            replay.headers.emplace_back("Idempotent-Replayed", "true");
            return Decision(std::move(replay));
        }
        if (row)
            UJ_TRY(
                db::done(c.query("DELETE FROM idempotency_keys WHERE account_id = $1 AND "
                                 "principal = $2 AND key = $3",
                                 {scope.account_id, scope.principal, scope.key})));
        UJ_TRY(db::done(
            c.query("INSERT INTO idempotency_keys (account_id, principal, key, "
                    "request_hash, state, created_at, expires_at) VALUES ($1, $2, "
                    "$3, $4, 'running', $5, $6)",
                    {scope.account_id, scope.principal, scope.key, fingerprint, now, now + ttl_})));
        return Decision(Proceed{});
    });
    // Two nodes claimed the key at once (PostgreSQL): the loser waits.
    if (!decision && decision.error().error_code == "UNIQUE_VIOLATION")
        return Decision(
            refusal(Error::conflict("IDEMPOTENCY_IN_PROGRESS",
                                    "A request with this Idempotency-Key is still running."),
                    1));
    return decision;
}

void IdempotencyKeys::finish(const IdempotencyScope& scope, const Response& answer) {
    const std::string sealed = seal_secret(secret_, answer.body);
    auto r = db_.write([&](db::Connection& c) {
        return c.query(
            "UPDATE idempotency_keys SET state = 'done', status = $4, content_type = $5, "
            "sealed_body = $6 WHERE account_id = $1 AND principal = $2 AND key = $3",
            {scope.account_id, scope.principal, scope.key, static_cast<std::int64_t>(answer.status),
             answer.content_type, sealed});
    });
    if (!r) log::warn("idempotency: cannot keep an answer", {{"error", r.error().message}});
}

void IdempotencyKeys::abandon(const IdempotencyScope& scope) {
    auto r = db_.write([&](db::Connection& c) {
        return c.query(
            "DELETE FROM idempotency_keys WHERE account_id = $1 AND principal = $2 AND key = $3",
            {scope.account_id, scope.principal, scope.key});
    });
    if (!r) log::warn("idempotency: cannot drop a key", {{"error", r.error().message}});
}

}  // namespace ujumbe::http
