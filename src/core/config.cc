#include "core/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <tuple>
#include <vector>

#include "core/address_blocks.h"
#include "core/money.h"

namespace ujumbe {

std::string Config::effective_database_url() const {
    if (!database_url.empty()) return database_url;
    return "sqlite:" + data_dir + "/ujumbe.db";
}

std::optional<std::string> process_env(const std::string& name) {
    if (const char* v = std::getenv(name.c_str())) return std::string(v);
    return std::nullopt;
}

namespace {

std::string trim(std::string s) {
    const auto not_space = [](unsigned char c) { return !std::isspace(c); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
    s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
    return s;
}

template <typename T>
Status parse_number(const std::string& key, const std::string& text, T& out, T min, T max) {
    T value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
        if (max == std::numeric_limits<T>::max())
            return Error::invalid(key, "must be a whole number >= " + std::to_string(min));
        return Error::invalid(key, "must be a whole number from " + std::to_string(min) + " to " +
                                       std::to_string(max));
    }
    out = value;
    return {};
}

// One row per setting: how to apply a text value to the Config, and how to
// show the value it has.
struct Setting {
    const char* key;
    std::function<Status(Config&, const std::string&)> apply;
    std::function<std::string(const Config&)> show;
};

template <typename T>
Setting number(const char* key, T Config::*field, T min, T max = std::numeric_limits<T>::max()) {
    return {key,
            [key, field, min, max](Config& c, const std::string& v) {
                return parse_number<T>(key, v, c.*field, min, max);
            },
            [field](const Config& c) { return std::to_string(c.*field); }};
}

template <typename Field>
std::function<std::string(const Config&)> shown(Field Config::*field) {
    return [field](const Config& c) { return std::string(c.*field); };
}

// Durations the server turns into microseconds: ten years at most, so that
// no conversion overflows.
constexpr std::int64_t kMaxSeconds = 10LL * 366 * 86400;
Setting seconds(const char* key, std::int64_t Config::*field, std::int64_t min) {
    return number(key, field, min, kMaxSeconds);
}
Setting millis(const char* key, std::int64_t Config::*field, std::int64_t min) {
    return number(key, field, min, kMaxSeconds * 1000);
}

Setting text(const char* key, std::string Config::*field) {
    return {key,
            [field](Config& c, const std::string& v) {
                c.*field = v;
                return Status{};
            },
            shown(field)};
}

Setting flag(const char* key, bool Config::*field) {
    return {key,
            [key, field](Config& c, const std::string& v) -> Status {
                if (v == "1" || v == "true" || v == "yes" || v == "on")
                    c.*field = true;
                else if (v == "0" || v == "false" || v == "no" || v == "off")
                    c.*field = false;
                else
                    return Error::invalid(key, "must be true or false");
                return {};
            },
            [field](const Config& c) { return std::string(c.*field ? "true" : "false"); }};
}

// One of a few words; the message lists them.
Setting one_of(const char* key, std::string Config::*field, std::vector<std::string> allowed) {
    return {key,
            [key, field, allowed = std::move(allowed)](Config& c, const std::string& v) {
                if (std::find(allowed.begin(), allowed.end(), v) != allowed.end()) {
                    c.*field = v;
                    return Status{};
                }
                std::string words;
                for (std::size_t i = 0; i < allowed.size(); ++i)
                    words += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + allowed[i];
                return Status(Error::invalid(key, "must be " + words));
            },
            shown(field)};
}

const std::vector<Setting>& settings() {
    static const std::vector<Setting> all = {
        text("listen", &Config::listen),
        text("tls_cert_file", &Config::tls_cert_file),
        text("tls_key_file", &Config::tls_key_file),
        {"trusted_proxies",
         [](Config& c, const std::string& v) -> Status {
             UJ_TRY(parse_address_list(v, "trusted_proxies"));
             c.trusted_proxies = v;
             return {};
         },
         shown(&Config::trusted_proxies)},
        text("data_dir", &Config::data_dir),
        text("database_url", &Config::database_url),
        text("secret_key", &Config::secret_key),
        text("admin_email", &Config::admin_email),
        text("admin_password", &Config::admin_password),
        number("threads", &Config::threads, 0),
        number("db_threads", &Config::db_threads, 0),
        one_of("log_level", &Config::log_level, {"trace", "debug", "info", "warn", "error", "off"}),
        one_of("log_format", &Config::log_format, {"json", "text"}),
        text("smpp_listen", &Config::smpp_listen),
        text("smpp_tls_cert_file", &Config::smpp_tls_cert_file),
        text("smpp_tls_key_file", &Config::smpp_tls_key_file),
        number("max_body_bytes", &Config::max_body_bytes, std::size_t{1024}),
        number("max_import_bytes", &Config::max_import_bytes, std::uint64_t{1024}),
        number("import_batch_rows", &Config::import_batch_rows, std::size_t{1}),
        number("header_timeout_s", &Config::header_timeout_s, 1),
        number("idle_timeout_s", &Config::idle_timeout_s, 1),
        number("body_min_rate", &Config::body_min_rate, std::size_t{1}),
        number("body_grace_s", &Config::body_grace_s, 1),
        number("max_connections", &Config::max_connections, std::size_t{1}),
        number("max_connections_per_address", &Config::max_connections_per_address, std::size_t{1}),
        number("max_uploads", &Config::max_uploads, std::size_t{1}),
        number("max_uploads_per_account", &Config::max_uploads_per_account, std::size_t{1}),
        number("ws_max_queued_frames", &Config::ws_max_queued_frames, std::size_t{1}),
        number("ws_max_queued_bytes", &Config::ws_max_queued_bytes, std::size_t{1024}),
        number("ws_idle_s", &Config::ws_idle_s, 2),
        number("rate_limit_auth", &Config::rate_limit_auth, std::int64_t{0}),
        number("rate_limit_send", &Config::rate_limit_send, std::int64_t{0}),
        number("rate_limit_bulk", &Config::rate_limit_bulk, std::int64_t{0}),
        number("rate_limit_default", &Config::rate_limit_default, std::int64_t{0}),
        seconds("access_token_ttl_s", &Config::access_token_ttl_s, std::int64_t{1}),
        seconds("refresh_token_ttl_s", &Config::refresh_token_ttl_s, std::int64_t{1}),
        number("login_max_failures", &Config::login_max_failures, 1),
        number("login_ip_max_failures", &Config::login_ip_max_failures, 1),
        number("login_window_s", &Config::login_window_s, 1),
        number("login_backoff_max_s", &Config::login_backoff_max_s, 1),
        number("register_ip_max", &Config::register_ip_max, 1),
        number("register_max", &Config::register_max, 1),
        number("register_window_s", &Config::register_window_s, 1),
        number("password_hash_slots", &Config::password_hash_slots, 1),
        number("password_hash_wait_ms", &Config::password_hash_wait_ms, 0),
        seconds("invitation_ttl_s", &Config::invitation_ttl_s, std::int64_t{60}),
        seconds("smpp_delivery_max_age_s", &Config::smpp_delivery_max_age_s, std::int64_t{60}),
        seconds("receipt_timeout_s", &Config::receipt_timeout_s, std::int64_t{1}),
        flag("webhook_allow_private", &Config::webhook_allow_private),
        millis("webhook_timeout_ms", &Config::webhook_timeout_ms, std::int64_t{100}),
        number("webhook_concurrency", &Config::webhook_concurrency, 1),
        number("webhook_endpoint_concurrency", &Config::webhook_endpoint_concurrency, 1),
        millis("webhook_retry_unit_ms", &Config::webhook_retry_unit_ms, std::int64_t{1}),
        seconds("webhook_disable_after_s", &Config::webhook_disable_after_s, std::int64_t{1}),
        number("webhook_keep_days", &Config::webhook_keep_days, std::int64_t{1},
               kMaxSeconds / 86400),
        millis("webhook_poll_ms", &Config::webhook_poll_ms, std::int64_t{1}),
        number("campaign_batch", &Config::campaign_batch, 1, 10000),
        number("campaign_waiting", &Config::campaign_waiting, std::int64_t{1}),
        number("campaign_account_mps", &Config::campaign_account_mps, std::int64_t{0}),
        seconds("campaign_retry_s", &Config::campaign_retry_s, std::int64_t{1}),
        seconds("campaign_balance_wait_s", &Config::campaign_balance_wait_s, std::int64_t{1}),
        seconds("plan_retry_s", &Config::plan_retry_s, std::int64_t{1}),
        seconds("plan_grace_s", &Config::plan_grace_s, std::int64_t{0}),
        number("body_retention_days", &Config::body_retention_days, std::int64_t{0},
               std::int64_t{36500}),
        number("message_retention_days", &Config::message_retention_days, std::int64_t{0},
               std::int64_t{36500}),
        text("default_sender_id", &Config::default_sender_id),
        text("whatsapp_graph_url", &Config::whatsapp_graph_url),
        text("whatsapp_graph_version", &Config::whatsapp_graph_version),
        number("max_media_bytes", &Config::max_media_bytes, std::uint64_t{1024}),
        number("media_account_bytes", &Config::media_account_bytes, std::uint64_t{1024}),
        seconds("media_url_ttl_s", &Config::media_url_ttl_s, std::int64_t{1}),
        text("public_url", &Config::public_url),
        text("metrics_token", &Config::metrics_token),
        text("metrics_listen", &Config::metrics_listen),
        text("docs_ui_dir", &Config::docs_ui_dir),
        text("node_id", &Config::node_id),
        flag("sandbox_gateway", &Config::sandbox_gateway),
        flag("require_email_verification", &Config::require_email_verification),
        flag("audit_log", &Config::audit_log),
        number("request_log_days", &Config::request_log_days, std::int64_t{0}, std::int64_t{36500}),
        seconds("request_log_prune_s", &Config::request_log_prune_s, std::int64_t{1}),
        flag("refund_undelivered", &Config::refund_undelivered),
        {"currency",
         [](Config& c, const std::string& v) -> Status {
             if (!is_currency_code(v))
                 return Error::invalid("currency", "must be an ISO 4217 code such as USD");
             c.currency = v;
             return {};
         },
         shown(&Config::currency)},
        {"trial_credit",
         [](Config& c, const std::string& v) -> Status {
             auto amount = parse_money(v);
             if (!amount || *amount < 0)
                 return Error::invalid("trial_credit", "must be an amount such as 5.00");
             c.trial_credit = v;
             return {};
         },
         shown(&Config::trial_credit)},
        one_of("sqlite_synchronous", &Config::sqlite_synchronous, {"NORMAL", "FULL"}),
    };
    return all;
}

bool is_secret(std::string_view key) {
    return key == "secret_key" || key == "admin_password" || key == "metrics_token";
}

// postgresql://user:secret@host/db -> postgresql://user:***@host/db, and
// libpq's password=secret parameter (in a query or a key=value string).
std::string without_password(std::string url) {
    const auto scheme = url.find("://");
    const auto at = url.find('@');
    if (scheme != std::string::npos && at != std::string::npos && at > scheme) {
        const auto colon = url.find(':', scheme + 3);
        if (colon != std::string::npos && colon < at)
            url = url.substr(0, colon + 1) + "***" + url.substr(at);
    }
    for (auto p = url.find("password="); p != std::string::npos; p = url.find("password=", p + 1)) {
        const auto begin = p + 9;
        const auto end = url.find_first_of("& ", begin);
        url.replace(begin, (end == std::string::npos ? url.size() : end) - begin, "***");
    }
    return url;
}

const Setting* find_setting(const std::string& key) {
    for (const auto& s : settings())
        if (key == s.key) return &s;
    return nullptr;
}

}  // namespace

Result<Config> load_config(const std::optional<std::string>& file, const EnvLookup& env,
                           const std::vector<std::string>& overrides, ConfigSources* sources) {
    Config config;
    const auto apply = [&](const Setting& s, const std::string& value,
                           const std::string& from) -> Status {
        UJ_TRY(s.apply(config, value));
        if (sources) (*sources)[s.key] = from;
        return {};
    };
    if (file) {
        std::ifstream in(*file);
        if (!in) return Error::invalid("config", "cannot read " + *file);
        std::string line;
        int line_no = 0;
        while (std::getline(in, line)) {
            ++line_no;
            line = trim(line);
            if (line.empty() || line[0] == '#') continue;
            const auto eq = line.find('=');
            if (eq == std::string::npos)
                return Error::invalid(
                    "config", *file + ":" + std::to_string(line_no) + ": expected key = value");
            const std::string key = trim(line.substr(0, eq));
            std::string value = trim(line.substr(eq + 1));
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
                value = value.substr(1, value.size() - 2);
            const Setting* s = find_setting(key);
            if (!s)
                return Error::invalid("config", *file + ":" + std::to_string(line_no) +
                                                    ": unknown key '" + key + "'");
            UJ_TRY(apply(*s, value, "file"));
        }
    }
    for (const auto& s : settings())
        if (auto value = env(env_name(s.key))) UJ_TRY(apply(s, *value, "environment"));
    for (const auto& item : overrides) {
        const auto eq = item.find('=');
        if (eq == std::string::npos)
            return Error::invalid("set", "'" + item + "': expected key=value");
        const std::string key = trim(item.substr(0, eq));
        const Setting* s = find_setting(key);
        if (!s) return Error::invalid("set", "unknown key '" + key + "'");
        UJ_TRY(apply(*s, trim(item.substr(eq + 1)), "flag"));
    }
    for (const auto& [prefix, cert, key] :
         {std::tuple{"tls", &Config::tls_cert_file, &Config::tls_key_file},
          std::tuple{"smpp_tls", &Config::smpp_tls_cert_file, &Config::smpp_tls_key_file}}) {
        const std::string p = prefix;
        if ((config.*cert).empty() != (config.*key).empty())
            return Error::invalid((config.*cert).empty() ? p + "_cert_file" : p + "_key_file",
                                  "TLS needs both " + p + "_cert_file and " + p + "_key_file");
    }
    return config;
}

std::string env_name(std::string_view key) {
    std::string name = "UJUMBE_";
    for (char ch : key)
        name.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
    return name;
}

std::string example_config(const Config& config, const ConfigSources& sources) {
    std::string out =
        "# Ujumbe's configuration (docs/configuration.md): `key = value` lines.\n"
        "# A line starting with '#' is a setting at its default: remove the '#'\n"
        "# and change the value to set it. UJUMBE_<KEY> environment variables and\n"
        "# --set key=value flags win over this file; `ujumbe config check` shows\n"
        "# what is in effect. Keep secrets (secret_key, admin_password,\n"
        "# metrics_token, a database password) out of it: the server generates\n"
        "# its secret into the data directory, and the environment of the\n"
        "# service can carry the others.\n";
    Config defaults;
    for (const auto& s : settings()) {
        // What the file and the flags gave; never the environment (the one
        // the example is made in) nor a secret.
        const auto from = sources.find(s.key);
        const bool given = from != sources.end() && from->second != "environment" &&
                           !is_secret(s.key) && without_password(s.show(config)) == s.show(config);
        out += (given ? "" : "# ") + std::string(s.key) + " = " +
               (given ? s.show(config) : s.show(defaults)) + "\n";
    }
    return out;
}

std::vector<std::string> changed_settings(const Config& a, const Config& b) {
    std::vector<std::string> out;
    for (const auto& s : settings())
        if (s.show(a) != s.show(b)) out.push_back(s.key);
    return out;
}

std::vector<ShownSetting> shown_settings(const Config& config, const ConfigSources& sources) {
    std::vector<ShownSetting> out;
    for (const auto& s : settings()) {
        std::string value = s.show(config);
        const std::string_view key = s.key;
        if (is_secret(key)) {
            if (!value.empty()) value = "(set, hidden)";
        } else if (key == "database_url") {
            value = without_password(value);
        }
        const auto from = sources.find(s.key);
        out.push_back({s.key, std::move(value), from == sources.end() ? "default" : from->second});
    }
    return out;
}

}  // namespace ujumbe
