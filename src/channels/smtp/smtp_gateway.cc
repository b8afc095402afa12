#include "channels/smtp/smtp_gateway.h"

#include "channels/email_content.h"
#include "channels/smtp/mime.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/log.h"
#include "core/thread_name.h"

namespace ujumbe::channels::smtp {

namespace {

using json = nlohmann::json;
using std::chrono::steady_clock;

constexpr std::int64_t kRestMs = 5000;

std::int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               steady_clock::now().time_since_epoch())
        .count();
}

bool plain_host(const std::string& host) {
    if (host.empty() || host.size() > 253) return false;
    for (unsigned char c : host)
        if (!(std::isalnum(c) || c == '.' || c == '-' || c == ':')) return false;
    return true;
}

PartOutcome refused(std::string code, std::string message, bool retryable) {
    PartOutcome p;
    p.retryable = retryable;
    p.error_code = std::move(code);
    p.error_message = std::move(message);
    return p;
}

}  // namespace

Result<GatewaySettings> read_settings(const json& settings, const json& secrets) {
    GatewaySettings s;
    auto& server = s.server;
    server.host = string_at(settings, "host");
    if (!plain_host(server.host))
        return Error::invalid("settings.host", "Required: the relay's host name or address.");
    const std::string security = string_at(settings, "security");
    if (security.empty() || security == "starttls")
        server.security = Security::kStartTls;
    else if (security == "tls")
        server.security = Security::kTls;
    else if (security == "none")
        server.security = Security::kNone;
    else
        return Error::invalid("settings.security", "Must be starttls, tls or none.");
    server.port = server.security == Security::kTls ? 465 : 587;
    if (auto it = settings.find("port"); it != settings.end()) {
        if (!it->is_number_integer() || *it < 1 || *it > 65535)
            return Error::invalid("settings.port", "Must be 1 to 65535.");
        server.port = it->get<int>();
    }
    server.username = string_at(settings, "username");
    if (server.username.size() > 256)
        return Error::invalid("settings.username", "At most 256 characters.");
    server.password = string_at(secrets, "password");
    if (server.password.size() > 1024)
        return Error::invalid("settings.password", "At most 1024 characters.");
    if (!server.username.empty() && server.security == Security::kNone)
        return Error::invalid("settings.security",
                              "A password never travels unencrypted: use starttls or tls.");
    server.ca_file = string_at(settings, "ca_file");
    if (!server.ca_file.empty() && !server.ca_file.starts_with('/'))
        return Error::invalid("settings.ca_file", "Must be an absolute path.");
    if (auto it = settings.find("timeout_s"); it != settings.end()) {
        if (!it->is_number_integer() || *it < 1 || *it > 300)
            return Error::invalid("settings.timeout_s", "Must be 1 to 300.");
        server.timeout = std::chrono::seconds(it->get<int>());
    }
    s.from_address = string_at(settings, "from_address");
    if (!is_email_address(s.from_address))
        return Error::invalid("settings.from_address", "Required: an email address.");
    s.from_name = string_at(settings, "from_name");
    if (s.from_name.size() > 200)
        return Error::invalid("settings.from_name", "At most 200 characters.");
    if (auto it = settings.find("rate"); it != settings.end()) {
        if (!it->is_number() || *it < 0.1 || *it > 10000)
            return Error::invalid("settings.rate", "Mails a second: 0.1 to 10000.");
        s.rate = it->get<double>();
    }
    if (auto it = settings.find("system"); it != settings.end()) {
        if (!it->is_boolean()) return Error::invalid("settings.system", "Must be true or false.");
        s.system = it->get<bool>();
    }
    return s;
}

json settings_json(const GatewaySettings& s) {
    return {{"host", s.server.host},
            {"port", s.server.port},
            {"security", security_name(s.server.security)},
            {"username", s.server.username},
            {"ca_file", s.server.ca_file},
            {"timeout_s", s.server.timeout.count()},
            {"from_address", s.from_address},
            {"from_name", s.from_name},
            {"rate", s.rate},
            {"system", s.system}};
}

