#include <utility>  // before Asio (g++ 12)

#include "channels/smpp/smpp_gateway.h"

#include <boost/asio/post.hpp>
#include <chrono>

#include "channels/smpp/message_text.h"
#include "core/log.h"
#include "core/tls.h"
#include "formats/sender_id.h"
#include "formats/sms_encoding.h"

namespace ujumbe::channels {

namespace {

using json = nlohmann::json;
using formats::Encoding;

std::int64_t now_second() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

const char* mode_name(smpp::BindMode m) {
    switch (m) {
        case smpp::BindMode::kTransmitter:
            return "transmitter";
        case smpp::BindMode::kReceiver:
            return "receiver";
        case smpp::BindMode::kTransceiver:
            return "transceiver";
    }
    return "transceiver";
}

const char* id_base_name(smpp::IdBase b) {
    switch (b) {
        case smpp::IdBase::kHex:
            return "hex";
        case smpp::IdBase::kDecimal:
            return "decimal";
        case smpp::IdBase::kOpaque:
            return "opaque";
    }
    return "opaque";
}

std::optional<smpp::IdBase> parse_id_base(const std::string& s) {
    if (s == "hex") return smpp::IdBase::kHex;
    if (s == "decimal") return smpp::IdBase::kDecimal;
    if (s == "opaque") return smpp::IdBase::kOpaque;
    return std::nullopt;
}

std::string hex_status(std::uint32_t status) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "SMPP_0x%08X", status);
    return buf;
}

// The canonical key of an id, or the id itself when it does not read in
// the configured base (an SMSC that changed its mind still matches exactly).
std::string key_of(const std::string& id, smpp::IdBase base) {
    auto k = smpp::canonical_message_id(id, base);
    return k ? *k : id;
}

// Field readers that record problems under "settings.<name>".
struct Reader {
    const json& object;
    FieldErrors& errors;

    const json* get(const std::string& name) const {
        auto it = object.find(name);
        return it == object.end() || it->is_null() ? nullptr : &*it;
    }
    void fail(const std::string& name, std::string problem) {
        errors["settings." + name].push_back(std::move(problem));
    }
    std::optional<std::string> text(const std::string& name, bool required, std::size_t max) {
        const json* v = get(name);
        if (!v) {
            if (required) fail(name, "This field is required.");
            return std::nullopt;
        }
        if (!v->is_string() || v->get<std::string>().size() > max ||
            (required && v->get<std::string>().empty())) {
            fail(name, "Must be text of at most " + std::to_string(max) + " characters.");
            return std::nullopt;
        }
        return v->get<std::string>();
    }
    std::optional<std::int64_t> integer(const std::string& name, std::int64_t min,
                                        std::int64_t max) {
        const json* v = get(name);
        if (!v) return std::nullopt;
        if (!v->is_number_integer() || v->get<std::int64_t>() < min ||
            v->get<std::int64_t>() > max) {
            fail(name, "Must be an integer from " + std::to_string(min) + " to " +
                           std::to_string(max) + ".");
            return std::nullopt;
        }
        return v->get<std::int64_t>();
    }
    std::optional<bool> boolean(const std::string& name) {
        const json* v = get(name);
        if (!v) return std::nullopt;
        if (!v->is_boolean()) {
            fail(name, "Must be true or false.");
            return std::nullopt;
        }
        return v->get<bool>();
    }
};

}  // namespace

bool is_retryable_status(std::uint32_t status) {
    namespace st = smpp::status;
    return status == st::kSysErr || status == st::kMsgQFul || status == st::kThrottled ||
           status == st::kSubmitFail || status == st::kInvBndSts || status == st::kUnknownErr;
}

