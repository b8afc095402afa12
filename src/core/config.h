#pragma once
// Server configuration: defaults, then a `key = value` file (--config FILE),
// then UJUMBE_* environment variables, then `--set key=value` flags, each
// winning over the ones before. Keys in the file and the flags are the
// environment names without the prefix, lower-cased (UJUMBE_LISTEN ->
// listen).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ujumbe {

struct Config {
    // Address of the HTTP API. Port 0 picks a free port (written to
    // <data_dir>/listen.addr once bound).
    std::string listen = "127.0.0.1:8080";
    // Both set: the API listener speaks HTTPS only, with this PEM
    // certificate chain and private key (read again on SIGHUP).
    std::string tls_cert_file;
    std::string tls_key_file;
    // Reverse proxies (addresses, CIDR blocks, comma-separated) whose
    // X-Forwarded-For names the client; empty: the socket's peer is.
    std::string trusted_proxies;
    // Directory for the SQLite database, the generated secret and runtime files.
    std::string data_dir = "./var";
    // sqlite:<path> or postgresql://user@host:port/db. Empty: sqlite:<data_dir>/ujumbe.db.
    std::string database_url;
    // Signs tokens and encrypts secrets at rest. Empty: generated once into
    // <data_dir>/secret.key. Changing it invalidates every issued token.
    std::string secret_key;
    // Platform admin created on first start; a one-time password is printed
    // when the password is unset.
    std::string admin_email = "admin@localhost";
    std::string admin_password;
    // I/O threads (0 = number of cores) and database threads (0 = automatic:
    // 4 for SQLite readers, 8 PostgreSQL connections).
    int threads = 0;
    int db_threads = 0;
    std::string log_level = "info";   // trace, debug, info, warn, error
    std::string log_format = "json";  // json (one object a line) | text (for a terminal)
    std::string smpp_listen;          // SMPP server address; off when empty
    // Both set: the SMPP server speaks TLS only, with this PEM certificate
    // chain and private key (read again on SIGHUP).
    std::string smpp_tls_cert_file;
    std::string smpp_tls_key_file;
    // Largest accepted request body; larger ones get 413.
    std::size_t max_body_bytes = 1024 * 1024;
    // Largest CSV upload (POST /contacts/import); spooled to
    // <data_dir>/spool, never held in memory.
    std::uint64_t max_import_bytes = 1024ull * 1024 * 1024;
    // Rows per committed batch of a CSV import.
    std::size_t import_batch_rows = 1000;
    // Slow and abusive clients (docs/security.md): seconds from a request's
    // first byte to the end of its headers; seconds a keep-alive connection
    // may wait for its next request; the average rate (bytes a second) a
    // body must keep after a grace period of body_grace_s.
    int header_timeout_s = 10;
    int idle_timeout_s = 60;
    std::size_t body_min_rate = 1024;
    int body_grace_s = 10;
    // Connections open at once, in all and from one client address.
    std::size_t max_connections = 10000;
    std::size_t max_connections_per_address = 256;
    // CSV uploads being received at once, in all and per account.
    std::size_t max_uploads = 8;
    std::size_t max_uploads_per_account = 2;
    // A realtime WebSocket: what may wait unread for the client before it is
    // cut off, and how long it may stay silent (pinged at half of it).
    std::size_t ws_max_queued_frames = 4096;
    std::size_t ws_max_queued_bytes = 1024 * 1024;
    int ws_idle_s = 30;
    // Requests a minute per account (and per API key; per client address
    // for login and registration), by class; 0 turns a class's limit off.
    // A plan may set its own (plans.rate_limit_*, docs/security.md).
    std::int64_t rate_limit_auth = 300;
    std::int64_t rate_limit_send = 600000;
    std::int64_t rate_limit_bulk = 1200;
    std::int64_t rate_limit_default = 60000;
    // Token lifetimes in seconds.
    std::int64_t access_token_ttl_s = 15 * 60;
    std::int64_t refresh_token_ttl_s = 7 * 24 * 3600;
    // Failed logins allowed per email and per client IP in one window before
    // 429; checked before any password is hashed.
    int login_max_failures = 5;
    int login_ip_max_failures = 5;
    int login_window_s = 60;
    // Each further failed login of an email from one address doubles its
    // wait (from login_window_s) up to this many seconds.
    int login_backoff_max_s = 3600;
    // Self-registrations allowed per client address and in total per
    // window (each brings trial credit); 429 beyond.
    int register_ip_max = 5;
    int register_max = 100;
    int register_window_s = 3600;
    // Password hashes (argon2id) running at once, and how long a request
    // waits for a free slot before 429, so hashing never takes every
    // database thread.
    int password_hash_slots = 1;
    int password_hash_wait_ms = 100;
    // Lifetime of an invitation to join an account.
    std::int64_t invitation_ttl_s = 7 * 24 * 3600;
    // How long receipts and inbound messages wait for an SMPP customer to
    // bind a receiver before they are dropped.
    std::int64_t smpp_delivery_max_age_s = 72 * 3600;
    // A message sent this long ago without a final receipt ends expired
    // with RECEIPT_TIMEOUT (refunded when refund_undelivered is on).
    std::int64_t receipt_timeout_s = 48 * 3600;
    // Webhooks out (docs/webhooks.md): private and loopback destinations
    // refused unless allowed; time limit of an exchange; deliveries in
    // flight in all and per endpoint; the unit of the retry schedule; how
    // long an endpoint may fail before it is disabled; how long finished
    // deliveries are kept; how often the outbox is looked at for events
    // no commit of this node announced (other nodes' on PostgreSQL).
    bool webhook_allow_private = false;
    std::int64_t webhook_timeout_ms = 10000;
    int webhook_concurrency = 64;
    int webhook_endpoint_concurrency = 8;
    std::int64_t webhook_retry_unit_ms = 1000;
    std::int64_t webhook_disable_after_s = 3 * 86400;
    std::int64_t webhook_keep_days = 7;
    std::int64_t webhook_poll_ms = 50;
    // Campaigns (campaigns/runner.h): recipients per accept call; a
    // campaign's messages waiting for a gateway at most; how often a
    // campaign paused by the server (an empty wallet) is tried again, and
    // how long it may wait before it fails.
    int campaign_batch = 500;
    std::int64_t campaign_waiting = 1000;
    std::int64_t campaign_account_mps = 0;  // all of an account's campaigns; 0: none
    std::int64_t campaign_retry_s = 15;
    std::int64_t campaign_balance_wait_s = 86400;
    // Plan renewals (billing/renewals.h): a renewal the wallet cannot pay is
    // tried again this often; the plan lapses this long after the first try.
    std::int64_t plan_retry_s = 3600;
    std::int64_t plan_grace_s = 7 * 86400;
    // The WhatsApp Cloud API (channels/whatsapp_cloud/graph.h): where the
    // Graph API is (tests point it at a simulator) and the version pinned.
    std::string whatsapp_graph_url = "https://graph.facebook.com";
    std::string whatsapp_graph_version = "v21.0";
    // Media (docs/api-media.md): the largest file (each kind also has the
    // Cloud API's own limit), all of one account's files, how long a signed
    // URL lives, and the address this server is reached at from outside
    // ("https://api.example.com"; empty: signed URLs are paths).
    std::uint64_t max_media_bytes = 16ull * 1024 * 1024;
    std::uint64_t media_account_bytes = 1024ull * 1024 * 1024;
    std::int64_t media_url_ttl_s = 3600;
    std::string public_url;
    // /metrics (docs/metrics.md): with a token, only Bearer requests that
    // carry it; with an address of its own, served there and not on
    // `listen`; with neither, only to loopback clients.
    std::string metrics_token;
    std::string metrics_listen;
    // Where the files of the API docs UI (/docs: Swagger UI's dist) are;
    // empty: where the build put them (docs/api-docs.md).
    std::string docs_ui_dir;
    // Days a final message keeps its body, and days it is kept at all, for
    // accounts that set none of their own; 0 keeps them for good
    // (messaging/retention.h).
    std::int64_t body_retention_days = 0;
    std::int64_t message_retention_days = 0;
    // SQLite durability: NORMAL (fast, survives process crashes) or FULL
    // (also survives power loss, slower commits).
    std::string sqlite_synchronous = "NORMAL";
    // Sender id of messages that name none (needs no approval).
    std::string default_sender_id = "Ujumbe";
    // With no gateway configured, create a sandbox gateway and a catch-all
    // route at start (`make run` sets it).
    bool sandbox_gateway = false;
    // Self-registered accounts send nothing and get no trial credit until
    // their owner verifies the email address (docs/api-identity.md).
    bool require_email_verification = false;
    // The audit log records (docs/audit-log.md); off only to measure its cost.
    bool audit_log = true;
    // The API request log (docs/analytics.md) keeps this many days of
    // lines (0: keeps none, records nothing) and prunes older ones this
    // often.
    std::int64_t request_log_days = 30;
    std::int64_t request_log_prune_s = 3600;
    // Billing: the platform currency (ISO 4217), the trial credit of
    // self-registered accounts (decimal text; "0" for none) and whether
    // undelivered/expired messages are refunded like failed ones.
    std::string currency = "USD";
    std::string trial_credit = "5";
    bool refund_undelivered = false;
    // This node's name as the owner of queue leases; empty: generated once
    // into <data_dir>/node.id. Nodes sharing a PostgreSQL database need
    // different ones.
    std::string node_id;

