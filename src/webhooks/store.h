#pragma once
// SQL of the webhooks module: endpoints, callback secrets, the events
// outbox's reading end and the deliveries. Every read of an account's rows
// takes the account.

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "db/connection.h"
#include "db/store_support.h"
#include "db/window.h"
#include "webhooks/model.h"

namespace ujumbe::webhooks::store {

using db::Connection;

// ---- endpoints (secrets sealed by the caller)
struct SealedSecrets {
    std::string secret;
    std::optional<std::string> previous;
    std::optional<Micros> previous_until;
};
Status insert_endpoint(Connection& c, const Endpoint& e, const std::string& sealed_secret);
Status update_endpoint(Connection& c, const Endpoint& e);
Status rotate_endpoint_secret(Connection& c, const Endpoint& e, const SealedSecrets& secrets);
// Deletes the endpoint and its deliveries.
Status delete_endpoint(Connection& c, const AccountId& account, const WebhookId& id);
Result<std::optional<Endpoint>> find_endpoint(Connection& c, const AccountId& account,
                                              const WebhookId& id);
Result<std::optional<SealedSecrets>> endpoint_secrets(Connection& c, const WebhookId& id);
Result<db::Listing<Endpoint>> list_endpoints(Connection& c, const AccountId& account,
                                             db::Paged page);
Result<std::int64_t> count_endpoints(Connection& c, const AccountId& account);
// The enabled endpoints of these accounts, with their secrets.
struct SigningEndpoint {
    Endpoint endpoint;
    SealedSecrets secrets;
};
Result<std::vector<SigningEndpoint>> enabled_endpoints(Connection& c,
                                                       const std::vector<std::string>& accounts);

// ---- callback secrets
Result<std::optional<SealedSecrets>> callback_secrets(Connection& c, const AccountId& account);
Status put_callback_secrets(Connection& c, const AccountId& account, const SealedSecrets& s,
                            Micros now);

// ---- the outbox
struct OutboxRow {
    std::int64_t seq = 0;
    std::string id;
    AccountId account_id;
    std::string type;
    std::optional<MessageId> message_id;
    std::optional<std::string> data;
    Micros created_at = 0;
};
Result<bool> outbox_has_rows(Connection& c);
// Takes (deletes and returns) the oldest rows no other node is taking.
Result<std::vector<OutboxRow>> take_outbox(Connection& c, int limit);

// ---- deliveries
// `targets[i]` is row i's target; rows with `leases[i]` > 0 (when given)
// are leased to `owner` until then.
Status insert_deliveries(Connection& c, const std::vector<Delivery>& rows,
                         const std::vector<std::string>& targets, const std::string& owner = {},
                         const std::vector<Micros>& leases = {});
// A delivery claimed for sending, with what signing it needs.
struct Claimed {
    Delivery delivery;
    std::string target;
    std::optional<SealedSecrets> secrets;  // the endpoint's or the callback's
};
// Leases due pending deliveries to `owner`: at most `per_target` of each
// target and `limit` in all, oldest due first, none of `skip_targets`.
Result<std::vector<Claimed>> claim_due(Connection& c, const std::string& owner, Micros now,
                                       Micros lease_until, int per_target, int limit,
                                       const std::vector<std::string>& skip_targets);
Result<bool> has_due(Connection& c, Micros now);
// Deliveries not yet done (pending) and the creation time of the oldest (metrics).
Result<std::pair<std::int64_t, std::optional<Micros>>> backlog(Connection& c);
Status release_leases_of(Connection& c, const std::string& owner);

// What an attempt found.
struct Attempt {
    DeliveryId id;
    std::optional<WebhookId> webhook_id;
    bool ok = false;
    std::optional<int> response_status;
    int latency_ms = 0;
    std::optional<std::string> error;
    std::optional<std::string> response_excerpt;
    std::optional<Micros> retry_at;  // failed and tried again then; none: final
};
Status record_attempts(Connection& c, const std::vector<Attempt>& attempts, Micros now);
// Endpoints with a success lose their failure record; those with a failure
// and none yet get one.
Status note_endpoint_results(Connection& c, const std::vector<WebhookId>& succeeded,
                             const std::vector<WebhookId>& failed, Micros now);
// Enabled endpoints failing since before `cutoff`, among `ids`.
Result<std::vector<Endpoint>> failing_before(Connection& c, const std::vector<WebhookId>& ids,
                                             Micros cutoff);
// Disables the endpoint and fails its pending deliveries.
Status disable_endpoint(Connection& c, const WebhookId& id, const std::string& reason, Micros now);
Result<std::int64_t> drop_finished_before(Connection& c, Micros cutoff);
// PostgreSQL: fresh planner statistics of the deliveries and the outbox
// (db/statistics.h); nothing on SQLite.
Status refresh_statistics(Connection& c);

Result<db::WindowListing<Delivery>> list_deliveries(Connection& c, const AccountId& account,
                                                    const WebhookId& webhook,
                                                    std::optional<DeliveryStatus> status,
                                                    const db::Window& w);
Result<std::optional<Delivery>> find_delivery(Connection& c, const AccountId& account,
                                              const WebhookId& webhook, const DeliveryId& id);
// Pending again and due now (same event, same body).
Status redeliver(Connection& c, const DeliveryId& id, Micros now);

}  // namespace ujumbe::webhooks::store
