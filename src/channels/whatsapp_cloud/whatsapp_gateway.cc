#include <utility>  // before Asio (g++ 12)

#include "channels/whatsapp_cloud/whatsapp_gateway.h"

#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "core/crypto.h"
#include "core/json.h"
#include "core/utf8.h"

namespace ujumbe::channels::whatsapp {

namespace {

using json = nlohmann::json;

PartOutcome retryable(std::string code, std::string message) {
    PartOutcome p;
    p.retryable = true;
    p.error_code = std::move(code);
    p.error_message = std::move(message);
    return p;
}

bool digits_only(const std::string& text) {
    return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

Result<NumberSettings> read_number_settings(const json& settings, const json& secrets) {
    NumberSettings s;
    auto text = [&](const json& from, const char* key) {
        auto it = from.find(key);
        return it != from.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    s.phone_number_id = text(settings, "phone_number_id");
    if (!digits_only(s.phone_number_id) || s.phone_number_id.size() > 32)
        return Error::invalid("settings.phone_number_id", "Must be Meta's id of the number.");
    s.access_token = text(secrets, "access_token");
    if (s.access_token.empty() || s.access_token.size() > 1024)
        return Error::invalid("settings.access_token", "Required (up to 1024 characters).");
    if (auto url = text(settings, "graph_url"); !url.empty()) {
        if (!parse_url(url)) return Error::invalid("settings.graph_url", "Must be an http(s) URL.");
        s.graph.base_url = url;
    }
    if (auto version = text(settings, "graph_version"); !version.empty()) s.graph.version = version;
    s.media_dir = text(settings, "media_dir");
    if (!s.media_dir.empty() && !s.media_dir.starts_with('/'))
        return Error::invalid("settings.media_dir", "Must be an absolute path.");
    if (auto it = settings.find("concurrency"); it != settings.end()) {
        if (!it->is_number_integer() || *it < 1 || *it > 256)
            return Error::invalid("settings.concurrency", "Must be 1 to 256.");
        s.concurrency = it->get<int>();
    }
    return s;
}

json number_settings_json(const NumberSettings& s) {
    return {{"phone_number_id", s.phone_number_id},
            {"graph_url", s.graph.base_url},
            {"graph_version", s.graph.version},
            {"concurrency", s.concurrency},
            {"media_dir", s.media_dir}};
}

json message_object(const OutboundSms& m) {
    json body = json::parse(m.content, nullptr, false);
    if (!body.is_object()) body = {{"type", "text"}, {"text", {{"body", m.body}}}};
    return body;
}

std::string send_body(const OutboundSms& m, json body) {
    body["messaging_product"] = "whatsapp";
    body["recipient_type"] = "individual";
    body["to"] = m.to.starts_with('+') ? m.to.substr(1) : m.to;
    // Echoed in the message's status webhooks.
    body["biz_opaque_callback_data"] = m.message_id.value;
    return body.dump();
}

PartOutcome read_send_answer(const HttpAnswer& answer) {
    if (!answer.answered) {
        if (!answer.sent) return retryable("UNREACHABLE", answer.error);
        PartOutcome p;
        p.left = true;  // Meta may have it: never sent again
        p.error_code = "NO_RESPONSE";
        p.error_message = answer.error;
        return p;
    }
    if (answer.status >= 200 && answer.status <= 299) {
        JsonParseProblem problem;
        const auto doc = parse_json_bounded(answer.body, problem);
        PartOutcome p;
        p.answered = true;
        p.left = true;
        const json* first = nullptr;
        if (doc.is_object() && doc.contains("messages") && doc["messages"].is_array() &&
            !doc["messages"].empty())
            first = &doc["messages"][0];
        if (first && first->is_object() && first->contains("id") && (*first)["id"].is_string() &&
            !(*first)["id"].get_ref<const std::string&>().empty()) {
            p.accepted = true;
            p.provider_id = p.provider_key = (*first)["id"].get<std::string>();
            return p;
        }
        p.error_code = "BAD_ANSWER";
        p.error_message = "The Graph API accepted the message without naming it.";
        return p;
    }
    const GraphError e = read_graph_error(answer.status, answer.body);
    const std::string code = e.code >= 0 ? "WHATSAPP_" + std::to_string(e.code)
                                         : "WHATSAPP_HTTP_" + std::to_string(answer.status);
    if (e.transient() || e.auth_failed()) return retryable(code, e.message);
    PartOutcome p;
    p.answered = true;
    p.error_code = code;
    p.error_message = e.message;
    return p;
}

NumberGateway::NumberGateway(GatewayId id, NumberSettings settings, boost::asio::io_context& io)
    : id_(std::move(id)), settings_(std::move(settings)), io_(io) {}

NumberGateway::~NumberGateway() = default;

void NumberGateway::start() {
    client_ = HttpClient::create(
        io_, {.timeout = std::chrono::milliseconds(settings_.graph.timeout_ms),
              .connect_timeout = std::chrono::milliseconds(settings_.graph.timeout_ms),
              .max_answer_bytes = 64 * 1024,
              .max_idle = static_cast<std::size_t>(settings_.concurrency)});
    // Uploads take longer than a message and answer with a small object.
    uploads_ = HttpClient::create(
        io_, {.timeout = std::chrono::milliseconds(settings_.graph.timeout_ms * 6),
              .connect_timeout = std::chrono::milliseconds(settings_.graph.timeout_ms),
              .max_answer_bytes = 64 * 1024,
              .max_idle = 2});
    started_ = true;
}

void NumberGateway::stop() {
    if (stopped_.exchange(true)) return;
    if (client_) client_->close();
    if (uploads_) uploads_->close();
}

std::size_t NumberGateway::capacity() const {
    return static_cast<std::size_t>(settings_.concurrency);
}

void NumberGateway::submit(OutboundSms message, std::function<void(SubmitOutcome)> done) {
    if (!available()) {
        done({{retryable("NOT_BOUND", "The WhatsApp channel is not running.")}});
        return;
    }
    json object = message_object(message);
    const auto ref = upload_of(object);
    if (!ref) {
        send(message, std::move(object), std::move(done));
        return;
    }
    // A file of the account's media: sent by the id Meta gave it.
    auto self = std::static_pointer_cast<NumberGateway>(shared_from_this());
    bool start = false;
    auto known = uploaded_.find(
        ref->sha256,
        [self, message, object, ref = *ref,
         done](std::variant<std::string, PartOutcome> outcome) mutable {
            if (auto* failed = std::get_if<PartOutcome>(&outcome)) {
                done({{*failed}});
                return;
            }
            use_meta_media(object, ref, std::get<std::string>(outcome));
            self->send(message, std::move(object), std::move(done));
        },
        start);
    if (known) {
        use_meta_media(object, *ref, *known);
        send(message, std::move(object), std::move(done));
        return;
    }
    if (start) upload(*ref);
}

void NumberGateway::send(const OutboundSms& message, json object,
                         std::function<void(SubmitOutcome)> done) {
    tally_.sent();
    HttpRequest request;
    request.url = graph_endpoint(settings_.graph, settings_.phone_number_id + "/messages");
    request.headers = {{"Authorization", "Bearer " + settings_.access_token},
                       {"Content-Type", "application/json"}};
    request.body = send_body(message, std::move(object));
    auto self = std::static_pointer_cast<NumberGateway>(shared_from_this());
    client_->send(std::move(request), [self, done = std::move(done)](HttpAnswer answer) {
        PartOutcome part = read_send_answer(answer);
        self->tally_.answered(part);
        done({{part}});
    });
}

void NumberGateway::upload(const UploadRef& ref) {
    // The file: read here, on an I/O thread; files are at most the media
    // limit (16 MB by default) on local disk.
    std::string bytes;
    const bool named = is_sha256_hex(ref.sha256) && !settings_.media_dir.empty();
    std::ifstream in;
    if (named) in.open(settings_.media_dir + "/" + ref.sha256, std::ios::binary);
    if (!in) {
        PartOutcome gone;
        gone.answered = true;  // final: the file was deleted after the message was accepted
        gone.error_code = "MEDIA_MISSING";
        gone.error_message = "The media file is no longer stored.";
        uploaded_.finish(ref.sha256, gone);
        return;
    }
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    const std::string boundary = "ujumbe-" + ref.sha256.substr(0, 24);
    HttpRequest request;
    request.url = graph_endpoint(settings_.graph, settings_.phone_number_id + "/media");
    request.headers = {{"Authorization", "Bearer " + settings_.access_token},
                       {"Content-Type", "multipart/form-data; boundary=" + boundary}};
    request.body = upload_form(boundary, ref, bytes);
    auto self = std::static_pointer_cast<NumberGateway>(shared_from_this());
    uploads_->send(std::move(request), [self, sha256 = ref.sha256](HttpAnswer answer) {
        self->uploaded_.finish(sha256, read_upload_answer(answer));
    });
}

json NumberGateway::status() const {
    json out = {{"kind", "whatsapp"},
                {"available", available()},
                {"phone_number_id", settings_.phone_number_id},
                {"concurrency", settings_.concurrency}};
    tally_.add_to(out);
    return out;
}

}  // namespace ujumbe::channels::whatsapp
