#include <utility>  // before Asio (g++ 12)

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>

#include "analytics/request_log.h"
#include "app/api_docs.h"
#include "app/audited_routes.h"
#include "app/commands.h"
#include "app/metrics.h"
#include "app/modules.h"
#include "app/route_errors.h"
#include "app/runtime.h"
#include "app/service_manager.h"
#include "audit/recorder.h"
#include "audit/routes.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/thread_name.h"
#include "core/tls.h"
#include "db/migrations.h"
#include "http/envelope.h"
#include "http/idempotency.h"
#include "http/rate_limit.h"
#include "http/schema.h"
#include "http/server.h"
#include "http/views_support.h"
#include "identity/routes.h"

namespace ujumbe::app {

namespace {

// /readyz: whether this node can take traffic, and what stands in the way:
// the database (reachable), its disk (room for writes) and the pipeline's
// workers (recording outcomes, claiming due messages); and how many realtime
// clients this node holds.
Result<http::Response> readiness(db::Database& db, const messaging::Pipeline::Health& workers,
                                 std::size_t realtime_clients) {
    using json = nlohmann::json;
    // The health figures say 0 for "not stalled".
    auto since = [](Micros micros) {
        return http::time_or_null(micros ? std::optional<Micros>(micros) : std::nullopt);
    };
    const auto probe = db.read([](db::Connection& c) { return c.query("SELECT 1"); });
    const auto health = db.health();
    const bool reachable = static_cast<bool>(probe);
    const bool full = health.fault == db::Database::Fault::kStorageFull;
    const bool stalled = workers.recording_stalled_since || workers.claiming_stalled_since;
    json report = {
        {"database",
         {{"status", reachable ? "ok" : "unreachable"},
          {"since", reachable ? json(nullptr) : since(health.since)}}},
        {"disk",
         {{"status", full ? "full" : "ok"}, {"since", full ? since(health.since) : nullptr}}},
        {"workers",
         {{"status", stalled ? "waiting_for_database" : "ok"},
          {"recording_stalled_since", since(workers.recording_stalled_since)},
          {"claiming_stalled_since", since(workers.claiming_stalled_since)},
          {"outcomes_waiting", workers.outcomes_waiting},
          {"in_flight", workers.in_flight}}},
        {"realtime", {{"clients", realtime_clients}}}};
    if (reachable && !full && !stalled) {
        report["status"] = "ready";
        return http::ok(report);
    }
    Error e = !reachable ? Error::database_unavailable("The database is unreachable.")
              : full     ? Error::storage_full("The database's disk is full.")
                         : Error::database_unavailable("The pipeline waits for the database.");
    e.details = std::move(report);
    return e;
}

// The schema of readiness()'s report: the data of a 200, and the details of
// the 503 or 507 that answers it otherwise.
nlohmann::json readiness_schema() {
    using namespace http::schema;
    return object(
        {{"status", one_of({"ready"})},
         {"database",
          object({{"status", one_of({"ok", "unreachable"})}, {"since", nullable(time())}})},
         {"disk", object({{"status", one_of({"ok", "full"})}, {"since", nullable(time())}})},
         {"workers", object({{"status", one_of({"ok", "waiting_for_database"})},
                             {"recording_stalled_since", nullable(time())},
                             {"claiming_stalled_since", nullable(time())},
                             {"outcomes_waiting", integer()},
                             {"in_flight", integer()}})},
         {"realtime", object({{"clients", integer()}})}});
}

void add_health_routes(http::Router& router, db::Database& db, const Modules& modules) {
    using namespace http::schema;
    router.define_schema("ServerHealth", object({{"status", one_of({"ok"})}}));
    router.define_schema("ServerReadiness", readiness_schema());
    router.add(
        http::Method::kGet, "/healthz",
        [](http::RequestContext&, const http::Request&) -> Result<http::Response> {
            return http::ok({{"status", "ok"}});
        },
        http::documented({.authenticated = false, .on_db_thread = false},
                         {.summary = "Whether the server is up", .response = "ServerHealth"}));
    router.add(
        http::Method::kGet, "/readyz",
        [&db, &modules](http::RequestContext&, const http::Request&) -> Result<http::Response> {
            return readiness(db, modules.pipeline_health(), modules.realtime_clients());
        },
        http::documented({.authenticated = false},
                         {.summary = "Whether this node can take traffic, and what stands in "
                                     "the way",
                          .response = "ServerReadiness"}));
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

}  // namespace

namespace {

// SIGHUP: the configuration read again; the log level changes now, other
// changed settings are named as waiting for the next start.
void reload_settings(const Config& running, const std::function<Result<Config>()>& reload,
                     const std::vector<TlsCredentials*>& listeners) {
    notify_service_manager("RELOADING=1");
    for (TlsCredentials* tls : listeners) {
        if (!tls) continue;
        // A renewed certificate in the same files: new connections get it.
        if (auto loaded = tls->load(); !loaded)
            log::error("TLS certificate not reloaded; the previous one stays in use",
                       {{"error", loaded.error().message}});
        else
            log::warn("TLS certificate reloaded", {{"file", tls->certificate_file()}});
    }
    auto fresh = reload();
    if (!fresh) {
        log::error("reload refused: the configuration is not valid, nothing changed",
                   {{"error", fresh.error().message}});
    } else {
        log::set_level(fresh->log_level);
        auto at_next_start = changed_settings(running, *fresh);
        std::erase(at_next_start, "log_level");
        log::warn("configuration reloaded",
                  {{"log_level", fresh->log_level}, {"at_next_start", at_next_start}});
    }
    notify_service_manager("READY=1");
}

}  // namespace

int serve(const Config& config, const std::function<Result<Config>()>& reload) {
    // A reload asked for while the server starts (migrations can take a
    // while) must not end it: ignored until its handler is in place.
    std::signal(SIGHUP, SIG_IGN);
    if (auto s = prepare_data_dir(config); !s) {
        log::error("cannot start", {{"error", s.error().message}});
        return 1;
    }
    // HTTPS: a certificate that does not load stops the start before
    // anything else is done.
    std::shared_ptr<TlsCredentials> tls;
    if (!config.tls_cert_file.empty()) {
        tls = std::make_shared<TlsCredentials>(config.tls_cert_file, config.tls_key_file);
        if (auto loaded = tls->load(); !loaded) {
            log::error("cannot start", {{"error", loaded.error().message}});
            return 1;
        }
    }
    auto client_address = http::ClientAddress::parse(config.trusted_proxies);
    if (!client_address) {
        log::error("cannot start", {{"error", client_address.error().message}});
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
    auto node = node_id(config);
    if (!node) {
        log::error("cannot start", {{"error", node.error().message}});
        return 1;
    }
    Modules modules(config, **db, *secret, *node);
    if (auto started = modules.start(); !started) {
        log::error("cannot start", {{"error", started.error().message}});
        return 1;
    }

    http::Router router;
    add_health_routes(router, **db, modules);
    // /metrics on the API's address, unless it has one of its own.
    if (config.metrics_listen.empty())
        add_metrics_route(router, config.metrics_token, config.metrics_token.empty());
    modules.add_routes(router);
    audit::Recorder audit_recorder(**db, SystemClock::instance());
    audit::add_routes(router, **db, audit_recorder);
    analytics::RequestLog& request_log = modules.request_log();
    ApiDocs api_docs(config.docs_ui_dir);
    api_docs.add_routes(router);
    assign_rate_classes(router);
    mark_audited_routes(router);
    for (const auto& route : document_route_errors(router))
        if (route != "GET /metrics")  // on an address of its own
            log::warn("route error codes name no route", {{"route", route}});
    api_docs.publish(router);
    identity::Authenticator authenticator(modules.identity());
    http::IdempotencyKeys idempotency(**db, SystemClock::instance(), *secret);
    const http::RateLimits default_limits{config.rate_limit_auth, config.rate_limit_send,
                                          config.rate_limit_bulk, config.rate_limit_default};
    // An account's plan may set its own limits, class by class.
    http::RateLimiter limiter(
        SystemClock::instance(), default_limits,
        [&modules, default_limits](const std::string& account) -> std::optional<http::RateLimits> {
            auto plan = modules.billing().active_plan(AccountId{account});
            if (!plan || !*plan) return std::nullopt;
            http::RateLimits limits = default_limits;
            for (std::size_t i = 0; i < limits.size(); ++i)
                limits[i] = (*plan)->rate_limits[i].value_or(limits[i]);
            return limits;
        });
    http::Dispatcher dispatcher(router, authenticator, &idempotency, &limiter);
    if (config.audit_log) dispatcher.set_audit(&audit_recorder);

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
    server_options.websocket.max_queued_frames = config.ws_max_queued_frames;
    server_options.websocket.max_queued_bytes = config.ws_max_queued_bytes;
    server_options.websocket_idle = std::chrono::seconds(config.ws_idle_s);
    server_options.spool_dir = (std::filesystem::path(config.data_dir) / "spool").string();
    if (config.request_log_days > 0) server_options.request_log = &request_log;
    http::ServerOptions api_options = server_options;
    api_options.tls = tls;
    api_options.client_address = *client_address;
    http::Server server(context_ptrs, dispatcher, **db, api_options);
    auto port = server.listen(config.listen);
    if (!port) {
        log::error("cannot listen", {{"error", port.error().message}});
        return 1;
    }
    const std::string host = config.listen.substr(0, config.listen.rfind(':'));
    const std::string bound = host + ":" + std::to_string(*port);
    // /metrics on an address of its own: a listener that answers nothing else.
    http::Router metrics_router;
    http::Dispatcher metrics_dispatcher(metrics_router, authenticator);
    std::optional<http::Server> metrics_server;
    if (!config.metrics_listen.empty()) {
        add_metrics_route(metrics_router, config.metrics_token, false);
        metrics_server.emplace(context_ptrs, metrics_dispatcher, **db, server_options);
        auto metrics_port = metrics_server->listen(config.metrics_listen);
        if (!metrics_port) {
            log::error("cannot listen for metrics", {{"error", metrics_port.error().message}});
            return 1;
        }
        const std::string metrics_host =
            config.metrics_listen.substr(0, config.metrics_listen.rfind(':'));
        std::ofstream(std::filesystem::path(config.data_dir) / "metrics.addr")
            << metrics_host << ":" << *metrics_port;
    }
    const auto process_metrics = watch_process(server);
    const auto module_metrics = modules.watch_metrics();
    const auto request_log_metrics =
        metrics::Registry::global().add_source([&request_log](metrics::Sampler& s) {
            s.declare("ujumbe_request_log_dropped_total", "counter",
                      "API request log lines dropped because too many waited to be written.");
            s.sample("ujumbe_request_log_dropped_total", {},
                     static_cast<double>(request_log.dropped()));
        });
    std::ofstream(std::filesystem::path(config.data_dir) / "listen.addr") << bound;
    log::info("listening",
              {{"address", bound}, {"threads", threads}, {"https", api_options.tls != nullptr}});
    if (const auto smpp_port = modules.smpp_port()) {
        const std::string smpp_host = config.smpp_listen.substr(0, config.smpp_listen.rfind(':'));
        std::ofstream(std::filesystem::path(config.data_dir) / "smpp.addr")
            << smpp_host << ":" << smpp_port;
    }

    // SIGHUP reads the configuration again; its wait is cancelled at
    // shutdown so that the I/O loop can end.
    boost::asio::signal_set hangups(io, SIGHUP);
    std::function<void(const boost::system::error_code&, int)> on_hangup =
        [&](const boost::system::error_code& ec, int) {
            if (ec) return;
            reload_settings(config, reload, {tls.get(), modules.smpp_tls()});
            hangups.async_wait(on_hangup);
        };
    hangups.async_wait(on_hangup);
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        notify_service_manager("STOPPING=1");
        hangups.cancel();
        log::info("shutting down", {{"signal", signal}});
        if (metrics_server) metrics_server->shutdown(std::chrono::seconds(1), [] {});
        server.shutdown(std::chrono::seconds(10), [&contexts] {
            for (auto& c : contexts) c->stop();
        });
    });

