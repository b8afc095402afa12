#include <utility>  // before Asio (g++ 12)

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "app/commands.h"
#include "app/runtime.h"
#include "app/usage.h"
#include "billing/routes.h"
#include "billing/service.h"
#include "channels/builtin_kinds.h"
#include "contacts/importer.h"
#include "contacts/routes.h"
#include "contacts/service.h"
#include "core/log.h"
#include "http/envelope.h"
#include "http/idempotency.h"
#include "http/rate_limit.h"
#include "http/server.h"
#include "identity/file_outbox.h"
#include "identity/routes.h"
#include "identity/service.h"
#include "messaging/committer.h"
#include "messaging/pipeline.h"
#include "messaging/routes.h"
#include "messaging/service.h"
#include "routing/registry.h"
#include "routing/routes.h"
#include "routing/service.h"

namespace ujumbe::app {

namespace {

void add_health_routes(http::Router& router, db::Database& db) {
    router.add(http::Method::kGet, "/healthz",
               [](http::RequestContext&, const http::Request&) -> Result<http::Response> {
                   return http::ok({{"status", "ok"}});
               },
               {.authenticated = false, .on_db_thread = false});
    router.add(http::Method::kGet, "/readyz",
               [&db](http::RequestContext&, const http::Request&) -> Result<http::Response> {
                   auto probe = db.read([](db::Connection& c) { return c.query("SELECT 1"); });
                   if (!probe) return Error::unavailable("database unreachable");
                   return http::ok({{"status", "ready"}});
               },
               {.authenticated = false});
}

// The rate class of every route, decided in one place: sign-in and
// registration by client address, single and bulk sends on their own, health
// checks never limited, the rest under the default class.
void assign_rate_classes(http::Router& router) {
    router.adjust([](http::Route& r) {
        using http::RateClass;
        if (r.pattern.starts_with("/api/v1/auth/"))
            r.options.rate_class = RateClass::kAuth;
        else if (r.method == http::Method::kPost && r.pattern == "/api/v1/messages")
            r.options.rate_class = RateClass::kSend;
        else if (r.method == http::Method::kPost && r.pattern == "/api/v1/messages/bulk")
            r.options.rate_class = RateClass::kBulk;
        else if (!r.pattern.starts_with("/api/"))
            r.options.rate_class = RateClass::kNone;
    });
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

int serve(const Config& config) {
    if (auto s = prepare_data_dir(config); !s) {
        log::error("cannot start", {{"error", s.error().message}});
        return 1;
    }
    auto secret = server_secret(config);
    if (!secret) {
        log::error("cannot start", {{"error", secret.error().message}});
        return 1;
    }
    auto db = open_database(config);
    if (!db) {
        log::error("cannot open the database", {{"error", db.error().message}});
        return 1;
    }
    identity::IdentityOptions identity_options;
    identity_options.server_secret = *secret;
    identity_options.access_ttl_s = config.access_token_ttl_s;
    identity_options.refresh_ttl_s = config.refresh_token_ttl_s;
    identity_options.throttle = {config.login_max_failures, config.login_ip_max_failures,
                                 config.login_window_s * kMicrosPerSecond,
                                 config.login_backoff_max_s * kMicrosPerSecond};
    identity_options.registration = {config.register_ip_max, config.register_max,
                                     config.register_window_s * kMicrosPerSecond};
    identity_options.hash_slots = config.password_hash_slots;
    identity_options.hash_wait = Micros{config.password_hash_wait_ms} * 1000;
    identity_options.invitation_ttl = config.invitation_ttl_s * kMicrosPerSecond;
    identity::IdentityService identity(**db, SystemClock::instance(), identity_options);
    // Until SMTP exists, mails are files in <data_dir>/outbox.
    identity::FileOutbox outbox((std::filesystem::path(config.data_dir) / "outbox").string());
    identity.set_mailer(&outbox);
    auto admin = identity.ensure_platform_admin(config.admin_email, config.admin_password);
    if (!admin) {
        log::error("cannot create the platform admin", {{"error", admin.error().message}});
        return 1;
    }
    announce_admin(*admin);

    const std::string spool_dir = (std::filesystem::path(config.data_dir) / "spool").string();
    contacts::ContactsService contacts(**db, SystemClock::instance(), identity, spool_dir);
    contacts::Importer importer(**db, contacts, SystemClock::instance(),
                                {.batch_rows = config.import_batch_rows});
    contacts.on_import_queued([&importer] { importer.wake(); });
    importer.start();

    auto node = node_id(config);
    if (!node) {
        log::error("cannot start", {{"error", node.error().message}});
        return 1;
    }
    // The message pipeline: group-commit writer, live gateways and routes,
    // the dispatcher that sends and records outcomes.
    // Two group-commit writers: acceptance, and the pipeline's claims and
    // outcomes (on PostgreSQL they commit side by side on their own lanes).
    messaging::Committer accepts(**db);
    messaging::Committer committer(**db);
    messaging::Pipeline* pipeline_ptr = nullptr;
    struct Relay final : channels::GatewayListener {
        messaging::Pipeline** pipeline;
        void on_receipt(const channels::ReceiptReport& r) override { (*pipeline)->on_receipt(r); }
        void on_inbound(const channels::InboundReport& r) override { (*pipeline)->on_inbound(r); }
    } relay;
    relay.pipeline = &pipeline_ptr;
    channels::KindRegistry kinds;
    channels::add_builtin_kinds(kinds);
    routing::GatewayRegistry registry(kinds, relay);
    routing::RoutingService routing(**db, SystemClock::instance(), *secret, registry);
    messaging::PipelineOptions pipeline_options;
    pipeline_options.node_id = *node;
    pipeline_options.single_node = (*db)->dialect() == db::Dialect::kSqlite;
    messaging::Pipeline pipeline(**db, SystemClock::instance(), committer, routing, identity,
                                 pipeline_options);
    pipeline_ptr = &pipeline;
    auto routes_loaded =
        config.sandbox_gateway ? routing.ensure_gateway("sandbox") : routing.load();
    if (!routes_loaded) {
        log::error("cannot load gateways", {{"error", routes_loaded.error().message}});
        return 1;
    }
    messaging::MessagingService messaging(**db, SystemClock::instance(), identity, contacts,
                                          accepts, {.default_sender_id = config.default_sender_id});
    billing::BillingService billing(**db, SystemClock::instance(), identity,
                                    {.currency = config.currency,
                                     .trial_credit = parse_money(config.trial_credit).value_or(0),
                                     .refund_undelivered = config.refund_undelivered});
    identity.on_registered([&billing](db::Connection& c, const identity::Account& account) {
        return billing.grant_trial(c, account.id);
    });
    messaging.set_billing(&billing);
    identity.on_member_limit([&billing](const AccountId& account, std::int64_t current) {
        return billing.check_plan_limit(account, "users", current);
    });
    contacts.on_contact_limit([&billing](const AccountId& account, std::int64_t current) {
        return billing.check_plan_limit(account, "contacts", current);
    });
    app::ModuleUsage usage(messaging, identity, contacts);
    billing.set_usage_source(&usage);
    pipeline.on_final_status([&billing](db::Connection& c, const std::vector<std::string>& ids,
                                        const std::string& status) -> Status {
        return billing.finished(c, ids, status);
    });
    pipeline.on_sent([&billing](db::Connection& c, const std::string& gateway_id,
                                const std::vector<const messaging::Message*>& sent) {
        std::vector<billing::CostQuery> queries;
        queries.reserve(sent.size());
        for (const auto* m : sent) queries.push_back({m->id, m->channel, m->to, m->segments});
        return billing.gateway_costs(c, gateway_id, queries);
    });
    messaging.set_dispatch(&pipeline);
    pipeline.on_inbound_message([&contacts](db::Connection& c, const AccountId& account,
                                            const std::string& from, const std::string& text) {
        return contacts.apply_keyword(c, account, from, text);
    });
    pipeline.start();

    http::Router router;
    add_health_routes(router, **db);
    identity::add_routes(router, identity);
    contacts::add_routes(router, contacts, config.max_import_bytes);
    messaging::add_routes(router, messaging);
    routing::add_routes(router, routing);
    billing::add_routes(router, billing);
    assign_rate_classes(router);
    identity::Authenticator authenticator(identity);
    http::IdempotencyKeys idempotency(**db, SystemClock::instance(), *secret);
    const http::RateLimits default_limits{config.rate_limit_auth, config.rate_limit_send,
                                          config.rate_limit_bulk, config.rate_limit_default};
    // An account's plan may set its own limits, class by class.
    http::RateLimiter limiter(
        SystemClock::instance(), default_limits,
        [&billing, default_limits](const std::string& account) -> std::optional<http::RateLimits> {
            auto plan = billing.active_plan(AccountId{account});
            if (!plan || !*plan) return std::nullopt;
            http::RateLimits limits = default_limits;
            for (std::size_t i = 0; i < limits.size(); ++i)
                limits[i] = (*plan)->rate_limits[i].value_or(limits[i]);
            return limits;
        });
    http::Dispatcher dispatcher(router, authenticator, &idempotency, &limiter);

    const int threads = config.threads > 0
                            ? config.threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    // One io_context per I/O thread: no strands, no contention between threads.
    std::vector<std::unique_ptr<boost::asio::io_context>> contexts;
    std::vector<boost::asio::io_context*> context_ptrs;
    for (int i = 0; i < threads; ++i) {
        contexts.push_back(std::make_unique<boost::asio::io_context>(1));
        context_ptrs.push_back(contexts.back().get());
    }
    boost::asio::io_context& io = *contexts.front();
    http::ServerOptions server_options;
    server_options.max_body_bytes = config.max_body_bytes;
    server_options.header_timeout = std::chrono::seconds(config.header_timeout_s);
    server_options.idle_timeout = std::chrono::seconds(config.idle_timeout_s);
    server_options.body_min_rate = config.body_min_rate;
    server_options.body_grace = std::chrono::seconds(config.body_grace_s);
    server_options.max_connections = config.max_connections;
    server_options.max_connections_per_address = config.max_connections_per_address;
    server_options.max_uploads = config.max_uploads;
    server_options.max_uploads_per_account = config.max_uploads_per_account;
    server_options.spool_dir = spool_dir;
    http::Server server(context_ptrs, dispatcher, **db, server_options);
    auto port = server.listen(config.listen);
    if (!port) {
        log::error("cannot listen", {{"error", port.error().message}});
        return 1;
    }
    const std::string host = config.listen.substr(0, config.listen.rfind(':'));
    const std::string bound = host + ":" + std::to_string(*port);
    std::ofstream(std::filesystem::path(config.data_dir) / "listen.addr") << bound;
    log::info("listening", {{"address", bound}, {"threads", threads}});

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        log::info("shutting down", {{"signal", signal}});
        server.shutdown(std::chrono::seconds(10), [&contexts] {
            for (auto& c : contexts) c->stop();
        });
    });

    // Idle contexts must keep running until shutdown stops them.
    std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guards;
    for (auto& c : contexts) guards.push_back(boost::asio::make_work_guard(*c));
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([c = contexts[i].get()] { c->run(); });
    io.run();
    for (auto& t : pool) t.join();
    pipeline.stop();
    registry.stop();  // no more outcomes or receipts
    committer.stop();
    accepts.stop();
    importer.stop();
    (*db)->stop();
    log::info("stopped");
    return 0;
}

int migrate(const Config& config) {
    if (auto s = prepare_data_dir(config); !s) {
        log::error("cannot migrate", {{"error", s.error().message}});
        return 1;
    }
    auto db = open_database(config);
    if (!db) {
        log::error("migration failed", {{"error", db.error().message}});
        return 1;
    }
    (*db)->stop();
    return 0;
}

}  // namespace ujumbe::app