PartOutcome mail_outcome(const SendResult& r, const std::string& provider_id) {
    if (r.accepted) {
        PartOutcome p;
        p.accepted = p.left = p.answered = true;
        p.provider_id = p.provider_key = provider_id;
        return p;
    }
    const std::string code = r.code ? "SMTP_" + std::to_string(r.code) : "SMTP_UNREACHABLE";
    if (r.answered) {
        // 535 and friends are the relay refusing us, not the recipient.
        const bool ours = r.code == 530 || r.code == 534 || r.code == 535 || r.code == 538;
        auto p = refused(code, r.error, r.code < 500 || ours);
        p.answered = true;
        return p;
    }
    if (r.handed_over) {
        // The relay may have the mail: never sent again.
        PartOutcome p;
        p.left = true;
        p.error_code = "NO_RESPONSE";
        p.error_message = r.error;
        return p;
    }
    return refused(code, r.error, true);
}

SmtpGateway::SmtpGateway(GatewayId id, GatewaySettings settings)
    : id_(std::move(id)), settings_(std::move(settings)) {}

SmtpGateway::~SmtpGateway() {
    stop();
}

void SmtpGateway::start() {
    std::lock_guard lock(mutex_);
    if (started_) return;
    started_ = true;
    // The thread holds the gateway (when it is shared) until it ends,
    // whoever drops it meanwhile: a done callback may hold the last other
    // reference.
    thread_ = std::thread([this, self = weak_from_this().lock()] { run(); });
}

void SmtpGateway::stop() {
    std::deque<Pending> left;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        left.swap(queue_);
    }
    wake_.notify_all();
    // The thread holds the gateway while it runs, so the last reference
    // may end on it (run() returning): it cannot wait for itself.
    if (thread_.joinable()) {
        if (thread_.get_id() == std::this_thread::get_id())
            thread_.detach();
        else
            thread_.join();
    }
    for (auto& p : left) p.done({{refused("NOT_BOUND", "the gateway stopped", true)}});
}

bool SmtpGateway::available() const {
    {
        std::lock_guard lock(mutex_);
        if (!started_ || stopping_) return false;
    }
    return steady_ms() >= resting_until_ms_.load();
}

void SmtpGateway::submit(OutboundSms message, std::function<void(SubmitOutcome)> done) {
    {
        std::lock_guard lock(mutex_);
        if (started_ && !stopping_) {
            queue_.push_back({std::move(message), std::move(done)});
            wake_.notify_one();
            return;
        }
    }
    done({{refused("NOT_BOUND", "the gateway is not running", true)}});
}

PartOutcome SmtpGateway::send_one(const OutboundSms& m, SmtpClient& client) {
    if (!is_email_address(m.to)) return refused("INVALID_ADDRESS", "not an email address", false);
    Email email;
    email.from_address = settings_.from_address;
    email.from_name = settings_.from_name;
    email.to = m.to;
    email.text = m.body;
    email.message_id = m.message_id.value;
    auto content = read_email_content(m.content);
    email.subject = std::move(content.subject);
    email.html = std::move(content.html);
    if (!content.from_name.empty()) email.from_name = std::move(content.from_name);
    email.headers = std::move(content.headers);
    tally_.sent();
    const auto r =
        client.send(settings_.from_address, m.to, compose(email, SystemClock::instance().now()));
    const std::string domain = settings_.from_address.substr(settings_.from_address.find('@'));
    auto outcome = mail_outcome(r, m.message_id.value + domain);
    tally_.answered(outcome);
    if (!r.answered && !r.accepted) resting_until_ms_ = steady_ms() + kRestMs;
    return outcome;
}

void SmtpGateway::run() {
    name_this_thread("smtp");
    SmtpClient client(settings_.server);
    const auto gap = std::chrono::duration_cast<steady_clock::duration>(
        std::chrono::duration<double>(1.0 / settings_.rate));
    auto next = steady_clock::now();
    for (;;) {
        Pending p;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            p = std::move(queue_.front());
            queue_.pop_front();
        }
        std::this_thread::sleep_until(next);
        next = std::max(next, steady_clock::now()) + gap;
        auto outcome = send_one(p.message, client);
        p.done({{std::move(outcome)}});
    }
}

json SmtpGateway::status() const {
    json out = {{"kind", "smtp"},
                {"host", settings_.server.host},
                {"system", settings_.system},
                {"resting", steady_ms() < resting_until_ms_.load()}};
    tally_.add_to(out);
    return out;
}

}  // namespace ujumbe::channels::smtp
