#include <utility>  // before Asio (g++ 12)

#include "channels/whatsapp_cloud/graph.h"

#include <chrono>
#include <future>

#include <nlohmann/json.hpp>

#include "core/json.h"
#include "core/utf8.h"

namespace ujumbe::channels::whatsapp {

namespace {

using json = nlohmann::json;

std::int64_t number_at(const json& object, const char* key) {
    auto it = object.find(key);
    return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : -1;
}

std::string without_trailing_slash(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

}  // namespace

std::string graph_endpoint(const GraphOptions& options, const std::string& path) {
    return without_trailing_slash(options.base_url) + "/" + options.version + "/" + path;
}

bool GraphError::auth_failed() const {
    return code == 0 || code == 190 || (code == -1 && http_status == 401);
}

bool GraphError::transient() const {
    if (http_status == 0 || http_status >= 500) return true;
    switch (code) {
        case 1:
        case 2:
        case 4:
        case 130429:
        case 131048:
        case 131056:
            return true;
        default:
            return false;
    }
}

GraphError read_graph_error(int http_status, const std::string& body) {
    GraphError e;
    e.http_status = http_status;
    JsonParseProblem problem;
    const auto doc = parse_json_bounded(body, problem);
    if (doc.is_object()) {
        if (auto it = doc.find("error"); it != doc.end() && it->is_object()) {
            e.code = number_at(*it, "code");
            e.subcode = number_at(*it, "error_subcode");
            e.message = std::string(utf8_prefix(string_at(*it, "message"), 300));
        }
    }
    if (e.message.empty()) e.message = "HTTP " + std::to_string(http_status);
    return e;
}

Result<PhoneNumberProfile> read_phone_number(const std::string& body) {
    JsonParseProblem problem;
    const auto doc = parse_json_bounded(body, problem);
    if (!doc.is_object())
        return Error::malformed("The Graph API answered something other than JSON.");
    PhoneNumberProfile p;
    p.display_phone_number = string_at(doc, "display_phone_number");
    if (p.display_phone_number.empty())
        return Error::malformed("The Graph API named no display_phone_number.");
    p.verified_name = string_at(doc, "verified_name");
    p.quality_rating = string_at(doc, "quality_rating");
    p.messaging_limit = string_at(doc, "messaging_limit_tier");
    return p;
}

// A file takes longer than a call: this many times the call's time limit.
constexpr int kDownloadTimeouts = 6;

GraphClient::GraphClient(boost::asio::io_context& io, GraphOptions options)
    : options_(std::move(options)),
      http_(
          HttpClient::create(io, {.timeout = std::chrono::milliseconds(options_.timeout_ms),
                                  .connect_timeout = std::chrono::milliseconds(options_.timeout_ms),
                                  .max_answer_bytes = 256 * 1024,
                                  .max_idle = 4})),
      downloads_(HttpClient::create(
          io, {.timeout = std::chrono::milliseconds(options_.timeout_ms * kDownloadTimeouts),
               .connect_timeout = std::chrono::milliseconds(options_.timeout_ms),
               .max_answer_bytes = options_.max_download_bytes,
               .max_idle = 2})) {}

GraphClient::~GraphClient() {
    http_->close();
    downloads_->close();
}

std::variant<PhoneNumberProfile, GraphError> GraphClient::phone_number(
    const std::string& phone_number_id, const std::string& access_token) {
    HttpRequest request;
    request.method = "GET";
    request.url =
        graph_endpoint(options_, phone_number_id + "?fields=" + std::string(kPhoneNumberFields));
    request.headers.emplace_back("Authorization", "Bearer " + access_token);
    auto answer = exchange(*http_, std::move(request), options_.timeout_ms);
    if (auto* e = std::get_if<GraphError>(&answer)) return std::move(*e);
    auto profile = read_phone_number(std::get<std::string>(answer));
    if (!profile) return GraphError{.http_status = 200, .message = profile.error().message};
    return std::move(*profile);
}

std::variant<json, GraphError> GraphClient::call(const std::string& method, const std::string& path,
                                                 const std::string& access_token,
                                                 const std::string& body) {
    HttpRequest request;
    request.method = method;
    request.url = graph_endpoint(options_, path);
    request.headers.emplace_back("Authorization", "Bearer " + access_token);
    if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    request.body = body;
    auto answer = exchange(*http_, std::move(request), options_.timeout_ms);
    if (auto* e = std::get_if<GraphError>(&answer)) return std::move(*e);
    JsonParseProblem problem;
    auto doc = parse_json_bounded(std::get<std::string>(answer), problem);
    if (!doc.is_object())
        return GraphError{.http_status = 200,
                          .message = "The Graph API answered something other than JSON."};
    return doc;
}

std::variant<std::string, GraphError> GraphClient::download(const std::string& url,
                                                            const std::string& access_token) {
    HttpRequest request;
    request.method = "GET";
    request.url = url;
    request.headers.emplace_back("Authorization", "Bearer " + access_token);
    return exchange(*downloads_, std::move(request), options_.timeout_ms * kDownloadTimeouts);
}

std::variant<std::string, GraphError> GraphClient::exchange(HttpClient& client, HttpRequest request,
                                                            int timeout_ms) {
    auto promise = std::make_shared<std::promise<HttpAnswer>>();
    auto answer = promise->get_future();
    client.send(std::move(request), [promise](HttpAnswer a) { promise->set_value(std::move(a)); });
    // The client's own timeout ends the exchange; this only guards against a lost callback.
    if (answer.wait_for(std::chrono::milliseconds(timeout_ms + 5000)) != std::future_status::ready)
        return GraphError{.message = "no answer in time"};
    HttpAnswer a = answer.get();
    if (!a.answered) return GraphError{.message = a.error.empty() ? "no answer" : a.error};
    if (a.status < 200 || a.status > 299) return read_graph_error(a.status, a.body);
    return std::move(a.body);
}

}  // namespace ujumbe::channels::whatsapp