    // Ready once every signal has its handler.
    notify_service_manager("READY=1\nSTATUS=listening on " + bound);

    // Idle contexts must keep running until shutdown stops them.
    std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guards;
    for (auto& c : contexts) guards.push_back(boost::asio::make_work_guard(*c));
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i)
        pool.emplace_back([c = contexts[i].get()] {
            name_this_thread("http-io");
            c->run();
        });
    io.run();
    for (auto& t : pool) t.join();
    audit_recorder.stop();  // what the last requests recorded
    request_log.stop();     // the last requests' lines, before the modules stop
    modules.stop();
    (*db)->stop();
    log::info("stopped");
    return 0;
}

int migrate(const Config& config, bool dry_run) {
    // A dry run creates nothing: no SQLite file is a database never migrated.
    const std::string url = config.effective_database_url();
    if (dry_run && url.starts_with("sqlite:") && !std::filesystem::exists(url.substr(7))) {
        std::cout << "no database at " << url.substr(7) << ": every migration would run\n";
        for (const auto& m : db::sqlite_migrations())
            std::cout << "would apply " << m.version << " " << m.name << "\n";
        return 0;
    }
    if (auto s = prepare_data_dir(config); !s) {
        log::error("cannot migrate", {{"error", s.error().message}});
        return 1;
    }
    auto db = open_database(config, !dry_run);
    if (!db) {
        log::error("migration failed", {{"error", db.error().message}});
        return 1;
    }
    if (dry_run) {
        auto newer = db::check_not_newer(**db);
        auto state = db::schema_state(**db);
        (*db)->stop();
        if (!newer || !state) {
            log::error("cannot read the schema",
                       {{"error", (!newer ? newer.error() : state.error()).message}});
            return 1;
        }
        std::cout << "schema version " << state->current_version << ", this binary's "
                  << state->latest_version << "\n";
        if (state->pending.empty()) std::cout << "up to date: nothing would run\n";
        for (const auto& m : state->pending)
            std::cout << "would apply " << m.version << " " << m.name << "\n";
        return 0;
    }
    (*db)->stop();
    return 0;
}

}  // namespace ujumbe::app
