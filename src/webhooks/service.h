#pragma once
// An account's webhook endpoints (docs/webhooks.md): CRUD with URL checks,
// secrets shown once and rotated with an overlap, the delivery log,
// redelivery and test pings, and the secret signing callback_url
// deliveries. Everyone in the account reads; owners and admins change.

#include <functional>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/principal.h"
#include "core/result.h"
#include "db/database.h"
#include "db/store_support.h"
#include "db/window.h"
#include "webhooks/model.h"

namespace ujumbe::webhooks {

struct WebhookOptions {
    bool allow_private = false;  // UJUMBE_WEBHOOK_ALLOW_PRIVATE
    std::int64_t max_endpoints = 20;
    Micros default_overlap = 86400 * kMicrosPerSecond;
    Micros max_overlap = 7 * 86400 * kMicrosPerSecond;
};

struct RotatedSecret {
    std::string secret;
    std::optional<Micros> previous_until;
};

class WebhookService {
public:
    // `secret` seals the endpoints' secrets; `wake` tells the dispatcher
    // something is due now.
    WebhookService(db::Database& db, Clock& clock, std::string secret, WebhookOptions options,
                   std::function<void()> wake = {});

    Result<IssuedSecret> create(const Principal& who, const EndpointInput& in);
    Result<db::Listing<Endpoint>> list(const Principal& who, db::Paged page);
    Result<Endpoint> get(const Principal& who, const WebhookId& id);
    Result<Endpoint> update(const Principal& who, const WebhookId& id, const EndpointInput& in);
    Status remove(const Principal& who, const WebhookId& id);
    // A new secret; the old one signs too for `overlap` (none: the default).
    Result<IssuedSecret> rotate_secret(const Principal& who, const WebhookId& id,
                                       std::optional<Micros> overlap);
    Result<RotatedSecret> rotate_callback_secret(const Principal& who,
                                                 std::optional<Micros> overlap);
    // A ping event to the endpoint, due now.
    Result<Delivery> test(const Principal& who, const WebhookId& id);

    Result<db::WindowListing<Delivery>> deliveries(const Principal& who, const WebhookId& id,
                                                   std::optional<DeliveryStatus> status,
                                                   const db::Window& window);
    Result<Delivery> delivery(const Principal& who, const WebhookId& id,
                              const DeliveryId& delivery_id);
    Result<Delivery> redeliver(const Principal& who, const WebhookId& id,
                               const DeliveryId& delivery_id);
    // Every account's deliveries not yet done, and when the oldest was made
    // (for /metrics; no caller checks).
    Result<std::pair<std::int64_t, std::optional<Micros>>> backlog();

    const WebhookOptions& options() const { return options_; }

private:
    Status check_manager(const Principal& who) const;
    Status check_url(const std::string& url) const;
    Status check_overlap(std::optional<Micros> overlap) const;
    Result<Endpoint> find(db::Connection& c, const Principal& who, const WebhookId& id);
    void wake() const;

    db::Database& db_;
    Clock& clock_;
    std::string secret_;
    WebhookOptions options_;
    std::function<void()> wake_;
};

}  // namespace ujumbe::webhooks