Result<SmppSettings> read_smpp_settings(const json& settings, const json& secrets) {
    if (!settings.is_object()) return Error::invalid("settings", "Must be an object.");
    static const std::vector<std::string> known = {"host",
                                                   "port",
                                                   "system_id",
                                                   "system_type",
                                                   "bind_mode",
                                                   "binds",
                                                   "receiver_binds",
                                                   "window",
                                                   "tps",
                                                   "dest_ton",
                                                   "dest_npi",
                                                   "enquire_link_interval_ms",
                                                   "response_timeout_ms",
                                                   "long_messages",
                                                   "registered_delivery",
                                                   "response_id_format",
                                                   "receipt_id_format",
                                                   "tls",
                                                   "tls_ca",
                                                   "password"};
    FieldErrors errors;
    for (const auto& [key, value] : settings.items())
        if (std::find(known.begin(), known.end(), key) == known.end())
            errors["settings." + key].push_back("Unknown setting for an SMPP gateway.");
    Reader r{settings, errors};
    SmppSettings s;
    auto& o = s.session;
    if (auto v = r.text("host", true, 253)) o.host = *v;
    if (auto v = r.integer("port", 1, 65535))
        o.port = static_cast<std::uint16_t>(*v);
    else if (!r.get("port"))
        r.fail("port", "This field is required.");
    if (auto v = r.text("system_id", true, 15)) o.system_id = *v;
    if (auto v = r.text("system_type", false, 12)) o.system_type = *v;
    if (auto v = r.text("bind_mode", false, 20)) {
        if (*v == "transmitter")
            o.mode = smpp::BindMode::kTransmitter;
        else if (*v == "receiver")
            o.mode = smpp::BindMode::kReceiver;
        else if (*v == "transceiver")
            o.mode = smpp::BindMode::kTransceiver;
        else
            r.fail("bind_mode", "Must be one of transmitter, receiver, transceiver.");
    }
    if (auto v = r.integer("binds", 1, 16)) s.binds = static_cast<int>(*v);
    s.receiver_binds = o.mode == smpp::BindMode::kTransmitter ? 1 : 0;
    if (auto v = r.integer("receiver_binds", 0, 16)) s.receiver_binds = static_cast<int>(*v);
    if (auto v = r.integer("window", 1, 1000)) o.window = static_cast<std::size_t>(*v);
    if (auto v = r.integer("tps", 0, 100000)) s.tps = static_cast<double>(*v);
    if (auto v = r.integer("dest_ton", 0, 6)) s.dest_ton = static_cast<std::uint8_t>(*v);
    if (auto v = r.integer("dest_npi", 0, 18)) s.dest_npi = static_cast<std::uint8_t>(*v);
    if (auto v = r.integer("enquire_link_interval_ms", 1000, 3'600'000))
        o.enquire_link_interval = std::chrono::milliseconds(*v);
    if (auto v = r.integer("response_timeout_ms", 100, 600'000))
        o.response_timeout = std::chrono::milliseconds(*v);
    if (auto v = r.text("long_messages", false, 20)) {
        if (*v == "udh" || *v == "message_payload")
            s.message_payload = *v == "message_payload";
        else
            r.fail("long_messages", "Must be udh or message_payload.");
    }
    if (auto v = r.boolean("registered_delivery")) s.registered_delivery = *v;
    if (auto v = r.text("response_id_format", false, 10)) {
        if (auto b = parse_id_base(*v))
            s.response_ids = *b;
        else
            r.fail("response_id_format", "Must be opaque, hex or decimal.");
    }
    s.receipt_ids = s.response_ids;
    if (auto v = r.text("receipt_id_format", false, 10)) {
        if (auto b = parse_id_base(*v))
            s.receipt_ids = *b;
        else
            r.fail("receipt_id_format", "Must be opaque, hex or decimal.");
    }
    if (auto v = r.boolean("tls")) s.tls = *v;
    if (auto v = r.text("tls_ca", false, 64 * 1024)) s.tls_ca = *v;
    if (!s.tls_ca.empty() && !s.tls) r.fail("tls_ca", "Only with tls: true.");
    if (s.tls) {
        auto context = tls_client_context(s.tls_ca, "settings.tls_ca");
        if (context)
            o.tls = std::move(*context);
        else
            for (auto& [field, problems] : context.error().errors)
                for (auto& problem : problems) errors[field].push_back(problem);
    }
    if (o.mode == smpp::BindMode::kReceiver)
        r.fail("bind_mode", "A gateway must be able to send: use transmitter or transceiver.");
    if (!secrets.is_object() || !secrets.contains("password") || !secrets["password"].is_string() ||
        secrets["password"].get<std::string>().size() > 8)
        errors["settings.password"].push_back("Required: at most 8 characters (SMPP 3.4).");
    else
        o.password = secrets["password"].get<std::string>();
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    return s;
}

json smpp_settings_json(const SmppSettings& s) {
    const auto& o = s.session;
    return {{"host", o.host},
            {"port", o.port},
            {"system_id", o.system_id},
            {"system_type", o.system_type},
            {"bind_mode", mode_name(o.mode)},
            {"binds", s.binds},
            {"receiver_binds", s.receiver_binds},
            {"window", o.window},
            {"tps", static_cast<std::int64_t>(s.tps)},
            {"dest_ton", s.dest_ton},
            {"dest_npi", s.dest_npi},
            {"enquire_link_interval_ms", o.enquire_link_interval.count()},
            {"response_timeout_ms", o.response_timeout.count()},
            {"long_messages", s.message_payload ? "message_payload" : "udh"},
            {"registered_delivery", s.registered_delivery},
            {"response_id_format", id_base_name(s.response_ids)},
            {"receipt_id_format", id_base_name(s.receipt_ids)},
            {"tls", s.tls},
            {"tls_ca", s.tls_ca}};
}

class SmppGateway::Handler final : public smpp::SessionHandler {
public:
    explicit Handler(SmppGateway& g) : gateway_(&g) {}

    // The gateway is going away; sessions still running call into nothing.
    void detach() {
        std::lock_guard lock(mutex_);
        gateway_ = nullptr;
    }

    void on_deliver(const smpp::ShortMessage& m, Respond respond) override {
        std::lock_guard lock(mutex_);
        // Gone: a bind of the live gateway gets it again.
        if (!gateway_) return respond(smpp::status::kRxTAppn);
        SmppGateway& g_ = *gateway_;
        auto answer = [respond = std::move(respond)](ReportFate fate) {
            respond(fate == ReportFate::kStored       ? smpp::status::kOk
                    : fate == ReportFate::kRetryLater ? smpp::status::kRxTAppn
                                                      : smpp::status::kRxRAppn);
        };
        if (smpp::is_receipt(m.esm_class)) {
            auto receipt = smpp::parse_receipt(m);
            // Nothing to match; do not make it resend.
            if (!receipt) return answer(ReportFate::kStored);
            ReceiptReport r;
            r.gateway_id = g_.id_;
            r.provider_id = receipt->message_id;
            r.provider_key = key_of(receipt->message_id, g_.settings_.receipt_ids);
            r.stat = receipt->stat;
            r.status = delivery_status_name(smpp::delivery_status_of(receipt->outcome));
            if (receipt->err)
                r.error_code = *receipt->err;
            else if (receipt->network_error)
                r.error_code = *receipt->network_error;
            if (receipt->submit_date) r.submit_date = format_iso8601(*receipt->submit_date);
            if (receipt->done_date) r.done_date = format_iso8601(*receipt->done_date);
            ++g_.receipts_;
            g_.listener_.on_receipt(r, std::move(answer));
            return;
        }
        InboundReport in;
        in.gateway_id = g_.id_;
        in.from = m.source_addr;
        in.to = m.destination_addr;
        auto read = smpp::read_text(m);
        if (read.bad_udh) return answer(ReportFate::kStored);
        if (read.concatenation) {
            in.reference = read.concatenation->reference;
            in.total = read.concatenation->total;
            in.part = read.concatenation->part;
        }
        in.text = read.text.value_or(std::string());
        ++g_.inbound_;
        g_.listener_.on_inbound(in, std::move(answer));
    }

    void on_state(smpp::SessionState state, const std::string& detail) override {
        std::lock_guard lock(mutex_);
        if (gateway_ && state != smpp::SessionState::kBound && !detail.empty()) {
            SmppGateway& g_ = *gateway_;
            std::lock_guard error_lock(g_.error_mutex_);
            g_.last_error_ = std::make_shared<std::string>(detail);
        }
    }

private:
    std::mutex mutex_;
    SmppGateway* gateway_;
};

SmppGateway::SmppGateway(GatewayId id, SmppSettings settings, boost::asio::io_context& io,
                         GatewayListener& listener)
    : id_(std::move(id)),
      settings_(std::move(settings)),
      io_(io),
      listener_(listener),
      handler_(std::make_shared<Handler>(*this)) {
    const int senders = std::max(1, settings_.binds);
    auto options = settings_.session;
    options.tps = settings_.tps > 0 ? settings_.tps / senders : 0;
    for (int i = 0; i < senders; ++i) {
        auto s = smpp::Session::create(io_, options, handler_);
        sessions_.push_back(s);
        all_sessions_.push_back(s);
    }
    auto receiver = settings_.session;
    receiver.mode = smpp::BindMode::kReceiver;
    for (int i = 0; i < settings_.receiver_binds; ++i)
        all_sessions_.push_back(smpp::Session::create(io_, receiver, handler_));
}

SmppGateway::~SmppGateway() {
    handler_->detach();
    stop();
}

void SmppGateway::start() {
    for (auto& s : all_sessions_) s->start();
}

void SmppGateway::stop() {
    for (auto& s : all_sessions_) s->stop();
}

bool SmppGateway::available() const {
    for (const auto& s : sessions_)
        if (s->state() == smpp::SessionState::kBound) return true;
    return false;
}

std::shared_ptr<smpp::Session> SmppGateway::pick_session() const {
    // The bound session with the fewest outstanding submits, starting the
    // scan at a rotating index so equal sessions share the load.
    std::shared_ptr<smpp::Session> best;
    const std::size_t n = sessions_.size();
    const std::size_t start = next_++ % n;
    for (std::size_t i = 0; i < n; ++i) {
        const auto& s = sessions_[(start + i) % n];
        if (s->state() != smpp::SessionState::kBound) continue;
        if (!best || s->outstanding() < best->outstanding()) best = s;
    }
    return best;
}

std::vector<smpp::ShortMessage> SmppGateway::build_pdus(const OutboundSms& m,
                                                        std::string* problem) const {
    std::vector<smpp::ShortMessage> out;
    auto encoded = formats::encode_sms(m.body);
    std::string sender_problem;
    auto sender = formats::parse_sender_id(m.sender, &sender_problem);
    if (!encoded || !sender) {
        *problem = !encoded ? "The body is not valid UTF-8." : sender_problem;
        return out;
    }
    smpp::ShortMessage base;
    std::tie(base.source_addr_ton, base.source_addr_npi) = formats::source_ton_npi(*sender);
    base.source_addr = sender->value;
    base.dest_addr_ton = settings_.dest_ton;
    base.dest_addr_npi = settings_.dest_npi;
    base.destination_addr = m.to.starts_with('+') ? m.to.substr(1) : m.to;
    base.registered_delivery = settings_.registered_delivery ? 1 : 0;
    base.data_coding = formats::data_coding_of(encoded->encoding);
    if (encoded->parts.size() == 1) {
        base.short_message = encoded->parts.front();
        out.push_back(std::move(base));
    } else if (settings_.message_payload) {
        std::string all;
        for (const auto& p : encoded->parts) all += p;
        base.tlvs.push_back({smpp::tlv::kMessagePayload, std::move(all)});
        out.push_back(std::move(base));
    } else {
        const auto total = static_cast<std::uint8_t>(encoded->parts.size());
        for (std::size_t i = 0; i < encoded->parts.size(); ++i) {
            smpp::ShortMessage part = base;
            part.esm_class |= smpp::kEsmUdhi;
            part.short_message =
                formats::concat_udh(m.reference & 0xFF, total, static_cast<std::uint8_t>(i + 1)) +
                encoded->parts[i];
            out.push_back(std::move(part));
        }
    }
    return out;
}

void SmppGateway::submit(OutboundSms message, std::function<void(SubmitOutcome)> done) {
    std::string problem;
    auto pdus = build_pdus(message, &problem);
    if (pdus.empty()) {
        SubmitOutcome o;
        o.parts.push_back({.part = 1, .error_code = "INVALID_MESSAGE", .error_message = problem});
        boost::asio::post(io_, [o = std::move(o), done = std::move(done)] { done(o); });
        return;
    }
    auto session = pick_session();
    if (!session) {
        SubmitOutcome o;
        o.parts.push_back({.part = 1,
                           .retryable = true,
                           .error_code = "NOT_BOUND",
                           .error_message = "No session of the gateway is bound."});
        boost::asio::post(io_, [o = std::move(o), done = std::move(done)] { done(o); });
        return;
    }
    // Every part goes through the same session; the outcome is reported once
    // all parts have theirs.
    struct Pending {
        SubmitOutcome outcome;
        std::size_t remaining;
        std::function<void(SubmitOutcome)> done;
    };
    auto pending = std::make_shared<Pending>();
    pending->outcome.parts.resize(pdus.size());
    pending->remaining = pdus.size();
    pending->done = std::move(done);
    for (std::size_t i = 0; i < pdus.size(); ++i) {
        session->submit(std::move(pdus[i]),
                        [this, self = shared_from_this(), pending, i](smpp::SubmitResult r) {
                            PartOutcome& p = pending->outcome.parts[i];
                            p.part = static_cast<int>(i + 1);
                            p.left = r.sent && !(r.answered && r.status != smpp::status::kOk);
                            p.answered = r.answered;
                            if (r.answered && r.status == smpp::status::kOk) {
                                p.accepted = true;
                                p.provider_id = r.message_id;
                                p.provider_key = key_of(r.message_id, settings_.response_ids);
                                ++submitted_;
                                const auto second = now_second();
                                if (tps_second_.exchange(second) != second)
                                    tps_last_ = tps_count_.exchange(0);
                                ++tps_count_;
                            } else if (r.answered) {
                                p.error_code = hex_status(r.status);
                                p.error_message = "The SMSC refused the message.";
                                p.retryable = is_retryable_status(r.status);
                                ++failed_;
                            } else {
                                p.error_code = r.sent ? "NO_RESPONSE" : "NOT_SENT";
                                p.error_message = r.error;
                                p.retryable = !r.sent;
                                ++failed_;
                            }
                            if (--pending->remaining == 0)
                                pending->done(std::move(pending->outcome));
                        });
    }
}

json SmppGateway::status() const {
    json sessions = json::array();
    std::size_t bound = 0, window = 0;
    for (const auto& s : all_sessions_) {
        const bool is_bound = s->state() == smpp::SessionState::kBound;
        bound += is_bound ? 1 : 0;
        window += s->outstanding();
        sessions.push_back(
            {{"state", smpp::session_state_name(s->state())}, {"window_in_use", s->outstanding()}});
    }
    std::optional<std::string> error;
    {
        std::lock_guard lock(error_mutex_);
        if (last_error_) error = *last_error_;
    }
    const bool recent = tps_second_.load() >= now_second() - 1;
    return {{"kind", "smpp"},
            {"bound", available()},
            {"bound_sessions", bound},
            {"sessions", std::move(sessions)},
            {"window_in_use", window},
            {"window_size", settings_.session.window * sessions_.size()},
            {"current_tps", recent ? tps_last_.load() : 0},
            {"parts_submitted", submitted_.load()},
            {"parts_failed", failed_.load()},
            {"receipts_received", receipts_.load()},
            {"inbound_received", inbound_.load()},
            {"last_error", error ? json(*error) : json(nullptr)}};
}

}  // namespace ujumbe::channels
