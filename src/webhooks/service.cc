#include "webhooks/service.h"

#include "core/crypto.h"
#include "core/ids.h"
#include "webhooks/destination.h"
#include "webhooks/payload.h"
#include "webhooks/signing.h"
#include "webhooks/store.h"

namespace ujumbe::webhooks {

namespace {

// `secret` sealed with `server_secret` as the current one; the old current
// one signs beside it for `keep` (0: not at all).
store::SealedSecrets rotated(const std::string& server_secret,
                             const std::optional<store::SealedSecrets>& old,
                             const std::string& secret, Micros keep, Micros now) {
    store::SealedSecrets s{seal_secret(server_secret, secret), std::nullopt, std::nullopt};
    if (keep > 0 && old) {
        s.previous = old->secret;
        s.previous_until = now + keep;
    }
    return s;
}

}  // namespace

WebhookService::WebhookService(db::Database& db, Clock& clock, std::string secret,
                               WebhookOptions options, std::function<void()> wake)
    : db_(db),
      clock_(clock),
      secret_(std::move(secret)),
      options_(options),
      wake_(std::move(wake)) {}

Status WebhookService::check_manager(const Principal& who) const {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins manage webhooks");
    return {};
}

Status WebhookService::check_url(const std::string& url) const {
    if (auto problem = destination_problem(url, options_.allow_private))
        return Error::invalid("url", *problem);
    return {};
}

Status WebhookService::check_overlap(std::optional<Micros> overlap) const {
    if (overlap && (*overlap < 0 || *overlap > options_.max_overlap))
        return Error::invalid(
            "overlap_s", "Must be between 0 and " +
                             std::to_string(options_.max_overlap / kMicrosPerSecond) + " seconds.");
    return {};
}

void WebhookService::wake() const {
    if (wake_) wake_();
}

Result<Endpoint> WebhookService::find(db::Connection& c, const Principal& who,
                                      const WebhookId& id) {
    UJ_ASSIGN(auto found, store::find_endpoint(c, who.account_id, id));
    if (!found) return Error::not_found("Webhook");
    return std::move(*found);
}

Result<IssuedSecret> WebhookService::create(const Principal& who, const EndpointInput& in) {
    UJ_TRY(check_manager(who));
    UJ_TRY(check_url(*in.url));
    const Micros now = clock_.now();
    Endpoint e;
    e.id = WebhookId{new_uuid_v7(now)};
    e.account_id = who.account_id;
    e.url = *in.url;
    e.events = *in.events;
    if (in.description) e.description = *in.description;
    e.enabled = in.enabled.value_or(true);
    e.created_at = e.updated_at = now;
    const std::string secret = new_secret();
    UJ_TRY(db_.write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto count, store::count_endpoints(c, who.account_id));
        if (count >= options_.max_endpoints)
            return Error::conflict(
                "WEBHOOK_LIMIT_REACHED",
                "An account has at most " + std::to_string(options_.max_endpoints) + " webhooks.");
        return store::insert_endpoint(c, e, seal_secret(secret_, secret));
    }));
    return IssuedSecret{std::move(e), secret};
}

Result<db::Listing<Endpoint>> WebhookService::list(const Principal& who, db::Paged page) {
    return db_.read(
        [&](db::Connection& c) { return store::list_endpoints(c, who.account_id, page); });
}

Result<Endpoint> WebhookService::get(const Principal& who, const WebhookId& id) {
    return db_.read([&](db::Connection& c) { return find(c, who, id); });
}

Result<Endpoint> WebhookService::update(const Principal& who, const WebhookId& id,
                                        const EndpointInput& in) {
    UJ_TRY(check_manager(who));
    if (in.url) UJ_TRY(check_url(*in.url));
    return db_.write([&](db::Connection& c) -> Result<Endpoint> {
        UJ_ASSIGN(auto e, find(c, who, id));
        if (in.url) e.url = *in.url;
        if (in.events) e.events = *in.events;
        if (in.description) e.description = *in.description;
        if (in.enabled) {
            // Enabled again by hand: its failures so far no longer count.
            if (*in.enabled && !e.enabled) {
                e.failing_since.reset();
                e.disabled_reason.reset();
            }
            e.enabled = *in.enabled;
        }
        e.updated_at = clock_.now();
        UJ_TRY(store::update_endpoint(c, e));
        return e;
    });
}

