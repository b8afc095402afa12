#pragma once
// Every module of the server, built and connected in one place. Each module
// declares the ports it needs (identity/ports.h, contacts/ports.h,
// billing/ports.h, messaging/ports.h, channels::GatewayListener); Modules
// builds the modules in the order of their layers and gives each its ports.
// A port that points up the layers (identity asking billing about plan
// limits, a gateway reporting a receipt to the pipeline) is answered by
// app::Wiring, which reaches the module above only when asked, once every
// module is built.

#include <memory>
#include <string>

#include "analytics/reports.h"
#include "analytics/service.h"
#include "app/keyword_replies.h"
#include "app/plan_retention.h"
#include "app/system_mail.h"
#include "app/wiring.h"
#include "billing/renewals.h"
#include "billing/service.h"
#include "campaigns/runner.h"
#include "campaigns/send_templates.h"
#include "campaigns/service.h"
#include "channels/kind.h"
#include "channels/whatsapp_cloud/graph.h"
#include "contacts/importer.h"
#include "contacts/service.h"
#include "contacts/unsubscribe_links.h"
#include "conversations/inbox.h"
#include "conversations/media_fetcher.h"
#include "conversations/service.h"
#include "conversations/webhook_processor.h"
#include "conversations/whatsapp_sending.h"
#include "conversations/whatsapp_templates.h"
#include "core/config.h"
#include "core/metrics.h"
#include "core/result.h"
#include "crm/service.h"
#include "db/database.h"
#include "http/router.h"
#include "identity/file_outbox.h"
#include "identity/routes.h"
#include "identity/service.h"
#include "media/service.h"
#include "messaging/committer.h"
#include "messaging/email_channel.h"
#include "messaging/pipeline.h"
#include "messaging/retention.h"
#include "messaging/rollup_folder.h"
#include "messaging/service.h"
#include "realtime/hub.h"
#include "realtime/pg_listener.h"
#include "realtime/publisher.h"
#include "routing/registry.h"
#include "routing/service.h"
#include "smpp_server/deliveries.h"
#include "smpp_server/endpoint.h"
#include "smpp_server/service.h"
#include "webhooks/dispatcher.h"
#include "webhooks/service.h"

namespace ujumbe::app {

// The identity and billing modules' options from the configuration (also
// for `ujumbe admin`, which builds those modules alone).
identity::IdentityOptions identity_options(const Config& config, const std::string& secret);
billing::BillingOptions billing_options(const Config& config);

// The server's retention defaults (0 days: kept).
messaging::RetentionOptions retention_options(const Config& config);

class Modules {
public:
    // `secret` seals stored credentials and signs tokens; `node` owns this
    // node's queue leases.
    Modules(const Config& config, db::Database& db, const std::string& secret,
            const std::string& node);
    ~Modules();
    Modules(const Modules&) = delete;
    Modules& operator=(const Modules&) = delete;

    // The platform admin, the gateways and routes (or the sandbox gateway
    // alone), then the import runner, the pipeline and the SMPP server.
    Status start();
    // Stops whatever start() started, and the writers; idempotent.
    void stop();
    // Every module's HTTP routes.
    void add_routes(http::Router& router);

    identity::IdentityService& identity() { return identity_; }
    // The SMPP server's port, 0 when it is off.
    std::uint16_t smpp_port() const { return smpp_endpoint_ ? smpp_endpoint_->port() : 0; }
    // The SMPP server's TLS credentials (null without smpp_tls_cert_file).
    TlsCredentials* smpp_tls() const { return smpp_tls_.get(); }
    billing::BillingService& billing() { return billing_; }
    messaging::Pipeline::Health pipeline_health() const { return pipeline_.health(); }
    std::size_t realtime_clients() const { return realtime_hub_.clients(); }
    analytics::RequestLog& request_log() { return request_log_; }
    // The gauges /metrics reads from the modules at each scrape
    // (docs/metrics.md), while the handles live.
    std::vector<metrics::Registry::Source> watch_metrics();

private:
    friend class Wiring;

    const Config& config_;
    db::Database& db_;
    Wiring wiring_;
    identity::FileOutbox outbox_;  // system mail without a relay
    identity::IdentityService identity_;
    contacts::ContactsService contacts_;
    contacts::Importer importer_;
    billing::BillingService billing_;
    // Two group-commit writers: acceptance, and the pipeline's claims and
    // outcomes (on PostgreSQL they commit side by side on their own lanes).
    messaging::Committer accepts_;
    messaging::Committer committer_;
    channels::KindRegistry kinds_;
    routing::GatewayRegistry registry_;
    SystemMail system_mail_;  // through the `system` gateway, else the outbox
    routing::RoutingService routing_;
    messaging::Pipeline pipeline_;
    contacts::UnsubscribeLinks unsubscribe_links_;
    messaging::EmailChannel email_channel_;
    campaigns::SendTemplates send_templates_;  // sends naming a template
    messaging::MessagingService messaging_;
    messaging::RollupFolder rollup_folder_;
    PlanRetention plan_retention_;
    messaging::Retention retention_;
    smpp_server::SmppAccountsService smpp_accounts_;
    smpp_server::Deliveries smpp_deliveries_;
    // The SMPP server, when UJUMBE_SMPP_LISTEN is set.
    std::shared_ptr<TlsCredentials> smpp_tls_;
    std::unique_ptr<smpp_server::Endpoint> smpp_endpoint_;
    webhooks::Dispatcher webhook_dispatcher_;
    webhooks::WebhookService webhooks_;
    billing::PlanRenewals plan_renewals_;
    campaigns::Runner campaign_runner_;
    campaigns::CampaignService campaigns_;
    // The realtime feed: this node's clients; events published to every
    // node's (on PostgreSQL through LISTEN/NOTIFY, heard by the listener).
    realtime::Hub realtime_hub_;
    realtime::Publisher realtime_publisher_;
    std::unique_ptr<realtime::PgListener> realtime_listener_;
    identity::Authenticator authenticator_;  // a WebSocket's credentials
    const std::string secret_;
    channels::whatsapp::GraphClient whatsapp_graph_;  // on the gateways' io_context
    // Media: files under <data dir>/media, signed URLs, received files fetched.
    media::MediaFiles media_files_;
    media::MediaUrls media_urls_;
    media::MediaService media_;
    conversations::MediaFetcher media_fetcher_;
    conversations::Inbox inbox_;
    conversations::WebhookProcessor whatsapp_processor_;
    conversations::WhatsAppSending whatsapp_sending_;
    conversations::WhatsAppTemplates whatsapp_templates_;
    conversations::WhatsAppChannels whatsapp_channels_;
    KeywordReplies keyword_replies_;
    crm::Notifications crm_notifications_;
    crm::CrmService crm_;
    // The API request log: the HTTP server hands it a line per request.
    analytics::RequestLog request_log_;
    analytics::AnalyticsService analytics_;
    analytics::Reports reports_;
    bool stopped_ = false;
};

}  // namespace ujumbe::app
