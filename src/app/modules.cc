#include "app/modules.h"

#include <filesystem>
#include <iostream>

#include "analytics/report_routes.h"
#include "analytics/request_log_routes.h"
#include "analytics/routes.h"
#include "billing/routes.h"
#include "campaigns/routes.h"
#include "channels/builtin_kinds.h"
#include "contacts/routes.h"
#include "contacts/unsubscribe_routes.h"
#include "conversations/inbox_routes.h"
#include "conversations/routes.h"
#include "conversations/template_routes.h"
#include "core/log.h"
#include "core/money.h"
#include "core/tls.h"
#include "crm/routes.h"
#include "identity/routes.h"
#include "media/routes.h"
#include "messaging/retention_routes.h"
#include "messaging/routes.h"
#include "realtime/routes.h"
#include "routing/routes.h"
#include "smpp_server/routes.h"
#include "webhooks/routes.h"

namespace ujumbe::app {

messaging::RetentionOptions retention_options(const Config& config) {
    const auto days = [](std::int64_t d) { return d > 0 ? std::optional(d) : std::nullopt; };
    return {.defaults = {days(config.body_retention_days), days(config.message_retention_days)}};
}

namespace {

std::string data_path(const Config& config, const char* name) {
    return (std::filesystem::path(config.data_dir) / name).string();
}

// What a multipart upload adds to its file: boundaries, headers, fields.
constexpr std::uint64_t kMediaFormBytes = 64 * 1024;

channels::whatsapp::GraphOptions graph_options(const Config& config) {
    return {.base_url = config.whatsapp_graph_url,
            .version = config.whatsapp_graph_version,
            .max_download_bytes = config.max_media_bytes};
}

channels::KindRegistry builtin_kinds() {
    channels::KindRegistry kinds;
    channels::add_builtin_kinds(kinds);
    return kinds;
}

messaging::PipelineOptions pipeline_options(const Config& config, const db::Database& db,
                                            const std::string& node) {
    messaging::PipelineOptions o;
    o.node_id = node;
    o.single_node = db.dialect() == db::Dialect::kSqlite;
    o.receipt_timeout = config.receipt_timeout_s * kMicrosPerSecond;
    o.guard_every = std::min<Micros>(60, config.receipt_timeout_s) * kMicrosPerSecond;
    return o;
}

webhooks::DispatcherOptions dispatcher_options(const Config& config, const std::string& node) {
    webhooks::DispatcherOptions o;
    o.node_id = node;
    o.allow_private = config.webhook_allow_private;
    o.timeout = config.webhook_timeout_ms * 1000;
    o.connect_timeout = std::min<Micros>(3 * kMicrosPerSecond, o.timeout);
    o.concurrency = config.webhook_concurrency;
    o.endpoint_concurrency = config.webhook_endpoint_concurrency;
    o.retry_unit = config.webhook_retry_unit_ms * 1000;
    o.disable_after = config.webhook_disable_after_s * kMicrosPerSecond;
    o.keep = config.webhook_keep_days * 86400 * kMicrosPerSecond;
    o.poll = config.webhook_poll_ms * 1000;
    return o;
}

campaigns::RunnerOptions runner_options(const Config& config, const std::string& node) {
    campaigns::RunnerOptions o;
    o.node_id = node;
    o.batch = config.campaign_batch;
    o.waiting = config.campaign_waiting;
    o.account_per_second = config.campaign_account_mps;
    o.retry = config.campaign_retry_s * kMicrosPerSecond;
    o.balance_wait = config.campaign_balance_wait_s * kMicrosPerSecond;
    return o;
}

void announce_admin(const identity::BootstrapResult& admin) {
    if (!admin.created) return;
    log::info("platform admin created", {{"email", admin.email}});
    if (admin.generated_password)
        std::cerr << "\n  Platform admin: " << admin.email
                  << "\n  One-time password: " << *admin.generated_password
                  << "\n  (shown once; set UJUMBE_ADMIN_PASSWORD to choose it)\n\n"
                  << std::flush;
}

}  // namespace

identity::IdentityOptions identity_options(const Config& config, const std::string& secret) {
    identity::IdentityOptions o;
    o.server_secret = secret;
    o.access_ttl_s = config.access_token_ttl_s;
    o.refresh_ttl_s = config.refresh_token_ttl_s;
    o.throttle = {config.login_max_failures, config.login_ip_max_failures,
                  config.login_window_s * kMicrosPerSecond,
                  config.login_backoff_max_s * kMicrosPerSecond};
    o.registration = {config.register_ip_max, config.register_max,
                      config.register_window_s * kMicrosPerSecond};
    o.hash_slots = config.password_hash_slots;
    o.hash_wait = Micros{config.password_hash_wait_ms} * 1000;
    o.invitation_ttl = config.invitation_ttl_s * kMicrosPerSecond;
    o.public_url = config.public_url;
    o.require_email_verification = config.require_email_verification;
    while (o.public_url.ends_with('/')) o.public_url.pop_back();
    return o;
}

billing::BillingOptions billing_options(const Config& config) {
    return {.currency = config.currency,
            .trial_credit = parse_money(config.trial_credit).value_or(0),
            .refund_undelivered = config.refund_undelivered,
            .plan_retry = config.plan_retry_s * kMicrosPerSecond,
            .plan_grace = config.plan_grace_s * kMicrosPerSecond};
}

Modules::Modules(const Config& config, db::Database& db, const std::string& secret,
                 const std::string& node)
    : config_(config),
      db_(db),
      wiring_(*this),
      outbox_(data_path(config, "outbox")),
      identity_(db, SystemClock::instance(), identity_options(config, secret),
                {.mailer = &system_mail_, .accounts = &wiring_}),
      contacts_(db, SystemClock::instance(), identity_, data_path(config, "spool"),
                {.limits = &wiring_, .imports = &wiring_}),
      importer_(db, contacts_, SystemClock::instance(), {.batch_rows = config.import_batch_rows}),
      billing_(db, SystemClock::instance(), identity_, billing_options(config),
               {.usage = &wiring_}),
      accepts_(db, "accepts"),
      committer_(db, "outcomes"),
      kinds_(builtin_kinds()),
      registry_(kinds_, wiring_),
      system_mail_(registry_, outbox_),
      routing_(db, SystemClock::instance(), secret, registry_),
      pipeline_(db, SystemClock::instance(), committer_, routing_, identity_,
                pipeline_options(config, db, node), &wiring_),
      unsubscribe_links_(secret, config.public_url),
      email_channel_(unsubscribe_links_),
      send_templates_(contacts_),
      messaging_(db, SystemClock::instance(), identity_, contacts_, accepts_,
                 {.default_sender_id = config.default_sender_id,
                  .allow_private_callbacks = config.webhook_allow_private},
                 {.dispatch = &pipeline_,
                  .billing = &billing_,
                  .hooks = &wiring_,
                  .channels = {{"whatsapp", &wiring_}, {"email", &email_channel_}},
                  .templates = &send_templates_}),
      rollup_folder_(db),
      plan_retention_(db),
      retention_(db, SystemClock::instance(), retention_options(config), &plan_retention_),
      smpp_accounts_(
          db, SystemClock::instance(), secret,
          [this](const AccountId& id) {
              auto account = identity_.account_by_id(id);
              return account && account->status == "active";
          },
          [this](const smpp_server::SmppAccountId& id) {
              if (smpp_endpoint_) smpp_endpoint_->drop_sessions(id);
          }),
      smpp_deliveries_(db, SystemClock::instance(), node,
                       {.max_age = config.smpp_delivery_max_age_s * kMicrosPerSecond}),
      webhook_dispatcher_(db, SystemClock::instance(), secret, dispatcher_options(config, node)),
      webhooks_(db, SystemClock::instance(), secret,
                {.allow_private = config.webhook_allow_private},
                [this] { webhook_dispatcher_.wake(); }),
      plan_renewals_(db, SystemClock::instance(), billing_options(config)),
      campaign_runner_(db, SystemClock::instance(), contacts_, messaging_, &billing_,
                       runner_options(config, node), &plan_renewals_),
      campaigns_(db, SystemClock::instance(), identity_, contacts_, messaging_, &billing_,
                 [this] { campaign_runner_.wake(); }),
      realtime_publisher_(db, SystemClock::instance(), realtime_hub_, {.node_id = node}),
      authenticator_(identity_),
      secret_(secret),
      whatsapp_graph_(registry_.io(), graph_options(config)),
      // Absolute: gateways open the files from wherever they run.
      media_files_(std::filesystem::absolute(data_path(config, "media")).string()),
      media_urls_(secret, config.public_url, config.media_url_ttl_s * kMicrosPerSecond),
      media_(db, SystemClock::instance(), media_files_, media_urls_,
             {.max_bytes = config.max_media_bytes, .account_bytes = config.media_account_bytes}),
      media_fetcher_(db, media_, secret, whatsapp_graph_),
      inbox_(db, SystemClock::instance(), identity_, contacts_, messaging_, &realtime_publisher_),
      whatsapp_processor_(db, SystemClock::instance(), &wiring_, [this] { media_fetcher_.wake(); }),
      whatsapp_sending_(db, SystemClock::instance(), secret, routing_, graph_options(config),
                        media_files_),
      whatsapp_templates_(db, SystemClock::instance(), secret, whatsapp_graph_),
      whatsapp_channels_(
          db, SystemClock::instance(), secret, whatsapp_graph_,
          [this] { whatsapp_processor_.wake(); }, [this] { whatsapp_sending_.changed(); }),
      keyword_replies_(messaging_),
      crm_notifications_(db, SystemClock::instance(), messaging_, campaigns_),
      crm_(db, SystemClock::instance(), contacts_, &messaging_, &crm_notifications_,
           config.currency),
      request_log_(db, SystemClock::instance(), config.request_log_days,
                   config.request_log_prune_s * kMicrosPerSecond),
      analytics_(SystemClock::instance(), {.identity = identity_,
                                           .messaging = messaging_,
                                           .billing = billing_,
                                           .contacts = contacts_,
                                           .campaigns = campaigns_,
                                           .inbox = inbox_,
                                           .media = media_,
                                           .requests = request_log_}),
      reports_(db, SystemClock::instance(),
               {.analytics = analytics_,
                .identity = identity_,
                .messaging = messaging_,
                .billing = billing_,
                .routing = routing_}) {}

Modules::~Modules() {
    stop();
}

Status Modules::start() {
    auto admin = identity_.ensure_platform_admin(config_.admin_email, config_.admin_password);
    if (!admin)
        return Error::internal("cannot create the platform admin: " + admin.error().message);
    announce_admin(*admin);
    auto loaded = config_.sandbox_gateway ? routing_.ensure_gateway("sandbox") : routing_.load();
    if (!loaded) return Error::internal("cannot load gateways: " + loaded.error().message);
    importer_.start();
    pipeline_.start();
    rollup_folder_.start();
    retention_.start();
    webhook_dispatcher_.start();
    campaign_runner_.start();
    whatsapp_processor_.start();
    media_fetcher_.start();
    whatsapp_sending_.start();
    keyword_replies_.start();
    realtime_publisher_.start();
    reports_.start();
    if (db_.dialect() == db::Dialect::kPostgres) {
        realtime_listener_ =
            std::make_unique<realtime::PgListener>(config_.effective_database_url(), realtime_hub_);
        realtime_listener_->start();
    }
    if (!config_.smpp_listen.empty()) {
        smpp_server::EndpointOptions options;
        UJ_TRY(smpp_server::parse_listen(config_.smpp_listen, options));
        if (!config_.smpp_tls_cert_file.empty()) {
            smpp_tls_ = std::make_shared<TlsCredentials>(config_.smpp_tls_cert_file,
                                                         config_.smpp_tls_key_file, "smpp_tls");
            UJ_TRY(smpp_tls_->load());
            options.tls = smpp_tls_;
        }
        smpp_endpoint_ = std::make_unique<smpp_server::Endpoint>(
            options, SystemClock::instance(), smpp_accounts_, messaging_, smpp_deliveries_);
        UJ_TRY(smpp_endpoint_->start());
    }
    return {};
}

void Modules::stop() {
    if (stopped_) return;
    stopped_ = true;
    request_log_.stop();
    if (smpp_endpoint_) smpp_endpoint_->stop();  // no more submits
    reports_.stop();
    campaign_runner_.stop();
    whatsapp_processor_.stop();
    media_fetcher_.stop();
    whatsapp_sending_.stop();
    keyword_replies_.stop();
    realtime_publisher_.stop();
    if (realtime_listener_) realtime_listener_->stop();
    webhook_dispatcher_.stop();
    pipeline_.stop();
    rollup_folder_.stop();
    retention_.stop();
    registry_.stop();  // no more outcomes or receipts
    routing_.stop();
    committer_.stop();
    accepts_.stop();
    importer_.stop();
}

void Modules::add_routes(http::Router& router) {
    identity::add_routes(router, identity_);
    contacts::add_routes(router, contacts_, config_.max_import_bytes);
    contacts::add_unsubscribe_routes(router, contacts_, unsubscribe_links_);
    messaging::add_retention_routes(router, retention_);  // before /messages/{id}
    messaging::add_routes(router, messaging_);
    routing::add_routes(router, routing_);
    billing::add_routes(router, billing_);
    smpp_server::add_routes(router, smpp_accounts_);
    webhooks::add_routes(router, webhooks_);
    campaigns::add_routes(router, campaigns_);
    crm::add_routes(router, crm_, crm_notifications_, SystemClock::instance());
    analytics::add_routes(router, analytics_);
    analytics::add_request_log_routes(router, request_log_);
    analytics::add_report_routes(router, reports_);
    conversations::add_routes(router, whatsapp_channels_);
    conversations::add_inbox_routes(router, inbox_);
    conversations::add_template_routes(router, whatsapp_templates_);
    media::add_routes(router, media_, config_.max_media_bytes + kMediaFormBytes);
    realtime::add_routes(router, {.hub = realtime_hub_,
                                  .publisher = realtime_publisher_,
                                  .clock = SystemClock::instance(),
                                  .secret = secret_,
                                  .authenticator = authenticator_,
                                  .limited = [this](const AccountId& account, Role role) {
                                      return inbox_.limited(account, role);
                                  }});
}

namespace {

// A gateway status field as a metric: its name, type and help. Fields a
// kind does not report are not written.
struct GatewayField {
    const char* field;
    const char* metric;
    const char* type;
    const char* help;
};
constexpr GatewayField kGatewayFields[] = {
    {"bound_sessions", "ujumbe_gateway_bound_sessions", "gauge", "SMPP sessions bound now."},
    {"window_in_use", "ujumbe_gateway_window_in_use", "gauge",
     "Submits awaiting their answer now."},
    {"window_size", "ujumbe_gateway_window_size", "gauge", "Submits that may await an answer."},
    {"current_tps", "ujumbe_gateway_tps", "gauge", "Parts submitted in the last second."},
    {"parts_submitted", "ujumbe_gateway_parts_submitted_total", "counter",
     "Parts submitted since the gateway started."},
    {"parts_failed", "ujumbe_gateway_parts_failed_total", "counter",
     "Parts refused since the gateway started."},
    {"receipts_received", "ujumbe_gateway_receipts_total", "counter",
     "Delivery receipts received since the gateway started."},
    {"requests", "ujumbe_gateway_requests_total", "counter",
     "Requests made since the gateway started."},
    {"refused", "ujumbe_gateway_refused_total", "counter",
     "Requests refused since the gateway started."},
    {"unanswered", "ujumbe_gateway_unanswered_total", "counter",
     "Requests that got no answer since the gateway started."},
};

double age_seconds(const std::optional<Micros>& since) {
    if (!since) return 0;
    return std::max<double>(0, static_cast<double>(SystemClock::instance().now() - *since) / 1e6);
}

}  // namespace

std::vector<metrics::Registry::Source> Modules::watch_metrics() {
    auto& registry = metrics::Registry::global();
    std::vector<metrics::Registry::Source> out;
    out.push_back(registry.add_source([this](metrics::Sampler& s) {
        const auto health = pipeline_.health();
        s.declare("ujumbe_pipeline_in_flight", "gauge", "Messages handed to gateways, unanswered.");
        s.sample("ujumbe_pipeline_in_flight", {}, static_cast<double>(health.in_flight));
        s.declare("ujumbe_pipeline_outcomes_waiting", "gauge",
                  "Gateway answers and receipts waiting to be written.");
        s.sample("ujumbe_pipeline_outcomes_waiting", {},
                 static_cast<double>(health.outcomes_waiting));
        s.declare("ujumbe_realtime_clients", "gauge", "WebSocket clients of the realtime feed.");
        s.sample("ujumbe_realtime_clients", {}, static_cast<double>(realtime_hub_.clients()));
    }));
    out.push_back(registry.add_source([this](metrics::Sampler& s) {
        if (auto q = messaging_.queue_depth()) {
            s.declare("ujumbe_queue_due_messages", "gauge",
                      "Messages in the queue due to be sent now (every node's).");
            s.sample("ujumbe_queue_due_messages", {}, static_cast<double>(q->due));
            s.declare("ujumbe_queue_oldest_due_age_seconds", "gauge",
                      "How long the oldest due message has waited.");
            s.sample("ujumbe_queue_oldest_due_age_seconds", {}, age_seconds(q->oldest_due_at));
        }
        if (auto w = webhooks_.backlog()) {
            s.declare("ujumbe_webhook_backlog_deliveries", "gauge",
                      "Webhook deliveries not yet done.");
            s.sample("ujumbe_webhook_backlog_deliveries", {}, static_cast<double>(w->first));
            s.declare("ujumbe_webhook_backlog_oldest_age_seconds", "gauge",
                      "Age of the oldest webhook delivery not yet done.");
            s.sample("ujumbe_webhook_backlog_oldest_age_seconds", {}, age_seconds(w->second));
        }
        if (auto p = campaigns_.progress()) {
            s.declare("ujumbe_campaigns", "gauge", "Campaigns scheduled, running or paused.");
            for (const char* status : {"scheduled", "running", "paused"}) {
                const auto it = p->by_status.find(status);
                s.sample("ujumbe_campaigns", {{"status", status}},
                         it == p->by_status.end() ? 0.0 : static_cast<double>(it->second));
            }
            s.declare("ujumbe_campaign_recipients", "gauge",
                      "Recipients of the running campaigns: in all, and processed so far.");
            s.sample("ujumbe_campaign_recipients", {{"state", "total"}},
                     static_cast<double>(p->running_recipients));
            s.sample("ujumbe_campaign_recipients", {{"state", "processed"}},
                     static_cast<double>(p->running_processed));
        }
    }));
    out.push_back(registry.add_source([this](metrics::Sampler& s) {
        const auto statuses = registry_.statuses();
        s.declare("ujumbe_gateway_available", "gauge",
                  "Whether the gateway takes messages now (1) or not (0).");
        for (const auto& [name, status] : statuses)
            s.sample("ujumbe_gateway_available",
                     {{"gateway", name}, {"kind", status.value("kind", "")}},
                     status.value("available", false) ? 1.0 : 0.0);
        for (const auto& f : kGatewayFields) {
            bool declared = false;
            for (const auto& [name, status] : statuses) {
                const auto v = status.find(f.field);
                if (v == status.end() || !v->is_number()) continue;
                if (!declared) s.declare(f.metric, f.type, f.help);
                declared = true;
                s.sample(f.metric, {{"gateway", name}, {"kind", status.value("kind", "")}},
                         v->get<double>());
            }
        }
    }));
    return out;
}

}  // namespace ujumbe::app