Status WebhookService::remove(const Principal& who, const WebhookId& id) {
    UJ_TRY(check_manager(who));
    return db_.write([&](db::Connection& c) -> Status {
        UJ_TRY(find(c, who, id));
        return store::delete_endpoint(c, who.account_id, id);
    });
}

Result<IssuedSecret> WebhookService::rotate_secret(const Principal& who, const WebhookId& id,
                                                   std::optional<Micros> overlap) {
    UJ_TRY(check_manager(who));
    UJ_TRY(check_overlap(overlap));
    const std::string secret = new_secret();
    return db_.write([&](db::Connection& c) -> Result<IssuedSecret> {
        UJ_ASSIGN(auto e, find(c, who, id));
        UJ_ASSIGN(auto old, store::endpoint_secrets(c, id));
        const Micros now = clock_.now();
        const auto s =
            rotated(secret_, old, secret, overlap.value_or(options_.default_overlap), now);
        e.updated_at = now;
        e.secret_rotated_at = now;
        e.previous_until = s.previous_until;
        UJ_TRY(store::rotate_endpoint_secret(c, e, s));
        return IssuedSecret{std::move(e), secret};
    });
}

Result<RotatedSecret> WebhookService::rotate_callback_secret(const Principal& who,
                                                             std::optional<Micros> overlap) {
    UJ_TRY(check_manager(who));
    UJ_TRY(check_overlap(overlap));
    const std::string secret = new_secret();
    return db_.write([&](db::Connection& c) -> Result<RotatedSecret> {
        UJ_ASSIGN(auto old, store::callback_secrets(c, who.account_id));
        const Micros now = clock_.now();
        const auto s =
            rotated(secret_, old, secret, overlap.value_or(options_.default_overlap), now);
        UJ_TRY(store::put_callback_secrets(c, who.account_id, s, now));
        return RotatedSecret{secret, s.previous_until};
    });
}

Result<Delivery> WebhookService::test(const Principal& who, const WebhookId& id) {
    UJ_TRY(check_manager(who));
    auto made = db_.write([&](db::Connection& c) -> Result<Delivery> {
        UJ_ASSIGN(auto e, find(c, who, id));
        const Micros now = clock_.now();
        Delivery d;
        d.id = DeliveryId{new_uuid_v7(now)};
        d.account_id = who.account_id;
        d.webhook_id = e.id;
        d.url = e.url;
        d.event_id = new_uuid_v7(now);
        d.event_type = std::string(kPing);
        d.body = event_body(d.event_id, kPing, now, who.account_id,
                            {{"webhook", {{"id", e.id.value}, {"url", e.url}}}});
        d.next_attempt_at = now;
        d.created_at = d.updated_at = now;
        UJ_TRY(store::insert_deliveries(c, {d}, {e.id.value}));
        return d;
    });
    if (made) wake();
    return made;
}

Result<db::WindowListing<Delivery>> WebhookService::deliveries(const Principal& who,
                                                               const WebhookId& id,
                                                               std::optional<DeliveryStatus> status,
                                                               const db::Window& window) {
    return db_.read([&](db::Connection& c) -> Result<db::WindowListing<Delivery>> {
        UJ_TRY(find(c, who, id));
        return store::list_deliveries(c, who.account_id, id, status, window);
    });
}

Result<Delivery> WebhookService::delivery(const Principal& who, const WebhookId& id,
                                          const DeliveryId& delivery_id) {
    UJ_ASSIGN(auto found, db_.read([&](db::Connection& c) {
        return store::find_delivery(c, who.account_id, id, delivery_id);
    }));
    if (!found) return Error::not_found("Delivery");
    return std::move(*found);
}

Result<Delivery> WebhookService::redeliver(const Principal& who, const WebhookId& id,
                                           const DeliveryId& delivery_id) {
    UJ_TRY(check_manager(who));
    auto again = db_.write([&](db::Connection& c) -> Result<Delivery> {
        UJ_ASSIGN(auto found, store::find_delivery(c, who.account_id, id, delivery_id));
        if (!found) return Error::not_found("Delivery");
        const Micros now = clock_.now();
        UJ_TRY(store::redeliver(c, delivery_id, now));
        found->status = DeliveryStatus::kPending;
        found->next_attempt_at = now;
        found->updated_at = now;
        return std::move(*found);
    });
    if (again) wake();
    return again;
}

Result<std::pair<std::int64_t, std::optional<Micros>>> WebhookService::backlog() {
    return db_.read([](db::Connection& c) { return store::backlog(c); });
}

}  // namespace ujumbe::webhooks