    // The database URL after defaults are applied.
    std::string effective_database_url() const;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Reads the process environment.
std::optional<std::string> process_env(const std::string& name);

// Where each setting given came from: "file", "environment" or "flag".
using ConfigSources = std::map<std::string, std::string>;

// Loads defaults, then the file (when given), then the environment, then
// `overrides` ("key=value", from --set flags), each winning over the ones
// before. Errors name the offending key; an unknown key is one.
Result<Config> load_config(const std::optional<std::string>& file, const EnvLookup& env,
                           const std::vector<std::string>& overrides = {},
                           ConfigSources* sources = nullptr);

// UJUMBE_LISTEN for "listen".
std::string env_name(std::string_view key);

// Every setting with its value as text and where it came from ("default"
// when nowhere), secrets hidden and a database URL's password masked:
// what `ujumbe config check` prints.
struct ShownSetting {
    std::string key, value, source;
};
std::vector<ShownSetting> shown_settings(const Config& config, const ConfigSources& sources);

// The keys whose values differ (secrets too; never their values).
std::vector<std::string> changed_settings(const Config& a, const Config& b);

// A configuration file to start from (`ujumbe config example`): every
// setting a `# key = default` line, but those the file or the flags gave
// (`sources`) set; secrets (and a database URL with a password) never.
std::string example_config(const Config& config, const ConfigSources& sources);

}  // namespace ujumbe
