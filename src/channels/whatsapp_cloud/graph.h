#pragma once
// The WhatsApp Business Cloud API (Meta's Graph API) as this server calls
// it: where it is (a configurable base URL, so tests point it at a
// simulator, and a pinned version), how its errors read (matched on `code`,
// never on text) and what a business phone number reports about itself.
// PROTOCOLS.md section 3 has the shapes.

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "channels/http_client.h"
#include "core/result.h"

namespace ujumbe::channels::whatsapp {

struct GraphOptions {
    std::string base_url = "https://graph.facebook.com";
    std::string version = "v21.0";
    int timeout_ms = 10000;
    // The largest media file downloaded (an answer past it is an error).
    std::size_t max_download_bytes = 16 * 1024 * 1024;
};

// base_url/version/path ("https://graph.facebook.com/v21.0/123/messages").
std::string graph_endpoint(const GraphOptions& options, const std::string& path);

// An error object of the Graph API (`{"error":{...}}`), or what stood for one
// when the answer was not readable.
struct GraphError {
    int http_status = 0;     // 0: no answer came
    std::int64_t code = -1;  // Meta's code; -1 when the answer carried none
    std::int64_t subcode = -1;
    std::string message;  // Meta's text, for logs and details only
    // The access token is refused (0, 190; or HTTP 401 with no code).
    bool auth_failed() const;
    // Worth trying again later: no answer, 5xx, codes 1, 2, 4, 130429, 131048, 131056.
    bool transient() const;
};

// A business phone number as GET /{phone-number-id} reports it.
struct PhoneNumberProfile {
    std::string display_phone_number;
    std::string verified_name;
    std::string quality_rating;   // GREEN | YELLOW | RED | UNKNOWN
    std::string messaging_limit;  // TIER_1K, TIER_10K, TIER_100K, TIER_UNLIMITED, ...
};

// The fields asked of a phone number.
inline constexpr const char* kPhoneNumberFields =
    "display_phone_number,verified_name,quality_rating,messaging_limit_tier";

// Reads an error answer (any status but 2xx, or an answer holding "error").
GraphError read_graph_error(int http_status, const std::string& body);
// Reads a 2xx answer to GET /{phone-number-id}; an error when it is not JSON
// or names no display_phone_number.
Result<PhoneNumberProfile> read_phone_number(const std::string& body);

// What the rest of the server asks of the Graph API (tests give a fake).
class GraphApi {
public:
    virtual ~GraphApi() = default;
    // GET /{version}/{phone_number_id}: the number's profile, or the error.
    // Blocks the caller for at most a timeout; never call it on an I/O thread.
    virtual std::variant<PhoneNumberProfile, GraphError> phone_number(
        const std::string& phone_number_id, const std::string& access_token) = 0;
    // `method` /{version}/`path` with the token and `body` (JSON; "" for
    // none): the answer's JSON object, or the error. Blocks likewise.
    virtual std::variant<nlohmann::json, GraphError> call(const std::string& method,
                                                          const std::string& path,
                                                          const std::string& access_token,
                                                          const std::string& body) = 0;
    // GET `url` (a media file's, as GET /{media-id} named it) with the
    // token: the bytes, or the error. Blocks likewise.
    virtual std::variant<std::string, GraphError> download(const std::string& url,
                                                           const std::string& access_token) = 0;
};

class GraphClient final : public GraphApi {
public:
    // Calls run on `io` (which some thread runs); the calls block their caller.
    GraphClient(boost::asio::io_context& io, GraphOptions options);
    ~GraphClient() override;
    GraphClient(const GraphClient&) = delete;
    GraphClient& operator=(const GraphClient&) = delete;

    std::variant<PhoneNumberProfile, GraphError> phone_number(
        const std::string& phone_number_id, const std::string& access_token) override;
    std::variant<nlohmann::json, GraphError> call(const std::string& method,
                                                  const std::string& path,
                                                  const std::string& access_token,
                                                  const std::string& body) override;
    std::variant<std::string, GraphError> download(const std::string& url,
                                                   const std::string& access_token) override;

private:
    // A 2xx answer's body, or the error.
    std::variant<std::string, GraphError> exchange(HttpClient& client, HttpRequest request,
                                                   int timeout_ms);

    GraphOptions options_;
    std::shared_ptr<HttpClient> http_, downloads_;
};

}  // namespace ujumbe::channels::whatsapp
